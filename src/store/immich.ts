import type { Db } from './database.js';

export interface ImmichPersonLink {
  personId: string;
  /** Immich's person id (the column allows null; every link written today has one). */
  immichId: string | null;
  /** The name and hidden flag Immich showed when we last looked: a difference next time is the user's doing. */
  name: string | null;
  hidden: boolean;
  intentAt: number;
}

export type FaceOrigin = 'created' | 'reassigned' | 'adopted' | 'user';

export interface ImmichFaceLink {
  observationId: number;
  immichFaceId: string;
  immichPersonId: string | null;
  origin: FaceOrigin;
}

/** Our ids ↔ Immich's: what was written, so that a restart at any point writes nothing twice. */
export class ImmichLinkRepository {
  constructor(private readonly db: Db) {}

  people(): ImmichPersonLink[] {
    return this.selectPeople('1 = 1', null);
  }

  person(personId: string): ImmichPersonLink | undefined {
    return this.selectPeople('person_id = ?', personId)[0];
  }

  byImmichId(immichId: string): ImmichPersonLink | undefined {
    return this.selectPeople('immich_id = ?', immichId)[0];
  }

  private selectPeople(where: string, value: string | null): ImmichPersonLink[] {
    const statement = this.db.prepare<
      unknown[],
      { person_id: string; immich_id: string | null; name: string | null; hidden: number; intent_at: number }
    >(`SELECT person_id, immich_id, name, hidden, intent_at FROM immich_people WHERE ${where} ORDER BY person_id`);
    return (value === null ? statement.all() : statement.all(value)).map((r) => ({
      personId: r.person_id,
      immichId: r.immich_id,
      name: r.name,
      hidden: r.hidden === 1,
      intentAt: r.intent_at,
    }));
  }

  linkPerson(personId: string, immichId: string, name: string | null, hidden: boolean, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO immich_people (person_id, immich_id, name, hidden, intent_at, synced_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (person_id) DO UPDATE SET immich_id = excluded.immich_id, name = excluded.name,
           hidden = excluded.hidden, synced_at = excluded.synced_at`,
      )
      .run(personId, immichId, name, hidden ? 1 : 0, now, now);
  }

  unlinkPerson(personId: string): void {
    this.db.prepare('DELETE FROM immich_people WHERE person_id = ?').run(personId);
  }

  faces(): ImmichFaceLink[] {
    return this.db
      .prepare<
        [],
        { observation_id: number; immich_face_id: string; immich_person_id: string | null; origin: FaceOrigin }
      >('SELECT observation_id, immich_face_id, immich_person_id, origin FROM immich_faces ORDER BY observation_id')
      .all()
      .map((r) => ({
        observationId: r.observation_id,
        immichFaceId: r.immich_face_id,
        immichPersonId: r.immich_person_id,
        origin: r.origin,
      }));
  }

  face(observationId: number): ImmichFaceLink | undefined {
    const r = this.db
      .prepare<
        [number],
        { observation_id: number; immich_face_id: string; immich_person_id: string | null; origin: FaceOrigin }
      >('SELECT observation_id, immich_face_id, immich_person_id, origin FROM immich_faces WHERE observation_id = ?')
      .get(observationId);
    return (
      r && {
        observationId: r.observation_id,
        immichFaceId: r.immich_face_id,
        immichPersonId: r.immich_person_id,
        origin: r.origin,
      }
    );
  }

  linkFace(link: ImmichFaceLink, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO immich_faces (observation_id, immich_face_id, immich_person_id, origin, written_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (observation_id) DO UPDATE SET immich_face_id = excluded.immich_face_id,
           immich_person_id = excluded.immich_person_id, origin = excluded.origin, written_at = excluded.written_at`,
      )
      .run(link.observationId, link.immichFaceId, link.immichPersonId, link.origin, now);
  }

  unlinkFace(observationId: number): void {
    this.db.prepare('DELETE FROM immich_faces WHERE observation_id = ?').run(observationId);
  }
}
