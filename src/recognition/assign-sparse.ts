/**
 * Identity assignment by sparse coding over exemplars (anchors.md §1.8, after Coates & Ng 2012).
 *
 * A new face y (L2-normalised here) is coded against ALL exemplars of ALL gallery people:
 *   x* = argmin_x ½‖y − D·x‖² + λ‖x‖₁   (the ½ is a convention: Apple's form without it is λ/2 here)
 * solved by cyclic coordinate descent (the Lasso), non-negative by default so that an exemplar can
 * only vote for its own person. Each person's energy is the sum of |x_k| over its exemplars.
 * The winner (largest energy; ties by lower person index) is assigned only when all hold:
 * - energy share E_w / ΣE >= `minEnergyShare`;
 * - margin (E_w − E_runner-up) / ΣE >= `minMargin`;
 * - residual ‖y − D_w·x_w‖ (winner's atoms only) <= `maxResidual`.
 * Otherwise the result is unknown (identity null) with the first failed test as `reason`.
 *
 * Cheap variant (`encoder: 'soft-threshold'`): Coates & Ng's encoder x_k = max(0, ⟨y, d_k⟩ − α), no
 * solve; its "residual" is that of the winner's single best atom, √(1 − cos²).
 *
 * Scale: with `search` (an HNSW index over the atoms), only the `candidates` atoms nearest to y are
 * coded — an approximation that drops atoms almost orthogonal to y, which the L1 term would zero
 * anyway. Without it every atom is coded exactly: O(atoms·dim) per face plus O(atoms·dim) per
 * active atom (Gram columns are computed lazily, only for atoms that become non-zero).
 */

import type { ExemplarDictionary } from './gallery.js';
import type { NeighbourSearch } from './neighbours.js';
import { dotAt, normalise, type VectorMatrix } from './vectors.js';

/**
 * λ = 0.20 (2 impostor spreads above the impostor mean): an exemplar at cos c gets weight c − λ, so an impostor
 * exemplar rarely takes energy, and a face of someone new spreads what energy it has over several people (the energy
 * share and margin below then leave it unknown). Synthetic 64-D identities showed λ = 0.05 losing 30–95 % of recall to
 * energy leaking onto other people's exemplars. On the development set's tuning split, with the match level at 0.42,
 * λ = 0.25 gave the clustering more recall (BCubed F 0.9784 against 0.9770 at 0.20) but the open-set test less
 * precision: 95.6 % against 97.6 % (faces of people not in the gallery, coded with one active atom, pass the share
 * and margin tests). A cosine for the reference model, mapped to the library's (calibration.ts).
 */
export const SPARSE_LAMBDA = 0.2;
/**
 * The residual bound is that of one exemplar at cos 0.50 (5.4 impostor spreads above the impostor mean). On the
 * tuning split's open-set test (126 people enrolled, 1,017 clear faces of 62 others): precision 99.4 % / recall 96.6 %
 * at 0.50, 99.3 / 96.7 at 0.48, 99.1 / 96.8 at 0.47, 97.6 / 97.3 at 0.42; the clustering's BCubed F 0.9718 at 0.50,
 * 0.9735 at 0.48. The best cosine to an enrolled person's exemplar separates the two: 5 % of right answers lie below
 * 0.548, 5 % of the newcomers' best matches above 0.417. 0.48 was tried as the default and taken back after the
 * final check on the whole development set, where its open-set precision was 98.8 % against 99.0 % at 0.50: a
 * clustering gain within noise does not pay for wrong names on strangers.
 */
export const SPARSE_MATCH_COSINE = 0.5;
/** √(1 − 0.50² + λ²) ≈ 0.889: the Lasso residual of y against one exemplar at cos 0.50 (it is √(1 − c² + λ²)). */
export const SPARSE_MAX_RESIDUAL = Math.sqrt(1 - SPARSE_MATCH_COSINE ** 2 + SPARSE_LAMBDA ** 2);
/** The winner must hold at least half of all coefficient energy (chosen; not yet fitted on labelled data). */
export const SPARSE_MIN_ENERGY_SHARE = 0.5;
/** …and beat the runner-up by a quarter of all energy (chosen; PhotoPrism's nearest-cluster margin is 0.01 in distance). */
export const SPARSE_MIN_MARGIN = 0.25;
/** Atoms coded per face when a search provider is given (64 ≫ the 8 exemplars of one person). */
export const SPARSE_CANDIDATES = 64;
/** Coordinate-descent sweeps at most (convergence usually takes < 20 on unit-norm atoms). */
export const SPARSE_MAX_SWEEPS = 200;
/** Stop when no coefficient moved more than this in a sweep. */
export const SPARSE_TOLERANCE = 1e-6;
/** Soft-threshold α = 0.30: ≈ 2 sd above the impostor mean cos 0.006, below the genuine minimum 0.37 (models.md). */
export const SOFT_THRESHOLD_ALPHA = 0.3;

