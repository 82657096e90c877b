/**
 * Which Immich people of ours need their feature face set (`PUT /people/{id}` with `featureFaceAssetId`), decided
 * without I/O.
 *
 * Immich draws a person's picture (its thumbnail) only in its PersonGenerateThumbnail job, which runs when the
 * person's feature face changes and is skipped unless facial recognition or face import (`metadata.faces.import`) is
 * on at that moment (MediaService.handleGeneratePersonThumbnail, 2.5.6 and 3.x alike). A face created with
 * `POST /faces` gives the person no feature face on 2.5.6 (PersonService.createFace), so without a feature face set
 * by us, our people stayed blank circles. Setting it queues the job; a job skipped because both settings were off is
 * never queued again by Immich, so a feature face set then is set once more when the settings allow a picture.
 */

import type { PlanObservation, PlanPerson } from './write-back-plan.js';

/** Faces tried per person, best first, when Immich refuses one (its face is no longer on the person). */
export const FEATURE_FACE_TRIES = 3;

/** What we last did about an Immich person's feature face; kept by Immich person id. */
export interface FeatureFaceRecord {
  /** The asset whose face we set (or, when `failed`, the best one we tried). */
  assetId: string;
  /** Immich could draw the picture when we set it: facial recognition or face import was on. */
  drawable: boolean;
  /** Immich refused every face we tried: none of them was on the person any more. */
  failed?: boolean;
}

export interface FeatureFacePerson extends PlanPerson {
  /** The sidecar created this Immich person; a person the user or Immich made keeps the feature face they chose. */
  createdByUs: boolean;
}

/** Set the feature face of `immichId` to our face on the first of `assetIds` that Immich accepts. */
export interface SetFeatureFaceOp {
  kind: 'setFeatureFace';
  personId: string;
  immichId: string;
  /** Assets of our clear faces on the person, best first, at most FEATURE_FACE_TRIES. */
  assetIds: string[];
  /** A feature face was set before, while Immich could not draw it: the executor first checks for a picture. */
  redraw: boolean;
}

/** The assets of our clear faces on each of our people's Immich person, best face first (score, then id). */
function candidates(people: readonly FeatureFacePerson[], observations: readonly PlanObservation[]) {
  const byImmichId = new Map<string, PlanObservation[]>();
  for (const o of observations) {
    const holder = o.link?.immichPersonId;
    if (!o.clear || !holder) continue;
    const list = byImmichId.get(holder);
    if (list) list.push(o);
    else byImmichId.set(holder, [o]);
  }
  const result = new Map<string, string[]>();
  for (const person of people) {
    if (!person.immichId || !person.createdByUs) continue;
    const faces = (byImmichId.get(person.immichId) ?? []).sort((a, b) => b.score - a.score || a.id - b.id);
    const assets = [...new Set(faces.map((o) => o.assetId))].slice(0, FEATURE_FACE_TRIES);
    if (assets.length > 0) result.set(person.immichId, assets);
  }
  return result;
}

/** Whether this person's record (or its absence) asks for a feature face now, given whether Immich can draw it. */
function due(record: FeatureFaceRecord | undefined, best: string, drawableNow: boolean): 'set' | 'redraw' | null {
  if (!record) return 'set';
  if (record.failed) return record.assetId === best ? null : 'set'; // tried again only once our faces changed
  return !record.drawable && drawableNow ? 'redraw' : null;
}

/**
 * Whether `planFeatureFaces` could return anything, whatever Immich's settings: the executor reads the settings only
 * then, so a cycle with nothing to do asks nothing.
 */
export function featureFacesMayBeDue(
  people: readonly FeatureFacePerson[],
  observations: readonly PlanObservation[],
  recorded: ReadonlyMap<string, FeatureFaceRecord>,
): boolean {
  for (const [immichId, assets] of candidates(people, observations)) {
    if (due(recorded.get(immichId), assets[0], true) !== null) return true;
  }
  return false;
}

/**
 * Feature faces to set: each person we created in Immich once its first faces are there (our clearest face, by
 * quality score); again once if it was set while Immich could not draw it and now can; and after Immich refused
 * every face we offered, only once our faces on the person are different. A person the user or Immich's clustering
 * made is never touched, nor is a feature face the user picked later.
 */
export function planFeatureFaces(
  people: readonly FeatureFacePerson[],
  observations: readonly PlanObservation[],
  recorded: ReadonlyMap<string, FeatureFaceRecord>,
  drawableNow: boolean,
): SetFeatureFaceOp[] {
  const ops: SetFeatureFaceOp[] = [];
  const assetsOf = candidates(people, observations);
  for (const person of people) {
    const assetIds = person.immichId ? assetsOf.get(person.immichId) : undefined;
    if (!person.immichId || !assetIds) continue;
    const verdict = due(recorded.get(person.immichId), assetIds[0], drawableNow);
    if (verdict === null) continue;
    ops.push({
      kind: 'setFeatureFace',
      personId: person.id,
      immichId: person.immichId,
      assetIds,
      redraw: verdict === 'redraw',
    });
  }
  return ops;
}

/** A checkpoint's FeatureFaceRecord; null for one that does not read as such (as if never set). */
export function parseFeatureFaceRecord(json: string): FeatureFaceRecord | null {
  try {
    const value = JSON.parse(json) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const { assetId, drawable, failed } = value as Record<string, unknown>;
    if (typeof assetId !== 'string' || typeof drawable !== 'boolean') return null;
    return failed === true ? { assetId, drawable, failed } : { assetId, drawable };
  } catch {
    return null; // unreadable: as if never set, so the person gets its picture
  }
}
