/**
 * The baselines at their defaults and at their best threshold in hindsight (the "oracle"): BCubed F over the
 * labelled faces, swept on a coarse grid over [0, 1] (plus the default), then on a fine grid within one coarse
 * step either side of the best coarse value. Every run shares one similarity matrix; HAC builds its dendrogram
 * once and only cuts it per value. Ties go to the value nearest the default, then the lower.
 */

import { ENTE_MIN_SIMILARITY, enteGreedyOnSimilarity } from '../../recognition/baselines/ente-greedy.js';
import { cutDendrogram, HAC_AVERAGE_MAX_DISTANCE, hacDendrogram } from '../../recognition/baselines/hac-average.js';
import {
  IMMICH_MAX_DISTANCE,
  IMMICH_MIN_FACES,
  immichDbscanOnSimilarity,
} from '../../recognition/baselines/immich-dbscan.js';
import type { SimilarityMatrix } from '../../recognition/baselines/similarity.js';
import { bcubed } from '../../recognition/metrics.js';
import { pick, type Prepared } from './prepare.js';
import { clusteringRow, type RowHead } from './scoring.js';
import type { ClusteringMethod, ClusteringRow } from './types.js';

interface Baseline {
  method: Exclude<ClusteringMethod, 'ours'>;
  parameter: 'maxDistance' | 'minSimilarity';
  defaultValue: number;
  describe: (value: number) => string;
  /** Whatever can be shared across values (HAC: the dendrogram), then one run per value. */
  prepare: (sim: SimilarityMatrix) => (value: number) => Int32Array;
}

export const BASELINES: readonly Baseline[] = [
  {
    method: 'immich',
    parameter: 'maxDistance',
    defaultValue: IMMICH_MAX_DISTANCE,
    describe: (v) => `Immich DBSCAN-like, distance <= ${v.toFixed(2)}, minFaces ${IMMICH_MIN_FACES}`,
    prepare: (sim) => (v) => immichDbscanOnSimilarity(sim, { maxDistance: v, minFaces: IMMICH_MIN_FACES }),
  },
  {
    method: 'ente',
    parameter: 'minSimilarity',
    defaultValue: ENTE_MIN_SIMILARITY,
    describe: (v) => `Ente greedy, cos >= ${v.toFixed(2)}`,
    prepare: (sim) => (v) => enteGreedyOnSimilarity(sim, { minSimilarity: v }),
  },
  {
    method: 'hac',
    parameter: 'maxDistance',
    defaultValue: HAC_AVERAGE_MAX_DISTANCE,
    describe: (v) => `average-linkage HAC, distance <= ${v.toFixed(2)}`,
    prepare: (sim) => {
      const merges = hacDendrogram(sim);
      return (v) => cutDendrogram(sim.count, merges, v);
    },
  },
];

const round = (v: number): number => Math.round(v * 1e9) / 1e9;

/** lo, lo + step, ..., up to hi, clipped to [0, 1] (rounded to 1e-9 so that 0.1 + 0.2 prints as 0.3). */
export function grid(lo: number, hi: number, step: number): number[] {
  if (!(step > 0 && step <= 1)) throw new RangeError(`sweep step ${step} not in (0, 1]`);
  const values: number[] = [];
  const steps = Math.round((hi - lo) / step);
  for (let k = 0; k <= steps; k++) {
    const v = round(lo + k * step);
    if (v >= 0 && v <= 1) values.push(v);
  }
  return values;
}

export interface SweepSteps {
  coarse: number;
  fine: number;
}

/** The default row and the oracle row of one baseline; `labels` are the default run's. */
export function baselineRows(
  baseline: Baseline,
  p: Prepared,
  sim: SimilarityMatrix,
  steps: SweepSteps,
): { rows: ClusteringRow[]; labels: Int32Array } {
  const run = baseline.prepare(sim);
  const truth = pick(p.truth, p.labelled);
  const tried = new Map<number, { labels: Int32Array; f: number }>();
  const trial = (value: number) => {
    let t = tried.get(value);
    if (!t) {
      const labels = run(value);
      t = { labels, f: bcubed(pick(labels, p.labelled), truth).f };
      tried.set(value, t);
    }
    return t;
  };
  const distance = (v: number) => Math.abs(v - baseline.defaultValue);
  const best = (): number => {
    let chosen = NaN;
    for (const [value, t] of tried) {
      const c = tried.get(chosen);
      if (
        c === undefined ||
        t.f > c.f ||
        (t.f === c.f &&
          (distance(value) < distance(chosen) || (distance(value) === distance(chosen) && value < chosen)))
      ) {
        chosen = value;
      }
    }
    return chosen;
  };
  // the default is always a candidate, so the oracle is never below it
  for (const v of [baseline.defaultValue, ...grid(0, 1, steps.coarse)]) trial(v);
  const coarseBest = best();
  for (const v of grid(coarseBest - steps.coarse, coarseBest + steps.coarse, steps.fine)) trial(v);
  const chosen = best();
  const bestF = tried.get(chosen)!.f;
  const optimal = [...tried.entries()].filter(([, t]) => t.f === bestF).map(([v]) => v);
  const head = (setting: 'default' | 'oracle', value: number, range: [number, number] | null): RowHead => ({
    method: baseline.method,
    setting,
    name: baseline.describe(value),
    parameter: { name: baseline.parameter, value },
    oracleRange: range,
  });
  const labels = tried.get(baseline.defaultValue)!.labels;
  return {
    rows: [
      clusteringRow(head('default', baseline.defaultValue, null), labels, p),
      clusteringRow(head('oracle', chosen, [Math.min(...optimal), Math.max(...optimal)]), tried.get(chosen)!.labels, p),
    ],
    labels,
  };
}
