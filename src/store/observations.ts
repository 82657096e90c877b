import type { AssignedBy, Box, Embedding, FaceQuality, FiveLandmarks, Observation } from '../types.js';
import { blobInto, fromBlob, toBlob } from './blobs.js';
import type { Db } from './database.js';
import { pairSameObservations, type BoxedObservation } from './same-observation.js';

export type { AssignedBy };

/** An observation as stored: ids, the asset it is in, and its current person. */
export interface StoredObservation {
  id: number;
  assetId: number;
  observation: Observation;
  moment: number | null;
  cluster: number | null;
  personId: string | null;
  assignedBy: AssignedBy | null;
  /** The user said it is not a face: never clustered, assigned, suggested or listed as unknown again. */
  dismissed: boolean;
}

interface RawObservation {
  id: number;
  asset_id: number;
  face_box: string | null;
  face_score: number | null;
  landmarks: string | null;
  quality: string | null;
  face_model: string | null;
  face_vector: Buffer | null;
  body_box: string | null;
  body_score: number | null;
  body_source: 'person' | 'face' | null;
  body_model: string | null;
  body_vector: Buffer | null;
  moment: number | null;
  cluster: number | null;
  person_id: string | null;
  assigned_by: AssignedBy | null;
  dismissed: number;
}

/** `faceRow`: where the face vector goes when it fits (a row of forRecognition's shared matrix), read in one copy. */
function toStored(r: RawObservation, vectors: boolean, faceRow?: Float32Array): StoredObservation {
  const observation: Observation = {};
  if (r.face_box) {
    observation.face = {
      box: JSON.parse(r.face_box) as Box,
      score: r.face_score ?? 0,
      landmarks: JSON.parse(r.landmarks ?? '[]') as FiveLandmarks,
      quality: JSON.parse(r.quality ?? '{}') as FaceQuality,
      ...(vectors && r.face_model && r.face_vector
        ? {
            embedding: {
              model: r.face_model,
              vector: (faceRow && blobInto(r.face_vector, faceRow)) ?? fromBlob(r.face_vector),
            },
          }
        : {}),
    };
  }
  if (r.body_box) {
    observation.upperBody = {
      box: JSON.parse(r.body_box) as Box,
      score: r.body_score ?? 0,
      source: r.body_source ?? 'person',
      ...(vectors && r.body_model && r.body_vector
        ? { embedding: { model: r.body_model, vector: fromBlob(r.body_vector) } }
        : {}),
    };
  }
  return {
    id: r.id,
    assetId: r.asset_id,
    observation,
    moment: r.moment,
    cluster: r.cluster,
    personId: r.person_id,
    assignedBy: r.assigned_by,
    dismissed: r.dismissed === 1,
  };
}

export interface Assignment {
  id: number;
  personId: string | null;
  assignedBy: AssignedBy | null;
  cluster?: number | null;
}

/** What replaceForAsset reads of an observation it replaces. */
interface CarriedRow {
  id: number;
  face_box: string | null;
  body_box: string | null;
  face_model: string | null;
  face_vector: Buffer | null;
}

interface ConstraintRow {
  a: number;
  b: number;
  kind: string;
  origin: string;
  created_at: number;
}

/** An observation for pairing: its face's box and vector, or its body's box when it has no face. */
function boxed(id: number, face: Box | null, body: Box | null, embedding: Embedding | null): BoxedObservation {
  return face !== null ? { id, kind: 'face', box: face, embedding } : { id, kind: 'body', box: body! };
}

const parsed = (box: string | null): Box | null => (box === null ? null : (JSON.parse(box) as Box));

export class ObservationRepository {
  constructor(private readonly db: Db) {}

  /**
   * Replaces an asset's observations with a new analysis. Returns the new ids, in order. What hangs on an old
   * observation that the new analysis sees again (pairSameObservations: a file whose metadata was rewritten, a photo
   * embedded again by another face model) moves to the new one: its person and who assigned it, its clustering, a
   * dismissal, its must- and cannot-links, its place among its person's exemplars and as a cover, the Immich face
   * it is linked to. So a photo rewritten with the same faces changes no person, and the user's word on it stays; a
   * face no longer seen takes its own along.
   */
  replaceForAsset(assetId: number, observations: readonly Observation[]): number[] {
    return this.db.transaction(() => {
      const before = this.db
        .prepare<[number], CarriedRow>(
          'SELECT id, face_box, body_box, face_model, face_vector FROM observations WHERE asset_id = ?',
        )
        .all(assetId);
      const ids = this.insertAll(assetId, observations);
      const pairs = pairSameObservations(
        before.map((o) =>
          boxed(
            o.id,
            parsed(o.face_box),
            parsed(o.body_box),
            o.face_model && o.face_vector ? { model: o.face_model, vector: fromBlob(o.face_vector) } : null,
          ),
        ),
        observations.map((o, i) =>
          boxed(ids[i], o.face?.box ?? null, o.upperBody?.box ?? null, o.face?.embedding ?? null),
        ),
      );
      this.carryOver(before, pairs);
      const remove = this.db.prepare('DELETE FROM observations WHERE id = ?');
      for (const o of before) remove.run(o.id);
      return ids;
    })();
  }

