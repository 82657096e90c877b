import { selectExemplars } from '../recognition/gallery.js';
import { medianLinkage, PASS2_SUGGEST_MAX_DISTANCE } from '../recognition/merge-pass2.js';
import { matrixFromRows, meanOfRows, normalise, dot } from '../recognition/vectors.js';
import type { Store } from '../store/store.js';

/** Pairs whose face centroids are this far apart are not compared member by member (cos 0.30, near FAR 1e-2). */
const CENTROID_MAX_DISTANCE = 0.7;

/**
 * Suggest mode: which of the people that already exist in the host (Immich) look like one person, from our embeddings of their
 * faces (median linkage over member pairs, as pass 2). Also refreshes each person's exemplars, so that unassigned
 * faces can be proposed for them. Rejected pairs never come back.
 */
export function existingPeopleSuggestions(
  store: Store,
  faceModel: string,
): { personA: string; personB: string; score: number }[] {
  const existing = new Set(store.people.list().map((p) => p.id));
  const linked = new Set(
    store.immich
      .people()
      .filter((p) => p.immichId && existing.has(p.personId))
      .map((p) => p.personId),
  );
  const rows: Float32Array[] = [];
  const ids: number[] = [];
  const members = new Map<string, number[]>();
  for (const o of store.observations.forRecognition(faceModel)) {
    const face = o.observation.face;
    if (!o.personId || !face?.quality.clear || !face.embedding) continue;
    if (!linked.has(o.personId)) continue;
    const list = members.get(o.personId);
    if (list) list.push(rows.length);
    else members.set(o.personId, [rows.length]);
    rows.push(face.embedding.vector);
    ids.push(o.id);
  }
  if (rows.length === 0) return [];
  const faces = matrixFromRows(rows);
  const people = [...members.keys()].sort();
  const centroids = new Map(people.map((p) => [p, normalise(meanOfRows(faces, members.get(p)!))]));
  for (const p of people)
    store.people.setExemplars(
      p,
      Array.from(selectExemplars(faces, members.get(p)!), (i) => ids[i]),
    );

  const rejected = new Set(store.suggestions.list('rejected').map((s) => `${s.personA}|${s.personB}`));
  const suggestions: { personA: string; personB: string; score: number }[] = [];
  for (let i = 0; i < people.length; i++) {
    for (let j = i + 1; j < people.length; j++) {
      const [a, b] = [people[i], people[j]];
      if (1 - dot(centroids.get(a)!, centroids.get(b)!) > CENTROID_MAX_DISTANCE) continue;
      if (rejected.has(`${a}|${b}`) || rejected.has(`${b}|${a}`)) continue;
      const distance = medianLinkage(faces, members.get(a)!, members.get(b)!);
      if (distance <= PASS2_SUGGEST_MAX_DISTANCE) suggestions.push({ personA: a, personB: b, score: 1 - distance });
    }
  }
  return suggestions.sort((x, y) => y.score - x.score);
}
