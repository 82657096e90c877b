/**
 * Why a face is on a person: its nearest exemplars of every person, with the face similarity, the clothing
 * similarity where the exemplar was seen in the same moment, and the combined distance pass 1 uses,
 * D = min(F, α·F + β·T). Pure: the review page shows it, the store supplies the vectors.
 */
import { ABSORB_MIN_COSINE, ABSORB_MIN_LEAD, ABSORB_TOP } from './absorb.js';
import { PASS1_ALPHA, PASS1_BETA } from './cluster-pass1.js';
import { NEAREST_MIN_SIMILARITY } from './assign-nearest.js';
import { cosineSimilarity, normaliseInPlace } from './vectors.js';

export interface ExemplarVectors {
  personId: string;
  observationId: number;
  moment: number | null;
  face: Float32Array;
  body: { model: string; vector: Float32Array } | null;
}

export interface FaceToExplain {
  face: Float32Array;
  body: { model: string; vector: Float32Array } | null;
  moment: number | null;
  /** The person it is on now, if any. */
  personId: string | null;
}

export interface ExemplarEvidence {
  personId: string;
  observationId: number;
  /** Cosine similarity of the two faces. */
  faceSimilarity: number;
  /** Cosine similarity of the clothing, only when both were seen in the same moment with the same body model. */
  clothingSimilarity: number | null;
  /** 1 − D: the similarity pass 1 acted on, face and clothing combined. */
  combinedSimilarity: number;
  /** true when the clothing made the two closer than their faces alone. */
  clothingHelped: boolean;
}

export type Confidence = 'confirmed' | 'high' | 'medium' | 'low';

export interface Explanation {
  /** The best exemplar of each person, best first, at most `limit`. */
  nearest: ExemplarEvidence[];
  /** The best evidence for the face's own person, when it has one with exemplars of this model. */
  own: ExemplarEvidence | null;
  /** The best evidence for any other person. */
  rival: ExemplarEvidence | null;
  confidence: Confidence;
}

/**
 * Similarity at which a face is above every impostor pair models.md measured (max 0.46): the level incremental
 * assignment requires (`NEAREST_MIN_SIMILARITY`).
 */
const HIGH_SIMILARITY = NEAREST_MIN_SIMILARITY;
/** A rival this much weaker leaves no doubt; chosen for the page, not fitted. */
const HIGH_MARGIN = 0.1;
/** Below the impostor maximum but in the range where genuine pairs of a hard photo still lie (models.md §3). */
const MEDIUM_SIMILARITY = 0.4;

function evidence(face: FaceToExplain, exemplar: ExemplarVectors): ExemplarEvidence {
  const faceSimilarity = cosineSimilarity(face.face, exemplar.face);
  const sameMoment = face.moment !== null && face.moment === exemplar.moment;
  const clothingSimilarity =
    sameMoment && face.body && exemplar.body && face.body.model === exemplar.body.model
      ? cosineSimilarity(face.body.vector, exemplar.body.vector)
      : null;
  const f = 1 - faceSimilarity;
  const d = clothingSimilarity === null ? f : Math.min(f, PASS1_ALPHA * f + PASS1_BETA * (1 - clothingSimilarity));
  return {
    personId: exemplar.personId,
    observationId: exemplar.observationId,
    faceSimilarity,
    clothingSimilarity,
    combinedSimilarity: 1 - d,
    clothingHelped: d < f,
  };
}

