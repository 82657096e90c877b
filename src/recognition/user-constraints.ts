import type { AssignedBy } from '../types.js';
import type { ObservationPair } from './constraints.js';

export interface ConstrainedObservation {
  readonly id: number;
  readonly personId: string | null;
  readonly assignedBy: AssignedBy | null;
}

export interface NamedPerson {
  readonly id: string;
  readonly name: string | null;
  /** Observation ids of the person's exemplars. */
  readonly exemplars: readonly number[];
}

/**
 * What the user did, as pairs of observation indices that every re-cluster keeps:
 * - explicit must-links (merges) and cannot-links (splits, rejected suggestions), given by observation id;
 * - observations the user put on one person belong together (must-link to the person's first such observation),
 *   and with the exemplars the person still holds;
 * - two differently named people are two people: one anchor observation each, pairwise cannot-linked.
 * Pairs naming an observation that is not in `observations` are dropped.
 */
export function userConstraints(
  observations: readonly ConstrainedObservation[],
  people: readonly NamedPerson[],
  explicit: { mustLink: readonly ObservationPair[]; cannotLink: readonly ObservationPair[] },
): { mustLink: ObservationPair[]; cannotLink: ObservationPair[] } {
  const index = new Map(observations.map((o, i) => [o.id, i]));
  const byIndex = (pairs: readonly ObservationPair[]): ObservationPair[] =>
    pairs.filter(([a, b]) => index.has(a) && index.has(b)).map(([a, b]) => [index.get(a)!, index.get(b)!] as const);
  const mustLink = byIndex(explicit.mustLink);
  const firstOfPerson = new Map<string, number>();
  observations.forEach((o, i) => {
    if (o.assignedBy !== 'user' || !o.personId) return;
    const first = firstOfPerson.get(o.personId);
    if (first === undefined) firstOfPerson.set(o.personId, i);
    else mustLink.push([first, i]);
  });

  // a face the user put on a person pulls with that person: its first user-placed face joins the person's
  // exemplars that the person still holds, so a re-cluster grows the person instead of handing it another cluster
  for (const p of people) {
    const first = firstOfPerson.get(p.id);
    if (first === undefined) continue;
    for (const e of p.exemplars) {
      const i = index.get(e);
      if (i !== undefined && i !== first && observations[i].personId === p.id) mustLink.push([first, i]);
    }
  }

  const cannotLink = byIndex(explicit.cannotLink);
  const named = new Set(people.filter((p) => p.name !== null).map((p) => p.id));
  const anchors = new Map<string, number>();
  observations.forEach((o, i) => {
    if (o.personId && named.has(o.personId) && o.assignedBy === 'user' && !anchors.has(o.personId))
      anchors.set(o.personId, i);
  });
  for (const p of people) {
    if (!named.has(p.id) || anchors.has(p.id)) continue;
    const exemplar = p.exemplars.map((id) => index.get(id)).find((i) => i !== undefined);
    if (exemplar !== undefined) anchors.set(p.id, exemplar);
  }
  const list = [...anchors.values()];
  for (let a = 0; a < list.length; a++) for (let b = a + 1; b < list.length; b++) cannotLink.push([list[a], list[b]]);
  return { mustLink, cannotLink };
}
