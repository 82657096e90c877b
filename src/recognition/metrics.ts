/**
 * Evaluation metrics (anchors.md §3.1). Pure functions over score lists and label arrays.
 *
 * Verification: scores are similarities (higher = more alike); a pair is ACCEPTED when
 * `score > threshold` (strictly). Empty genuine or impostor lists throw a RangeError; NaN scores throw.
 *
 * Clustering and open-set labels are Int32Array, one entry per observation:
 * - any negative predicted label means UNASSIGNED; each unassigned observation counts as its own
 *   singleton cluster (it was not merged with anything, so it costs recall, never precision);
 * - any negative true label means an unlabelled stranger; each counts as its own singleton identity.
 * Precision-like ratios with an empty denominator are 1 (nothing was claimed, so nothing was wrong);
 * recall-like ratios with an empty denominator are 1 as well (nothing was there to find).
 */

/** Precision, recall and their harmonic mean F (0 when P + R = 0). */
export interface PrecisionRecall {
  precision: number;
  recall: number;
  f: number;
}

/** A verification operating point: accept when score > threshold. */
export interface OperatingPoint {
  threshold: number;
  /** True accept rate: share of genuine scores > threshold. */
  tar: number;
  /** False accept rate: share of impostor scores > threshold. */
  far: number;
}

function sortedCopy(scores: ArrayLike<number>, what: string): Float64Array {
  if (scores.length === 0) throw new RangeError(`no ${what} scores`);
  const out = Float64Array.from(scores);
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) throw new RangeError(`NaN in ${what} scores`);
  return out.sort();
}

/** Count of values in ascending `sorted` that are strictly greater than t (binary search). */
function countAbove(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return sorted.length - lo;
}

/**
 * Exact ROC AUC = P(genuine > impostor) + 0.5 * P(genuine == impostor), the Mann-Whitney statistic,
 * over all genuine x impostor pairs. O((G + I) log(G + I)).
 */
export function rocAuc(genuine: ArrayLike<number>, impostor: ArrayLike<number>): number {
  const g = sortedCopy(genuine, 'genuine');
  const imp = sortedCopy(impostor, 'impostor');
  let below = 0; // impostors < current genuine score
  let atOrBelow = 0; // impostors <= current genuine score
  let wins = 0;
  for (let i = 0; i < g.length; i++) {
    const s = g[i];
    while (below < imp.length && imp[below] < s) below++;
    if (atOrBelow < below) atOrBelow = below;
    while (atOrBelow < imp.length && imp[atOrBelow] <= s) atOrBelow++;
    wins += below + 0.5 * (atOrBelow - below);
  }
  return wins / (g.length * imp.length);
}

/** TAR and FAR when accepting scores strictly above `threshold`. */
export function tarAtThreshold(
  genuine: ArrayLike<number>,
  impostor: ArrayLike<number>,
  threshold: number,
): OperatingPoint {
  const g = sortedCopy(genuine, 'genuine');
  const imp = sortedCopy(impostor, 'impostor');
  return { threshold, tar: countAbove(g, threshold) / g.length, far: countAbove(imp, threshold) / imp.length };
}

/**
 * TAR at the lowest threshold whose FAR is <= `targetFar`. With I impostor scores sorted
 * descending, at most m = floor(targetFar * I) may be accepted, so the threshold is the (m+1)-th
 * highest impostor score (accept strictly above it); when m >= I it is -Infinity (accept all).
 */
export function tarAtFar(genuine: ArrayLike<number>, impostor: ArrayLike<number>, targetFar: number): OperatingPoint {
  if (!(targetFar >= 0 && targetFar <= 1)) throw new RangeError(`targetFar ${targetFar} not in [0, 1]`);
  const g = sortedCopy(genuine, 'genuine');
  const imp = sortedCopy(impostor, 'impostor');
  // The small epsilon keeps e.g. 1e-3 * 1000 from flooring to 0 through rounding.
  const m = Math.floor(targetFar * imp.length + 1e-9);
  const threshold = m >= imp.length ? -Infinity : imp[imp.length - 1 - m];
  return { threshold, tar: countAbove(g, threshold) / g.length, far: countAbove(imp, threshold) / imp.length };
}

/**
 * The threshold with the highest verification accuracy (correct accepts + correct rejects) / all.
 * Candidate cuts are -Infinity and every distinct score; the first (lowest) best cut wins, and the
 * returned threshold is the midpoint between that cut and the next higher distinct score (the cut
 * itself when it is the highest score), so `score > threshold` reproduces the same decisions.
 */