  /** Moves what hangs on each old observation of `pairs` to its new one (see replaceForAsset). */
  private carryOver(before: readonly CarriedRow[], pairs: ReadonlyMap<number, number>): void {
    const keep = this.db.prepare(
      `UPDATE observations SET (person_id, assigned_by, moment, cluster, dismissed) =
         (SELECT person_id, assigned_by, moment, cluster, dismissed FROM observations WHERE id = ?)
       WHERE id = ?`,
    );
    const moves = ['exemplars', 'immich_faces'].map((table) =>
      this.db.prepare(`UPDATE ${table} SET observation_id = ? WHERE observation_id = ?`),
    );
    const cover = this.db.prepare('UPDATE people SET cover_observation_id = ? WHERE cover_observation_id = ?');
    const successor = this.db.prepare('INSERT OR REPLACE INTO observation_successors (id, successor) VALUES (?, ?)');
    for (const o of before) {
      const next = pairs.get(o.id);
      if (next === undefined) continue;
      keep.run(o.id, next);
      for (const move of moves) move.run(next, o.id);
      cover.run(next, o.id);
      successor.run(o.id, next);
    }
    // a constraint moves when each of its ends is carried or lies on another photo; an end that is gone takes it along
    const old = new Set(before.map((o) => o.id));
    const touching = this.db.prepare<[number, number], ConstraintRow>(
      'SELECT a, b, kind, origin, created_at FROM constraints WHERE a = ? OR b = ?',
    );
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO constraints (a, b, kind, origin, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    const end = (id: number) => (old.has(id) ? pairs.get(id) : id);
    for (const o of before) {
      for (const c of touching.all(o.id, o.id)) {
        const a = end(c.a);
        const b = end(c.b);
        if (a === undefined || b === undefined || a === b) continue;
        insert.run(Math.min(a, b), Math.max(a, b), c.kind, c.origin, c.created_at);
      }
    }
  }

  private insertAll(assetId: number, observations: readonly Observation[]): number[] {
    const insert = this.db.prepare(
      `INSERT INTO observations (asset_id, face_box, face_score, landmarks, quality, clear, face_model, face_vector,
                                 body_box, body_score, body_source, body_model, body_vector)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return observations.map(({ face, upperBody }) => {
      const result = insert.run(
        assetId,
        face ? JSON.stringify(face.box) : null,
        face?.score ?? null,
        face ? JSON.stringify(face.landmarks) : null,
        face ? JSON.stringify(face.quality) : null,
        face?.quality.clear ? 1 : 0,
        face?.embedding?.model ?? null,
        face?.embedding ? toBlob(face.embedding.vector) : null,
        upperBody ? JSON.stringify(upperBody.box) : null,
        upperBody?.score ?? null,
        upperBody?.source ?? null,
        upperBody?.embedding?.model ?? null,
        upperBody?.embedding ? toBlob(upperBody.embedding.vector) : null,
      );
      return Number(result.lastInsertRowid);
    });
  }

  /**
   * What each of `ids` is now: itself, or the observation that took its place when its photo was analysed again
   * (followed through every later analysis). An id whose photo left, or whose face was not seen again, maps to itself.
   */
  currentIds(ids: readonly number[]): Map<number, number> {
    const next = this.db.prepare<[number], { successor: number }>(
      'SELECT successor FROM observation_successors WHERE id = ?',
    );
    const current = new Map<number, number>();
    for (const id of ids) {
      let at = id;
      // ids only grow along a chain (a successor is always inserted after what it succeeds), so this ends
      for (let step = next.get(at); step && step.successor > at; step = next.get(at)) at = step.successor;
      current.set(id, at);
    }
    return current;
  }

  /** Every observation in id order; with `vectors`, their embeddings too. */
  all(options: { vectors: boolean } = { vectors: true }): StoredObservation[] {
    return this.db
      .prepare<[], RawObservation>('SELECT * FROM observations ORDER BY id')
      .all()
      .map((r) => toStored(r, options.vectors));
  }

  /**
   * What recognition works on, filtered in SQL: faces embedded by `faceModel` and body-only observations with a
   * clothing vector; faces of another model wait for re-embedding and are never read, dismissed ones never again.
   */
  forRecognition(faceModel: string): StoredObservation[] {
    const where = `(face_model = ? OR (face_box IS NULL AND body_vector IS NOT NULL)) AND dismissed = 0`;
    const { n } = this.db
      .prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM observations WHERE ${where}`)
      .get(faceModel)!;
    const first = this.db
      .prepare<[string], { bytes: number }>(
        `SELECT length(face_vector) AS bytes FROM observations WHERE face_model = ? AND face_vector IS NOT NULL LIMIT 1`,
      )
      .get(faceModel);
    const dim = first ? first.bytes / 4 : 0;
    // every face vector a row of one shared buffer, in row order: recognition takes it as its face matrix without a
    // copy (observations.ts), and the k-nearest worker reads it in place; at 1M faces that is 2 GB not spent twice
    const rows = dim > 0 && Number.isInteger(dim) ? new Float32Array(new SharedArrayBuffer(n * dim * 4)) : null;
    const out: StoredObservation[] = [];
    for (const r of this.db
      .prepare<[string], RawObservation>(`SELECT * FROM observations WHERE ${where} ORDER BY id`)
      .iterate(faceModel)) {
      const i = out.length;
      out.push(toStored(r, true, rows && i < n ? rows.subarray(i * dim, (i + 1) * dim) : undefined));
    }
    return out;
  }

  /**
   * What incremental assignment needs, filtered in SQL: clear `faceModel` faces no person holds, the gallery's
   * exemplars, the other observations in their photos (a person appears once per photo), and the observations of the
   * user's cannot-links (a face split off a person never goes back). Dismissed observations are never read.
   */
  forAssignment(faceModel: string): StoredObservation[] {
    return this.db
      .prepare<[string, string, string, string, string], RawObservation>(
        `SELECT * FROM observations WHERE face_model = ? AND clear = 1 AND person_id IS NULL AND dismissed = 0
         UNION
         SELECT o.* FROM observations o JOIN exemplars e ON e.observation_id = o.id WHERE o.face_model = ?
           AND o.dismissed = 0
         UNION
         SELECT * FROM observations WHERE (face_model = ? OR face_model IS NULL) AND dismissed = 0 AND asset_id IN
           (SELECT asset_id FROM observations WHERE face_model = ? AND clear = 1 AND person_id IS NULL AND dismissed = 0)
         UNION
         SELECT o.* FROM observations o JOIN constraints c ON o.id IN (c.a, c.b)
         WHERE c.kind = 'cannot-link' AND (o.face_model = ? OR o.face_model IS NULL) AND o.dismissed = 0
         ORDER BY id`,
      )
      .all(faceModel, faceModel, faceModel, faceModel, faceModel)
      .map((r) => toStored(r, true));
  }

  byIds(ids: readonly number[], options: { vectors: boolean } = { vectors: true }): StoredObservation[] {
    const get = this.db.prepare<[number], RawObservation>('SELECT * FROM observations WHERE id = ?');
    return ids.flatMap((id) => {
      const raw = get.get(id);
      return raw ? [toStored(raw, options.vectors)] : [];
    });
  }

  /** A person's observations in id order, without vectors. */
  ofPerson(personId: string): StoredObservation[] {
    return this.db
      .prepare<[string], RawObservation>('SELECT * FROM observations WHERE person_id = ? ORDER BY id')
      .all(personId)
      .map((r) => toStored(r, false));
  }

  forAsset(assetId: number): StoredObservation[] {
    return this.db
      .prepare<[number], RawObservation>('SELECT * FROM observations WHERE asset_id = ? ORDER BY id')
      .all(assetId)
      .map((r) => toStored(r, false));
  }

  /**
   * The face vectors of `faceModel` that the user dismissed ("not a face"): recognition keeps new faces that resemble
   * them unassigned and out of clustering.
   */
  dismissedFaceVectors(faceModel: string): Float32Array[] {
    return this.db
      .prepare<[string], { face_vector: Buffer }>(
        `SELECT face_vector FROM observations WHERE dismissed = 1 AND face_model = ? AND face_vector IS NOT NULL
         ORDER BY id`,
      )
      .all(faceModel)
      .map((r) => fromBlob(r.face_vector));
  }

  /** Marks observations as dismissed ("not a face") or not; their person is the caller's to clear. */
  setDismissed(ids: readonly number[], dismissed: boolean): void {
    const set = this.db.prepare('UPDATE observations SET dismissed = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) set.run(dismissed ? 1 : 0, id);
    })();
  }