/** Explains one face against every exemplar; `userPlaced`: the user put it there, which outranks any evidence. */
export function explainFace(
  face: FaceToExplain,
  exemplars: readonly ExemplarVectors[],
  options: { limit?: number; userPlaced?: boolean } = {},
): Explanation {
  const bestPerPerson = new Map<string, ExemplarEvidence>();
  for (const exemplar of exemplars) {
    const e = evidence(face, exemplar);
    const held = bestPerPerson.get(e.personId);
    if (!held || e.combinedSimilarity > held.combinedSimilarity) bestPerPerson.set(e.personId, e);
  }
  const ranked = [...bestPerPerson.values()].sort(
    (a, b) => b.combinedSimilarity - a.combinedSimilarity || a.observationId - b.observationId,
  );
  const own = face.personId === null ? null : (bestPerPerson.get(face.personId) ?? null);
  const rival = ranked.find((e) => e.personId !== face.personId) ?? null;
  return {
    nearest: ranked.slice(0, options.limit ?? 5),
    own,
    rival,
    confidence: options.userPlaced ? 'confirmed' : confidenceOf(own, rival),
  };
}

function confidenceOf(own: ExemplarEvidence | null, rival: ExemplarEvidence | null): Confidence {
  if (!own) return 'low';
  const margin = own.combinedSimilarity - (rival?.combinedSimilarity ?? 0);
  if (own.combinedSimilarity >= HIGH_SIMILARITY && margin >= HIGH_MARGIN) return 'high';
  if (own.combinedSimilarity >= MEDIUM_SIMILARITY && margin > 0) return 'medium';
  return 'low';
}

/** A person's clear faces of one model, to weigh a face against all of them rather than a few exemplars. */
export interface PersonFaces {
  personId: string;
  faces: readonly { observationId: number; face: Float32Array }[];
}

export interface PersonLikeness {
  personId: string;
  /** Its nearest faces of the person, most alike first: at most `ABSORB_TOP`. */
  nearest: { observationId: number; faceSimilarity: number }[];
  /** Mean cosine over `nearest`. */
  meanSimilarity: number;
}

export interface Resemblance {
  /** The face's likeness to its own person. */
  own: PersonLikeness;
  /** The best likeness among the rivals given, if any has a face. */
  rival: PersonLikeness | null;
  /** own − rival mean similarity; null without a rival. */
  lead: number | null;
  /** false when the person has fewer than `ABSORB_TOP` other clear faces: too few for absorption to weigh. */
  enoughFaces: boolean;
  /** true when the own likeness rests on `ABSORB_TOP` faces and clears `minCosine` and `minLead`. */
  meetsAbsorption: boolean;
}

function likeness(face: Float32Array, person: PersonFaces, self: number | null): PersonLikeness | null {
  const scored = person.faces
    .filter((f) => f.observationId !== self && f.face.length === face.length)
    .map((f) => ({ observationId: f.observationId, faceSimilarity: cosineSimilarity(face, f.face) }))
    .sort((a, b) => b.faceSimilarity - a.faceSimilarity || a.observationId - b.observationId)
    .slice(0, ABSORB_TOP);
  if (scored.length === 0) return null;
  const meanSimilarity = scored.reduce((s, f) => s + f.faceSimilarity, 0) / scored.length;
  return { personId: person.personId, nearest: scored, meanSimilarity };
}

/**
 * Absorption's evidence for a face, shown on its page: the mean cosine to its `ABSORB_TOP` nearest faces of its own
 * person (all of them, not only exemplars; the face itself left out) against the same for the rivals. A full run
 * lets a face no cluster held join a person on exactly this (absorb.ts), judged over its nearest clear faces of every
 * person; the page weighs the rivals it is given, so the lead it shows can only be wider than absorption's.
 * `levels`: absorption's, by default those of the reference model (a full run maps them to the library's model,
 * thresholds.ts; the page, like its confidence levels, judges on the reference's).
 */
export function explainResemblance(
  face: { observationId: number | null; face: Float32Array },
  own: PersonFaces,
  rivals: readonly PersonFaces[],
  levels: { minCosine: number; minLead: number } = { minCosine: ABSORB_MIN_COSINE, minLead: ABSORB_MIN_LEAD },
): Resemblance | null {
  const mine = likeness(face.face, own, face.observationId);
  if (!mine) return null;
  let rival: PersonLikeness | null = null;
  for (const person of rivals) {
    if (person.personId === own.personId) continue;
    const l = likeness(face.face, person, face.observationId);
    if (l && (!rival || l.meanSimilarity > rival.meanSimilarity)) rival = l;
  }
  const lead = rival ? mine.meanSimilarity - rival.meanSimilarity : null;
  const enoughFaces = mine.nearest.length >= ABSORB_TOP;
  return {
    own: mine,
    rival,
    lead,
    enoughFaces,
    meetsAbsorption: enoughFaces && mine.meanSimilarity >= levels.minCosine && (lead ?? Infinity) >= levels.minLead,
  };
}