export function bestAccuracyThreshold(
  genuine: ArrayLike<number>,
  impostor: ArrayLike<number>,
): { threshold: number; accuracy: number } {
  const g = sortedCopy(genuine, 'genuine');
  const imp = sortedCopy(impostor, 'impostor');
  const total = g.length + imp.length;
  // Cut at -Infinity: every genuine accepted, every impostor wrongly accepted.
  let bestCorrect = g.length;
  let bestCut = -Infinity;
  let gi = 0; // genuine scores <= cut
  let ii = 0; // impostor scores <= cut
  while (gi < g.length || ii < imp.length) {
    const cut = Math.min(gi < g.length ? g[gi] : Infinity, ii < imp.length ? imp[ii] : Infinity);
    while (gi < g.length && g[gi] <= cut) gi++;
    while (ii < imp.length && imp[ii] <= cut) ii++;
    const correct = g.length - gi + ii;
    if (correct > bestCorrect) {
      bestCorrect = correct;
      bestCut = cut;
    }
  }
  let threshold = bestCut;
  if (bestCut !== -Infinity) {
    const gNext = lowerAbove(g, bestCut);
    const iNext = lowerAbove(imp, bestCut);
    const next = Math.min(gNext < g.length ? g[gNext] : Infinity, iNext < imp.length ? imp[iNext] : Infinity);
    if (next !== Infinity) threshold = (bestCut + next) / 2;
  }
  return { threshold, accuracy: bestCorrect / total };
}

/** Index of the first value > t in ascending `sorted` (may equal length). */
function lowerAbove(sorted: Float64Array, t: number): number {
  return sorted.length - countAbove(sorted, t);
}

// ---------------------------------------------------------------------------------------------
// Clustering metrics, via the contingency table (no O(n^2) pair enumeration).

/** Contingency table of compact predicted x true ids. Negative labels become fresh singletons. */
interface Contingency {
  n: number;
  predictedSizes: Int32Array;
  trueSizes: Int32Array;
  /** Non-zero cells: counts, with their predicted and true ids. */
  cellCount: Int32Array;
  cellPredicted: Int32Array;
  cellTrue: Int32Array;
}

function compact(labels: Int32Array): { ids: Int32Array; count: number } {
  const ids = new Int32Array(labels.length);
  const map = new Map<number, number>();
  let next = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l < 0) {
      ids[i] = next++;
      continue;
    }
    let id = map.get(l);
    if (id === undefined) {
      id = next++;
      map.set(l, id);
    }
    ids[i] = id;
  }
  return { ids, count: next };
}

function contingency(predicted: Int32Array, truth: Int32Array): Contingency {
  if (predicted.length !== truth.length) {
    throw new RangeError(`predicted has ${predicted.length} labels, truth has ${truth.length}`);
  }
  const n = predicted.length;
  const p = compact(predicted);
  const t = compact(truth);
  const predictedSizes = new Int32Array(p.count);
  const trueSizes = new Int32Array(t.count);
  const cells = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    predictedSizes[p.ids[i]]++;
    trueSizes[t.ids[i]]++;
    const key = p.ids[i] * t.count + t.ids[i];
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  const cellCount = new Int32Array(cells.size);
  const cellPredicted = new Int32Array(cells.size);
  const cellTrue = new Int32Array(cells.size);
  let c = 0;
  for (const [key, count] of cells) {
    cellCount[c] = count;
    cellPredicted[c] = Math.floor(key / t.count);
    cellTrue[c] = key % t.count;
    c++;
  }
  return { n, predictedSizes, trueSizes, cellCount, cellPredicted, cellTrue };
}

function prf(precision: number, recall: number): PrecisionRecall {
  const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f };
}

/**
 * BCubed precision/recall/F: per item, |pred(i) ∩ true(i)| / |pred(i)| and / |true(i)|, averaged
 * over items. Fair to small identities (the headline clustering number, anchors.md §3.1).
 * For an empty input all three are 1.
 */
export function bcubed(predicted: Int32Array, truth: Int32Array): PrecisionRecall {
  return bcubedOf(contingency(predicted, truth));
}

function bcubedOf(c: Contingency): PrecisionRecall {
  if (c.n === 0) return prf(1, 1);
  let p = 0;
  let r = 0;
  for (let k = 0; k < c.cellCount.length; k++) {
    const x = c.cellCount[k];
    p += (x * x) / c.predictedSizes[c.cellPredicted[k]];
    r += (x * x) / c.trueSizes[c.cellTrue[k]];
  }
  return prf(p / c.n, r / c.n);
}

/**
 * Pairwise precision/recall/F as in learn-to-cluster: tk = Σ cell² − n, pk = Σ predSize² − n,
 * qk = Σ trueSize² − n (these are twice the pair counts); P = tk/pk, R = tk/qk. With no predicted
 * pairs P = 1; with no true pairs R = 1. Dominated by large clusters.
 */
export function pairwise(predicted: Int32Array, truth: Int32Array): PrecisionRecall {
  return pairwiseOf(contingency(predicted, truth));
}