export interface LassoOptions {
  lambda?: number;
  /** Squared norm of every atom, by atom index (ExemplarDictionary.normSq); computed per candidate when absent. */
  normSq?: Float64Array;
  /** Constrain x >= 0 (default true). */
  nonNegative?: boolean;
  maxSweeps?: number;
  tolerance?: number;
}

export interface SparseAssignOptions extends LassoOptions {
  encoder?: 'lasso' | 'soft-threshold';
  softThresholdAlpha?: number;
  minEnergyShare?: number;
  minMargin?: number;
  maxResidual?: number;
  /** Atoms to code when `search` is given. */
  candidates?: number;
  /** k-nearest provider over the dictionary atoms (indices are atom indices). */
  search?: NeighbourSearch;
  /**
   * People (dictionary identities) the face may not join: their atoms are left out of the code, as if the dictionary
   * held only the others. With `search`, that many more atoms are asked for, so the others still get `candidates`.
   */
  excluded?: ReadonlySet<number>;
}

export type SparseDecision = 'assigned' | 'no-energy' | 'low-share' | 'low-margin' | 'high-residual';

export interface SparseAssignment {
  /** Person index in the dictionary, or null for unknown. */
  identity: number | null;
  reason: SparseDecision;
  /** The person with the most energy (-1 when no atom is active), assigned or not. */
  best: number;
  energyShare: number;
  margin: number;
  residual: number;
  /**
   * Energy per person that has any (person index → energy). Sparse: a dense array over a 20,000-person gallery was
   * 158 KB allocated per coded face, 33 GB of churn for the 207k faces of a million-face run.
   */
  energies: ReadonlyMap<number, number>;
  /** Atom indices that were coded, ascending, and their coefficients. */
  atoms: Int32Array;
  coefficients: Float64Array;
}

/**
 * Lasso by cyclic coordinate descent over the atoms listed in `candidates`. Returns coefficients
 * aligned with `candidates`. Atoms are visited by descending correlation ⟨d, y⟩ (ties by position):
 * the optimum does not depend on the order, but visiting the best-matching exemplars first lets
 * them explain y before the weaker atoms are looked at, so most of those never leave zero and
 * their Gram columns (`m·dim` each, the bulk of the cost) are never computed. With 64 candidates
 * from a 100k-atom gallery nearly all start above λ, and ascending-index order activated many.
 */
export function lassoCoordinateDescent(
  y: Float32Array,
  atoms: VectorMatrix,
  candidates: Int32Array,
  options: LassoOptions = {},
): Float64Array {
  const lambda = options.lambda ?? SPARSE_LAMBDA;
  const nonNegative = options.nonNegative ?? true;
  const maxSweeps = options.maxSweeps ?? SPARSE_MAX_SWEEPS;
  const tol = options.tolerance ?? SPARSE_TOLERANCE;
  const { dim, data } = atoms;
  const m = candidates.length;
  const x = new Float64Array(m);
  const grad = new Float64Array(m); // Dᵀ(y − Dx)
  const normSq = new Float64Array(m);
  const known = options.normSq;
  for (let p = 0; p < m; p++) {
    const o = candidates[p] * dim;
    grad[p] = dotAt(data, o, y, 0, dim);
    normSq[p] = known ? known[candidates[p]] : dotAt(data, o, data, o, dim);
  }
  const columns = new Map<number, Float64Array>();
  const column = (p: number): Float64Array => {
    let col = columns.get(p);
    if (col === undefined) {
      col = new Float64Array(m);
      const op = candidates[p] * dim;
      for (let q = 0; q < m; q++) col[q] = dotAt(data, candidates[q] * dim, data, op, dim);
      columns.set(p, col);
    }
    return col;
  };
  const order = new Int32Array(m);
  for (let p = 0; p < m; p++) order[p] = p;
  order.sort((a, b) => grad[b] - grad[a] || a - b);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let maxDelta = 0;
    for (let r = 0; r < m; r++) {
      const p = order[r];
      const nq = normSq[p];
      if (nq === 0) continue;
      const z = x[p] * nq + grad[p];
      let next: number;
      if (z > lambda) next = (z - lambda) / nq;
      else if (!nonNegative && z < -lambda) next = (z + lambda) / nq;
      else next = 0;
      const delta = next - x[p];
      if (delta === 0) continue;
      const col = column(p);
      for (let q = 0; q < m; q++) grad[q] -= col[q] * delta;
      x[p] = next;
      if (Math.abs(delta) > maxDelta) maxDelta = Math.abs(delta);
    }
    if (maxDelta < tol) break;
  }
  return x;
}

/** Coates & Ng soft-threshold encoder: max(0, ⟨y, d_k⟩ − α) for each candidate atom. */
export function softThresholdCode(
  y: Float32Array,
  atoms: VectorMatrix,
  candidates: Int32Array,
  alpha: number = SOFT_THRESHOLD_ALPHA,
): Float64Array {
  const out = new Float64Array(candidates.length);
  for (let p = 0; p < candidates.length; p++) {
    out[p] = Math.max(0, dotAt(atoms.data, candidates[p] * atoms.dim, y, 0, atoms.dim) - alpha);
  }
  return out;
}