/** Every person's exemplars with a unit centroid each, to find a face's likely people without every exemplar. */
export interface GalleryIndex {
  readonly people: readonly string[];
  /** Row-major, one unit centroid per person in `people` order. */
  readonly centroids: Float32Array;
  readonly dim: number;
  readonly exemplars: ReadonlyMap<string, readonly ExemplarVectors[]>;
}

export function indexGallery(exemplars: readonly ExemplarVectors[]): GalleryIndex {
  const byPerson = new Map<string, ExemplarVectors[]>();
  for (const e of exemplars) {
    const list = byPerson.get(e.personId);
    if (list) list.push(e);
    else byPerson.set(e.personId, [e]);
  }
  const people = [...byPerson.keys()];
  const dim = exemplars[0]?.face.length ?? 0;
  const centroids = new Float32Array(people.length * dim);
  people.forEach((person, p) => {
    const centroid = centroids.subarray(p * dim, (p + 1) * dim);
    for (const e of byPerson.get(person)!) for (let i = 0; i < dim; i++) centroid[i] += e.face[i];
    normaliseInPlace(centroid);
  });
  return { people, centroids, dim, exemplars: byPerson };
}

/**
 * explainFace over the face's own person and the `candidates` people whose exemplar centroids are nearest: O(P·dim)
 * per face instead of O(exemplars·dim), for a page of a hundred faces against a thousand people. A rival whose
 * centroid ranks below the candidates but one exemplar of which is nearer can be missed; the face page, for one face,
 * uses explainFace over every exemplar.
 */
export function explainWithIndex(
  face: FaceToExplain,
  index: GalleryIndex,
  options: { limit?: number; userPlaced?: boolean; candidates?: number } = {},
): Explanation {
  const { people, centroids, dim } = index;
  if (face.face.length !== dim) return explainFace(face, [], options);
  const wanted = Math.min(options.candidates ?? 8, people.length);
  // the best `wanted` centroids, kept sorted in a small array: no per-person allocation, no full sort
  const best: { p: number; score: number }[] = [];
  for (let p = 0; p < people.length; p++) {
    const score = dotUnrolled(face.face, centroids, p * dim, dim);
    if (best.length === wanted && score <= best[wanted - 1].score) continue;
    let at = best.length === wanted ? wanted - 1 : best.length;
    while (at > 0 && best[at - 1].score < score) at--;
    best.splice(at, 0, { p, score });
    if (best.length > wanted) best.pop();
  }
  const chosen = new Set(best.map((b) => people[b.p]));
  if (face.personId !== null) chosen.add(face.personId);
  const exemplars = [...chosen].flatMap((person) => index.exemplars.get(person) ?? []);
  return explainFace(face, exemplars, options);
}

/**
 * a · b[offset…offset+dim) with four running sums: about 1.6× dotAt's speed here (120 faces × 1,001 centroids × 512:
 * 106–120 ms against 165–207 ms, on this 2-core machine under load), which is the whole cost of a person page.
 */
function dotUnrolled(a: Float32Array, b: Float32Array, offset: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < dim; k += 4) {
    s0 += a[k] * b[offset + k];
    s1 += a[k + 1] * b[offset + k + 1];
    s2 += a[k + 2] * b[offset + k + 2];
    s3 += a[k + 3] * b[offset + k + 3];
  }
  for (; k < dim; k++) s0 += a[k] * b[offset + k];
  return s0 + s1 + s2 + s3;
}
