import type { AssignedBy } from '../types.js';

export interface MappedObservation {
  readonly id: number;
  readonly personId: string | null;
  readonly assignedBy: AssignedBy | null;
}

export interface ExistingPerson {
  readonly id: string;
  readonly name: string | null;
}

/** A user's own assignment outweighs any number of machine-made ones when a cluster picks its person. */
const USER_WEIGHT = 1000;

/**
 * How strongly each existing person is tied to each final cluster: the number of its observations that landed
 * there, a user-confirmed one counting USER_WEIGHT.
 */
export function personClusterOverlap(
  observations: readonly MappedObservation[],
  labels: Int32Array,
): Map<string, Map<number, number>> {
  const overlap = new Map<string, Map<number, number>>();
  observations.forEach((o, i) => {
    if (!o.personId || labels[i] < 0) return;
    const counts = overlap.get(o.personId) ?? new Map<number, number>();
    counts.set(labels[i], (counts.get(labels[i]) ?? 0) + (o.assignedBy === 'user' ? USER_WEIGHT : 1));
    overlap.set(o.personId, counts);
  });
  return overlap;
}

/** For each named person, the cluster holding most of it: that cluster enters the gallery whatever its size. */
export function namedClusters(
  people: readonly ExistingPerson[],
  overlap: ReadonlyMap<string, ReadonlyMap<number, number>>,
): Set<number> {
  const labels = new Set<number>();
  for (const p of people) {
    if (p.name === null) continue;
    const best = [...(overlap.get(p.id) ?? new Map<number, number>()).entries()].sort(
      (a, b) => b[1] - a[1] || a[0] - b[0],
    )[0];
    if (best) labels.add(best[0]);
  }
  return labels;
}

/**
 * Gives every gallery cluster a person id: an existing person where one overlaps it (named people first, then by
 * weight; each person and each cluster at most once), else a new id derived from the cluster's first observation
 * (`p<id>`), so the same store always yields the same ids. Deterministic.
 */
export function mapClustersToPeople(
  observations: readonly MappedObservation[],
  labels: Int32Array,
  galleryLabels: readonly number[],
  people: readonly ExistingPerson[],
  overlap: ReadonlyMap<string, ReadonlyMap<number, number>>,
): { personOfLabel: Map<number, string>; created: Set<string>; kept: Set<string> } {
  const candidates: { person: string; label: number; weight: number; named: boolean }[] = [];
  for (const p of people) {
    for (const [label, weight] of overlap.get(p.id) ?? [])
      candidates.push({ person: p.id, label, weight, named: p.name !== null });
  }
  candidates.sort(
    (a, b) =>
      Number(b.named) - Number(a.named) || b.weight - a.weight || a.label - b.label || (a.person < b.person ? -1 : 1),
  );
  const inGallery = new Set(galleryLabels);
  const personOfLabel = new Map<number, string>();
  const kept = new Set<string>();
  for (const c of candidates) {
    if (!inGallery.has(c.label) || personOfLabel.has(c.label) || kept.has(c.person)) continue;
    personOfLabel.set(c.label, c.person);
    kept.add(c.person);
  }
  const firstObservation = new Map<number, number>();
  observations.forEach((o, i) => {
    if (labels[i] >= 0 && !firstObservation.has(labels[i])) firstObservation.set(labels[i], o.id);
  });
  const taken = new Set(people.map((p) => p.id));
  const created = new Set<string>();
  for (const label of galleryLabels) {
    if (personOfLabel.has(label)) continue;
    let id = `p${firstObservation.get(label)}`;
    while (taken.has(id)) id = `${id}x`;
    taken.add(id);
    created.add(id);
    personOfLabel.set(label, id);
  }
  return { personOfLabel, created, kept };
}
