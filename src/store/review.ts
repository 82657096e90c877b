import type { AssignedBy, Box, FaceQuality } from '../types.js';
import { fromBlob } from './blobs.js';
import type { Db } from './database.js';

/** A person as the review page lists them: counts straight from SQL, without loading observations. */
export interface PersonSummary {
  id: string;
  name: string | null;
  hidden: boolean;
  faces: number;
  /** The face the page shows for them: the user's choice, else their clearest face; null for a body-only person. */
  cover: number | null;
}

/** A face as the review page shows it: where it is and how it got onto its person, no vectors. */
export interface FaceSummary {
  id: number;
  assetId: number;
  box: Box;
  quality: FaceQuality | null;
  personId: string | null;
  assignedBy: AssignedBy | null;
  moment: number | null;
  hasBody: boolean;
}

export interface FacePage {
  total: number;
  faces: FaceSummary[];
}

interface RawFace {
  id: number;
  asset_id: number;
  face_box: string;
  quality: string | null;
  person_id: string | null;
  assigned_by: AssignedBy | null;
  moment: number | null;
  has_body: number;
}

const FACE_COLUMNS = `id, asset_id, face_box, quality, person_id, assigned_by, moment, body_box IS NOT NULL AS has_body`;

const toFace = (r: RawFace): FaceSummary => ({
  id: r.id,
  assetId: r.asset_id,
  box: JSON.parse(r.face_box) as Box,
  quality: r.quality ? (JSON.parse(r.quality) as FaceQuality) : null,
  personId: r.person_id,
  assignedBy: r.assigned_by,
  moment: r.moment,
  hasBody: r.has_body === 1,
});

/** The faces the page shows: body-only observations and faces the user said are not faces are left out. */
const VISIBLE = 'face_box IS NOT NULL AND dismissed = 0';

/**
 * Read-only queries for the review page, paged in SQL so a person with 5,000 faces or a library with 1,000 people
 * costs one query per page rather than loading every observation.
 */
export class ReviewQueries {
  constructor(private readonly db: Db) {}