function pairwiseOf(c: Contingency): PrecisionRecall {
  let tk = -c.n;
  let pk = -c.n;
  let qk = -c.n;
  for (let k = 0; k < c.cellCount.length; k++) tk += c.cellCount[k] * c.cellCount[k];
  for (let k = 0; k < c.predictedSizes.length; k++) pk += c.predictedSizes[k] * c.predictedSizes[k];
  for (let k = 0; k < c.trueSizes.length; k++) qk += c.trueSizes[k] * c.trueSizes[k];
  return prf(pk === 0 ? 1 : tk / pk, qk === 0 ? 1 : tk / qk);
}

/**
 * Normalised mutual information with the arithmetic-mean normaliser (scikit-learn's default):
 * MI / ((H(pred) + H(true)) / 2); 1 when both partitions are a single block (or the input is empty).
 */
export function normalizedMutualInformation(predicted: Int32Array, truth: Int32Array): number {
  return nmiOf(contingency(predicted, truth));
}

function entropy(sizes: Int32Array, n: number): number {
  let h = 0;
  for (let k = 0; k < sizes.length; k++) {
    const q = sizes[k] / n;
    if (q > 0) h -= q * Math.log(q);
  }
  return h;
}

function nmiOf(c: Contingency): number {
  if (c.n === 0) return 1;
  const hp = entropy(c.predictedSizes, c.n);
  const ht = entropy(c.trueSizes, c.n);
  if (hp === 0 && ht === 0) return 1;
  let mi = 0;
  for (let k = 0; k < c.cellCount.length; k++) {
    const x = c.cellCount[k];
    const a = c.predictedSizes[c.cellPredicted[k]];
    const b = c.trueSizes[c.cellTrue[k]];
    mi += (x / c.n) * Math.log((c.n * x) / (a * b));
  }
  return Math.max(0, mi) / ((hp + ht) / 2);
}

/** Every clustering figure of the eval, from one contingency table. */
export interface ClusteringScores {
  bcubed: PrecisionRecall;
  pairwise: PrecisionRecall;
  nmi: number;
  /** Distinct non-negative predicted labels (unassigned observations are not counted). */
  clusters: number;
  /** Predicted clusters with exactly one member (unassigned observations are not counted). */
  singletonClusters: number;
  /** Observations with a negative predicted label. */
  unassigned: number;
  /** Distinct non-negative true labels. */
  identities: number;
  /** Observations with a negative true label (unlabelled strangers). */
  strangers: number;
}

export function clusteringScores(predicted: Int32Array, truth: Int32Array): ClusteringScores {
  const c = contingency(predicted, truth);
  const sizes = new Map<number, number>();
  let unassigned = 0;
  let strangers = 0;
  const identities = new Set<number>();
  for (let i = 0; i < predicted.length; i++) {
    if (predicted[i] < 0) unassigned++;
    else sizes.set(predicted[i], (sizes.get(predicted[i]) ?? 0) + 1);
    if (truth[i] < 0) strangers++;
    else identities.add(truth[i]);
  }
  let singletonClusters = 0;
  for (const s of sizes.values()) if (s === 1) singletonClusters++;
  return {
    bcubed: bcubedOf(c),
    pairwise: pairwiseOf(c),
    nmi: nmiOf(c),
    clusters: sizes.size,
    singletonClusters,
    unassigned,
    identities: identities.size,
    strangers,
  };
}

// ---------------------------------------------------------------------------------------------
// Open-set assignment.

/** Open-set assignment figures. Predicted negative = "unknown"; true negative = not in the gallery. */
export interface OpenSetScores {
  queries: number;
  /** Queries whose identity is in the gallery. */
  known: number;
  /** Queries whose identity is not in the gallery. */
  unseen: number;
  /** Queries given an identity. */
  assigned: number;
  /** Assigned queries given their true identity. */
  correct: number;
  /** correct / assigned (1 when nothing was assigned). */
  precision: number;
  /** correct / known (1 when there are no known queries). */
  recall: number;
  /** Queries left unknown / all queries (0 for no queries). */
  unknownRate: number;
  /** Unseen queries left unknown / unseen (1 when there are none). */
  unseenRejectionRate: number;
}

export function openSetScores(predicted: Int32Array, truth: Int32Array): OpenSetScores {
  if (predicted.length !== truth.length) {
    throw new RangeError(`predicted has ${predicted.length} labels, truth has ${truth.length}`);
  }
  let known = 0;
  let assigned = 0;
  let correct = 0;
  let unseenRejected = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    const t = truth[i];
    if (t >= 0) known++;
    if (p >= 0) {
      assigned++;
      if (p === t) correct++;
    } else if (t < 0) {
      unseenRejected++;
    }
  }
  const queries = predicted.length;
  const unseen = queries - known;
  return {
    queries,
    known,
    unseen,
    assigned,
    correct,
    precision: assigned === 0 ? 1 : correct / assigned,
    recall: known === 0 ? 1 : correct / known,
    unknownRate: queries === 0 ? 0 : (queries - assigned) / queries,
    unseenRejectionRate: unseen === 0 ? 1 : unseenRejected / unseen,
  };
}
