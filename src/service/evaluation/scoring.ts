/**
 * One clustering row: scores over the labelled faces; people, singletons and junk people over every face. A
 * background face is in no score (its identity is unknown: scoring it as its own singleton would punish a method
 * for finding the same bystander twice), but it is clustered like any face, so a method that builds people out of
 * bystanders shows it in `junkPeople`.
 */

import { clusteringScores } from '../../recognition/metrics.js';
import { pick, type Prepared } from './prepare.js';
import type { ClusteringRow, SuggestionReport } from './types.js';

/** Predicted people holding labelled faces of two or more identities. */
function impureClusters(predicted: Int32Array, truth: Int32Array): number {
  const seen = new Map<number, number>();
  const impure = new Set<number>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    if (p < 0 || truth[i] < 0) continue;
    const t = seen.get(p);
    if (t === undefined) seen.set(p, truth[i]);
    else if (t !== truth[i]) impure.add(p);
  }
  return impure.size;
}

/** People, singleton people and junk people (more than half background faces), over every face. */
function people(
  predicted: Int32Array,
  truth: Int32Array,
): { clusters: number; singletons: number; junk: number; junkOfTwoOrMore: number } {
  const size = new Map<number, number>();
  const background = new Map<number, number>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    if (p < 0) continue;
    size.set(p, (size.get(p) ?? 0) + 1);
    if (truth[i] < 0) background.set(p, (background.get(p) ?? 0) + 1);
  }
  let singletons = 0;
  let junk = 0;
  let junkOfTwoOrMore = 0;
  for (const [p, s] of size) {
    if (s === 1) singletons++;
    if (2 * (background.get(p) ?? 0) <= s) continue;
    junk++;
    if (s >= 2) junkOfTwoOrMore++;
  }
  return { clusters: size.size, singletons, junk, junkOfTwoOrMore };
}

export type RowHead = Pick<ClusteringRow, 'method' | 'setting' | 'name' | 'parameter' | 'oracleRange'>;

/** `predicted`: the person of every face (-1 = unassigned), in visiting order. */
export function clusteringRow(
  head: RowHead,
  predicted: Int32Array,
  p: Prepared,
  suggestions: SuggestionReport | null = null,
): ClusteringRow {
  const s = clusteringScores(pick(predicted, p.labelled), pick(p.truth, p.labelled));
  const counts = people(predicted, p.truth);
  let unassignedBackground = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] < 0 && p.truth[i] < 0) unassignedBackground++;
  return {
    ...head,
    bcubed: s.bcubed,
    pairwise: s.pairwise,
    nmi: s.nmi,
    clusters: counts.clusters,
    singletonClusters: counts.singletons,
    unassigned: s.unassigned,
    unassignedBackground,
    junkPeople: counts.junk,
    junkPeopleOfTwoOrMore: counts.junkOfTwoOrMore,
    identities: s.identities,
    impureClusters: impureClusters(predicted, p.truth),
    suggestions,
  };
}