  /** Every person with their face count and cover: named people first (by name), then by size. */
  people(only: string | null = null): PersonSummary[] {
    const rows = this.db
      .prepare<[string | null, string | null], { id: string; name: string | null; hidden: number; faces: number }>(
        `SELECT p.id, p.name, p.hidden, COUNT(o.id) AS faces
         FROM people p LEFT JOIN observations o ON o.person_id = p.id AND o.${VISIBLE}
         WHERE ? IS NULL OR p.id = ?
         GROUP BY p.id
         ORDER BY p.name IS NULL, p.name COLLATE NOCASE, faces DESC, p.created_at, p.id`,
      )
      .all(only, only);
    const best = new Map(
      this.db
        .prepare<[string | null, string | null], { person_id: string; id: number }>(
          `SELECT person_id, id FROM (
             SELECT person_id, id, ROW_NUMBER() OVER (
               PARTITION BY person_id ORDER BY clear DESC, json_extract(quality, '$.score') DESC, id) AS rank
             FROM observations WHERE person_id IS NOT NULL AND (? IS NULL OR person_id = ?) AND ${VISIBLE})
           WHERE rank = 1`,
        )
        .all(only, only)
        .map((r) => [r.person_id, r.id]),
    );
    const covers = this.covers();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      hidden: r.hidden === 1,
      faces: r.faces,
      cover: covers.get(r.id) ?? best.get(r.id) ?? null,
    }));
  }

  /** Every person's id and name, in the grid's order: what a "move to" list needs, without counting faces. */
  names(): { id: string; name: string | null }[] {
    return this.db
      .prepare<[], { id: string; name: string | null }>(
        'SELECT id, name FROM people WHERE hidden = 0 ORDER BY name IS NULL, name COLLATE NOCASE, created_at, id',
      )
      .all();
  }

  /** How many people the grid shows (hidden ones aside). */
  peopleCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM people WHERE hidden = 0').get()!.n;
  }

  person(id: string): PersonSummary | undefined {
    return this.people(id)[0];
  }

  /** The covers users chose, where the face is still theirs. */
  private covers(): Map<string, number> {
    const rows = this.db
      .prepare<[], { id: string; cover: number }>(
        `SELECT p.id, p.cover_observation_id AS cover FROM people p
         JOIN observations o ON o.id = p.cover_observation_id AND o.person_id = p.id`,
      )
      .all();
    return new Map(rows.map((r) => [r.id, r.cover]));
  }

  /** One page of a person's faces, clearest first. */
  facesOf(personId: string, offset: number, limit: number): FacePage {
    const total = this.db
      .prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM observations WHERE person_id = ? AND ${VISIBLE}`)
      .get(personId)!.n;
    const faces = this.db
      .prepare<[string, number, number], RawFace>(
        `SELECT ${FACE_COLUMNS} FROM observations WHERE person_id = ? AND ${VISIBLE}
         ORDER BY clear DESC, json_extract(quality, '$.score') DESC, id LIMIT ? OFFSET ?`,
      )
      .all(personId, limit, offset)
      .map(toFace);
    return { total, faces };
  }

  /** Every face no person holds, with its vector (tagged with the model that made it) for grouping. */
  unknownFaces(): (FaceSummary & { model: string | null; vector: Float32Array | null })[] {
    return this.db
      .prepare<[], RawFace & { face_model: string | null; face_vector: Buffer | null }>(
        `SELECT ${FACE_COLUMNS}, face_model, face_vector FROM observations
         WHERE person_id IS NULL AND ${VISIBLE} 
         ORDER BY clear DESC, json_extract(quality, '$.score') DESC, id`,
      )
      .all()
      .map((r) => ({
        ...toFace(r),
        model: r.face_model,
        vector: r.face_vector ? fromBlob(r.face_vector) : null,
      }));
  }

  /** How many faces no person holds (and the user did not dismiss). */
  unknownCount(): number {
    return this.db
      .prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM observations WHERE person_id IS NULL AND ${VISIBLE} `)
      .get()!.n;
  }

  face(id: number): FaceSummary | undefined {
    const row = this.db
      .prepare<[number], RawFace>(`SELECT ${FACE_COLUMNS} FROM observations WHERE id = ? AND ${VISIBLE}`)
      .get(id);
    return row ? toFace(row) : undefined;
  }

  /** The faces of one photo, for drawing every box on it. */
  facesOnAsset(assetId: number): FaceSummary[] {
    return this.db
      .prepare<[number], RawFace>(`SELECT ${FACE_COLUMNS} FROM observations WHERE asset_id = ? AND ${VISIBLE}`)
      .all(assetId)
      .map(toFace);
  }

  /** Several faces' vectors at once (one query for a page of faces), keyed by observation id. */
  vectorsOf(ids: readonly number[]): Map<number, ReturnType<ReviewQueries['vectors']>> {
    const out = new Map<number, ReturnType<ReviewQueries['vectors']>>();
    if (ids.length === 0) return out;
    const rows = this.db
      .prepare<
        number[],
        {
          id: number;
          face_model: string | null;
          face_vector: Buffer | null;
          body_model: string | null;
          body_vector: Buffer | null;
        }
      >(
        `SELECT id, face_model, face_vector, body_model, body_vector FROM observations
         WHERE id IN (${ids.map(() => '?').join(',')})`,
      )
      .all(...ids);
    for (const r of rows) {
      out.set(r.id, {
        face: r.face_model && r.face_vector ? { model: r.face_model, vector: fromBlob(r.face_vector) } : null,
        body: r.body_model && r.body_vector ? { model: r.body_model, vector: fromBlob(r.body_vector) } : null,
      });
    }
    return out;
  }

  /** A face's vector and body vector with their models, for explaining its assignment. */
  vectors(id: number): {
    face: { model: string; vector: Float32Array } | null;
    body: { model: string; vector: Float32Array } | null;
  } {
    const r = this.db
      .prepare<
        [number],
        {
          face_model: string | null;
          face_vector: Buffer | null;
          body_model: string | null;
          body_vector: Buffer | null;
        }
      >('SELECT face_model, face_vector, body_model, body_vector FROM observations WHERE id = ?')
      .get(id);
    return {
      face: r?.face_model && r.face_vector ? { model: r.face_model, vector: fromBlob(r.face_vector) } : null,
      body: r?.body_model && r.body_vector ? { model: r.body_model, vector: fromBlob(r.body_vector) } : null,
    };
  }

  /**
   * Changes whenever the gallery does (exemplars added or removed, people made or removed): the key under which a
   * reader may keep exemplar vectors. Observation ids only grow, so count and sum together identify the set.
   */
  galleryVersion(): string {
    const r = this.db
      .prepare<[], { n: number; sum: number; people: number }>(
        `SELECT COUNT(*) AS n, COALESCE(SUM(observation_id), 0) AS sum, (SELECT COUNT(*) FROM people) AS people
         FROM exemplars`,
      )
      .get()!;
    return `${r.n}:${r.sum}:${r.people}`;
  }

  /** The face models the gallery's exemplars come from (one, unless the library is mid-way through a model change). */
  exemplarModels(): string[] {
    return this.db
      .prepare<[], { model: string }>(
        `SELECT DISTINCT o.face_model AS model FROM exemplars e JOIN observations o ON o.id = e.observation_id
         WHERE o.face_model IS NOT NULL`,
      )
      .all()
      .map((r) => r.model);
  }

  /** Every person's exemplars' face and body vectors of one face model, with the moment each was seen in. */
  exemplarVectors(faceModel: string): {
    personId: string;
    observationId: number;
    moment: number | null;
    face: Float32Array;
    body: { model: string; vector: Float32Array } | null;
  }[] {
    return this.db
      .prepare<
        [string],
        {
          person_id: string;
          id: number;
          moment: number | null;
          face_vector: Buffer;
          body_model: string | null;
          body_vector: Buffer | null;
        }
      >(
        `SELECT e.person_id, o.id, o.moment, o.face_vector, o.body_model, o.body_vector
         FROM exemplars e JOIN observations o ON o.id = e.observation_id
         WHERE o.face_model = ? AND o.face_vector IS NOT NULL ORDER BY e.person_id, o.id`,
      )
      .all(faceModel)
      .map((r) => ({
        personId: r.person_id,
        observationId: r.id,
        moment: r.moment,
        face: fromBlob(r.face_vector),
        body: r.body_model && r.body_vector ? { model: r.body_model, vector: fromBlob(r.body_vector) } : null,
      }));
  }

  /**
   * The clear face vectors of one model on each of `personIds` (faces the user dismissed left out): what absorption
   * weighs a face against (recognition/absorb.ts). For one face's page: a person's every face, not a page of them.
   */
  personFaceVectors(
    personIds: readonly string[],
    faceModel: string,
  ): { personId: string; faces: { observationId: number; face: Float32Array }[] }[] {
    if (personIds.length === 0) return [];
    const rows = this.db
      .prepare<string[], { person_id: string; id: number; face_vector: Buffer }>(
        `SELECT person_id, id, face_vector FROM observations
         WHERE person_id IN (${personIds.map(() => '?').join(',')}) AND face_model = ? AND face_vector IS NOT NULL
           AND json_extract(quality, '$.clear') = 1 AND ${VISIBLE}
         ORDER BY person_id, id`,
      )
      .all(...personIds, faceModel);
    const byPerson = new Map<string, { observationId: number; face: Float32Array }[]>();
    for (const id of personIds) byPerson.set(id, []);
    for (const r of rows) byPerson.get(r.person_id)?.push({ observationId: r.id, face: fromBlob(r.face_vector) });
    return [...byPerson].map(([personId, faces]) => ({ personId, faces }));
  }
}