  /** Observations no person holds yet (new since the last assignment, or left unknown); dismissed ones are not. */
  unassigned(): StoredObservation[] {
    return this.db
      .prepare<[], RawObservation>('SELECT * FROM observations WHERE person_id IS NULL AND dismissed = 0 ORDER BY id')
      .all()
      .map((r) => toStored(r, true));
  }

  assign(assignments: readonly Assignment[]): void {
    const set = this.db.prepare(
      'UPDATE observations SET person_id = ?, assigned_by = ?, cluster = COALESCE(?, cluster) WHERE id = ?',
    );
    this.db.transaction(() => {
      for (const a of assignments) set.run(a.personId, a.assignedBy, a.cluster ?? null, a.id);
    })();
  }

  setMoments(moments: ReadonlyMap<number, number>): void {
    const set = this.db.prepare('UPDATE observations SET moment = ? WHERE id = ?');
    this.db.transaction(() => moments.forEach((moment, id) => set.run(moment, id)))();
  }

  /** Faces, bodies and assigned observations; dismissed ones ("not a face") are none of these. */
  count(): { faces: number; bodies: number; assigned: number } {
    return this.db
      .prepare<[], { faces: number; bodies: number; assigned: number }>(
        `SELECT COALESCE(SUM(face_box IS NOT NULL), 0) AS faces, COALESCE(SUM(face_box IS NULL), 0) AS bodies,
                COALESCE(SUM(person_id IS NOT NULL), 0) AS assigned FROM observations WHERE dismissed = 0`,
      )
      .get()!;
  }
}