export function assignSparse(
  query: Float32Array,
  dictionary: ExemplarDictionary,
  options: SparseAssignOptions = {},
): SparseAssignment {
  const { atoms, owner, identityCount } = dictionary;
  if (query.length !== atoms.dim) throw new RangeError(`query has length ${query.length}, expected ${atoms.dim}`);
  const y = normalise(query);
  const excluded = options.excluded;
  const allowed = (a: number) => excluded === undefined || !excluded.has(owner[a]);
  let candidates: Int32Array;
  if (options.search) {
    let extra = 0;
    if (excluded !== undefined) {
      let perPerson = dictionary.atomsPerIdentity;
      if (!perPerson) {
        perPerson = new Int32Array(identityCount);
        for (let a = 0; a < owner.length; a++) perPerson[owner[a]]++;
      }
      for (const id of excluded) if (id >= 0 && id < identityCount) extra += perPerson[id];
    }
    const found = options.search(y, (options.candidates ?? SPARSE_CANDIDATES) + extra).map((nb) => nb.index);
    candidates = Int32Array.from(new Set(found.filter((a) => a >= 0 && a < atoms.count && allowed(a)))).sort();
  } else {
    const all: number[] = [];
    for (let a = 0; a < atoms.count; a++) if (allowed(a)) all.push(a);
    candidates = Int32Array.from(all);
  }
  const encoder = options.encoder ?? 'lasso';
  const coefficients =
    encoder === 'lasso'
      ? lassoCoordinateDescent(y, atoms, candidates, {
          ...options,
          ...(dictionary.normSq ? { normSq: dictionary.normSq } : {}),
        })
      : softThresholdCode(y, atoms, candidates, options.softThresholdAlpha ?? SOFT_THRESHOLD_ALPHA);

  const energies = new Map<number, number>();
  let total = 0;
  for (let p = 0; p < candidates.length; p++) {
    const e = Math.abs(coefficients[p]);
    if (e > 0) energies.set(owner[candidates[p]], (energies.get(owner[candidates[p]]) ?? 0) + e);
    total += e;
  }
  // the person with the most energy, ties to the lower index, and the runner-up's energy
  let best = -1;
  let runnerUp = 0;
  for (const id of [...energies.keys()].sort((a, b) => a - b)) {
    const e = energies.get(id)!;
    if (best < 0 || e > energies.get(best)!) {
      if (best >= 0) runnerUp = Math.max(runnerUp, energies.get(best)!);
      best = id;
    } else if (e > runnerUp) {
      runnerUp = e;
    }
  }
  const result = (
    identity: number | null,
    reason: SparseDecision,
    share: number,
    margin: number,
    residual: number,
  ) => ({
    identity,
    reason,
    best,
    energyShare: share,
    margin,
    residual,
    energies,
    atoms: candidates,
    coefficients,
  });
  if (best < 0 || total <= 0) return result(null, 'no-energy', 0, 0, 1);

  const share = energies.get(best)! / total;
  const margin = (energies.get(best)! - runnerUp) / total;
  const residual =
    encoder === 'lasso'
      ? winnerResidual(y, atoms, owner, candidates, coefficients, best)
      : bestAtomResidual(y, atoms, owner, candidates, best);
  if (share < (options.minEnergyShare ?? SPARSE_MIN_ENERGY_SHARE))
    return result(null, 'low-share', share, margin, residual);
  if (margin < (options.minMargin ?? SPARSE_MIN_MARGIN)) return result(null, 'low-margin', share, margin, residual);
  if (residual > (options.maxResidual ?? SPARSE_MAX_RESIDUAL))
    return result(null, 'high-residual', share, margin, residual);
  return result(best, 'assigned', share, margin, residual);
}

/** ‖y − Σ_{k of winner} x_k·d_k‖. */
function winnerResidual(
  y: Float32Array,
  atoms: VectorMatrix,
  owner: Int32Array,
  candidates: Int32Array,
  x: Float64Array,
  winner: number,
): number {
  const dim = atoms.dim;
  const r = Float64Array.from(y);
  for (let p = 0; p < candidates.length; p++) {
    if (x[p] === 0 || owner[candidates[p]] !== winner) continue;
    const o = candidates[p] * dim;
    for (let t = 0; t < dim; t++) r[t] -= x[p] * atoms.data[o + t];
  }
  let s = 0;
  for (let t = 0; t < dim; t++) s += r[t] * r[t];
  return Math.sqrt(s);
}

/** √(1 − c²) for the winner's atom with the highest cosine c (1 when c <= 0). */
function bestAtomResidual(
  y: Float32Array,
  atoms: VectorMatrix,
  owner: Int32Array,
  candidates: Int32Array,
  winner: number,
): number {
  let c = 0;
  for (let p = 0; p < candidates.length; p++) {
    if (owner[candidates[p]] !== winner) continue;
    c = Math.max(c, dotAt(atoms.data, candidates[p] * atoms.dim, y, 0, atoms.dim));
  }
  return Math.sqrt(Math.max(0, 1 - c * c));
}
