/**
 * Pass 1 of Apple's gallery construction (anchors.md §1.7): conservative greedy agglomeration of
 * face (+ upper-body) observations. High precision, many small clusters; pass 2 grows them.
 *
 * Distance between clusters A and B, D = min(F, α·F + β·T):
 * - F = 1 − cos of the running averages of A's and B's clear-face embeddings;
 * - T = 1 − cos of the running averages of A's and B's upper bodies IN ONE MOMENT m, and only when
 *   the candidate pair of observations that links A and B is itself from moment m and both have a
 *   body; otherwise D = F. (Each cluster keeps one body average per moment it has bodies in.)
 *
 * Algorithm (deterministic for the same input and the same neighbour provider):
 * 1. must-link pairs are merged first (user decisions; skipped, and reported, when they break a
 *    hard rule);
 * 2. every clear face asks the `faceSearch` provider for its k nearest faces; pairs whose
 *    observation-level D is <= `pairMaxDistance` become edges;
 * 3. edges are visited by ascending (D, i, j). For each edge joining two different clusters, the
 *    cluster-level D (running averages) is recomputed; the clusters merge when D <= `maxDistance`
 *    and no hard rule forbids it. A merge is permanent. So a merge needs both a very close pair of
 *    observations and close averages: averages alone get more lenient as clusters grow (noise
 *    averages out, and look-alike people's averages converge on their similar mean faces);
 * 4. body-only observations (no face embedding) join the one cluster whose body average in their
 *    moment is within `bodyOnlyMaxDistance` and beats every other cluster of that moment by
 *    `bodyOnlyMinMargin`. They never found a cluster, never link to each other, and do not change the
 *    moment's body average.
 *
 * Hard rules: two observations of one image never share a cluster; cannot-link pairs never share a
 * cluster; unclear faces never seed or join (their observation stays unassigned, label -1, unless a
 * must-link or the `unclearFaceBodyFallback` option places it).
 *
 * Cost: n neighbour queries + O(E log E) for E <= n·k edges + O(dim) per edge; conflict checks walk
 * the smaller cluster (small-into-large). Running sums are stored only for clusters with two or more
 * members, so memory stays near the input size. Body-only joining is O(b·g·bodyDim) per moment with
 * b body-only observations and g clusters in it. With an HNSW provider 1M faces is feasible; the
 * default brute-force provider is O(n²·dim) and meant for tests and small inputs.
 */

import { buildConflictGraph, type ConflictGraph, type ObservationPair } from './constraints.js';
import { tableNeighbours, type KnnTable } from './knn.js';
import { bruteForceSearch, type Neighbour, type NeighbourSearch } from './neighbours.js';
import { validateObservationSet, type ObservationSet } from './observations.js';
import { findRoot, identityParents, labelsFromRoots } from './union-find.js';
import { cosineAt, row } from './vectors.js';

/**
 * Merge when D <= 0.35 (face cos >= 0.65, 7 impostor spreads above the impostor mean): only very close matches join,
 * pass 2 and assignment do the rest. Measured on the development set's tuning split (all thresholds of recognise()
 * at their defaults otherwise): BCubed F 0.9701 at 0.40, 0.9718 at 0.35, 0.9722 at 0.30, precision 0.999 throughout.
 * A cosine for the reference model; mapped to the library's model (calibration.ts).
 */
export const PASS1_MAX_DISTANCE = 0.35;
/** α: with β below, body evidence can at most stretch a face match to F = 0.35/0.8 ≈ 0.44 (cos 0.56, above the impostor max 0.46 of models.md); chosen, not fitted (Apple does not publish α). */
export const PASS1_ALPHA = 0.8;
/** β: body only helps when T < (1−α)·0.35/β ≈ 0.18 (clothes cos > 0.82; HSV impostor mean cos is 0.55, models.md §4.4); chosen, not fitted. */
export const PASS1_BETA = 0.4;
/** The linking pair of observations must itself be within D <= 0.35, as close as the cluster averages must be: averages are denoised, so for look-alikes they grow MORE similar as clusters grow; this gate keeps pass 1 conservative (found on synthetic sibling identities). */
export const PASS1_PAIR_MAX_DISTANCE = 0.35;
/** Neighbours asked per face; 16 links each face to enough same-person faces for the greedy chain (not tuned). */
export const PASS1_NEIGHBOURS = 16;
/** A body-only observation joins only within T <= 0.10 (clothes cos >= 0.90, far above the HSV impostor mean 0.55); no clothing ground truth exists, so set conservatively. */
export const BODY_ONLY_MAX_DISTANCE = 0.1;
/** …and only when the best cluster beats the runner-up of the same moment by 0.05 in T (guards against team uniforms and dark suits, models.md §4.4). */
export const BODY_ONLY_MIN_MARGIN = 0.05;

export interface Pass1Options {
  maxDistance?: number;
  alpha?: number;
  beta?: number;
  pairMaxDistance?: number;
  neighbours?: number;
  /** k-nearest provider over the `faces` rows (indices are observation indices). Default: exact brute force over clear faces. */
  faceSearch?: NeighbourSearch;
  /** The k nearest clear faces of every clear face (knn.ts), used instead of `faceSearch` when given. */
  faceTable?: KnnTable;
  bodyOnlyMaxDistance?: number;
  bodyOnlyMinMargin?: number;
  /** Pairs a user confirmed as the same person: merged before anything else. */
  mustLink?: readonly ObservationPair[];
  /** Pairs a user rejected: never in one cluster. */
  cannotLink?: readonly ObservationPair[];
  /** Treat an observation with an unclear face but a body like a body-only one (its face is never used). Default false. */
  unclearFaceBodyFallback?: boolean;
}

export interface Pass1Result {
  /** Cluster of each observation, 0..clusterCount-1 in order of smallest member; -1 = none. */
  labels: Int32Array;
  clusterCount: number;
  /** Must-link pairs not applied because they would break a hard rule (same image or cannot-link). */
  skippedMustLinks: ObservationPair[];
  /** Body-only (or unclear-face fallback) observations that joined a cluster. */
  bodyOnlyJoined: number;
}

/** D = min(F, α·F + β·T); pass T = NaN when there is no usable body distance. */
export function combinedDistance(f: number, t: number, alpha: number, beta: number): number {
  return Number.isNaN(t) ? f : Math.min(f, alpha * f + beta * t);
}

/** A growable pool of dim-float slots with a free list. Read `data` after every alloc (it may move). */
class VectorPool {
  data: Float32Array;
  private used = 0;
  private readonly freeSlots: number[] = [];
  constructor(private readonly dim: number) {
    this.data = new Float32Array(Math.max(1, dim) * 64);
  }
  alloc(): number {
    const slot = this.freeSlots.pop();
    if (slot !== undefined) return slot;
    if ((this.used + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    return this.used++;
  }
  release(slot: number): void {
    this.freeSlots.push(slot);
  }
}

/** Growable parallel arrays of candidate edges (i < j). */
class EdgeBuffer {
  i = new Int32Array(1024);
  j = new Int32Array(1024);
  d = new Float64Array(1024);
  size = 0;
  push(i: number, j: number, d: number): void {
    if (this.size === this.i.length) {
      const cap = this.size * 2;
      const ni = new Int32Array(cap);
      const nj = new Int32Array(cap);
      const nd = new Float64Array(cap);
      ni.set(this.i);
      nj.set(this.j);
      nd.set(this.d);
      this.i = ni;
      this.j = nj;
      this.d = nd;
    }
    this.i[this.size] = i;
    this.j[this.size] = j;
    this.d[this.size] = d;
    this.size++;
  }
}

class Pass1State {
  readonly n: number;
  readonly parent: Int32Array;
  readonly memberCount: Int32Array;
  /** Member linked list; the head of a cluster's list is its root. */
  readonly nextMember: Int32Array;
  readonly lastMember: Int32Array;
  /** Clear faces per root, and where their sum lives: own row (faceObs) or a pool slot. */
  readonly faceCount: Int32Array;
  readonly faceObs: Int32Array;
  readonly faceSlot: Int32Array;
  readonly facePool: VectorPool;
  /** Body groups: one per (root, moment). A group's id is the observation that founded it. */
  readonly groupHead: Int32Array;
  readonly groupNext: Int32Array;
  readonly groupCount: Int32Array;
  readonly groupSlot: Int32Array;
  readonly bodyPool: VectorPool;
  readonly groupKey = new Map<number, number>();
  readonly momentSpan: number;
  readonly conflictCache = new Set<number>();

  constructor(
    readonly obs: ObservationSet,
    readonly conflicts: ConflictGraph,
  ) {
    const n = obs.count;
    this.n = n;
    this.parent = identityParents(n);
    this.memberCount = new Int32Array(n).fill(1);
    this.nextMember = new Int32Array(n).fill(-1);
    this.lastMember = identityParents(n);
    this.faceCount = new Int32Array(n);
    this.faceObs = new Int32Array(n).fill(-1);
    this.faceSlot = new Int32Array(n).fill(-1);
    this.facePool = new VectorPool(obs.faces.dim);
    this.groupHead = new Int32Array(n).fill(-1);
    this.groupNext = new Int32Array(n).fill(-1);
    this.groupCount = new Int32Array(n);
    this.groupSlot = new Int32Array(n).fill(-1);
    this.bodyPool = new VectorPool(obs.bodies?.dim ?? 0);
    let span = 1;
    for (let i = 0; i < n; i++) if (obs.moment[i] + 1 > span) span = obs.moment[i] + 1;
    this.momentSpan = span;
    for (let i = 0; i < n; i++) {
      if (!obs.clearFace[i]) continue;
      this.faceCount[i] = 1;
      this.faceObs[i] = i;
      if (obs.hasBody[i] && obs.moment[i] >= 0) {
        this.groupHead[i] = i;
        this.groupCount[i] = 1;
        this.groupKey.set(i * span + obs.moment[i], i);
      }
    }
  }

  find(x: number): number {
    return findRoot(this.parent, x);
  }

  group(root: number, moment: number): number {
    return this.groupKey.get(root * this.momentSpan + moment) ?? -1;
  }

  /** Face cosine distance between the running averages of two roots (Infinity if either has no face). */
  faceDistance(a: number, b: number): number {
    if (this.faceCount[a] === 0 || this.faceCount[b] === 0) return Infinity;
    const dim = this.obs.faces.dim;
    const pa = this.faceSlot[a] >= 0;
    const pb = this.faceSlot[b] >= 0;
    return (
      1 -
      cosineAt(
        pa ? this.facePool.data : this.obs.faces.data,
        (pa ? this.faceSlot[a] : this.faceObs[a]) * dim,
        pb ? this.facePool.data : this.obs.faces.data,
        (pb ? this.faceSlot[b] : this.faceObs[b]) * dim,
        dim,
      )
    );
  }

  /** Body cosine distance between a group's running average and another group or a raw body row. */
  groupDistance(g: number, otherData: Float32Array, otherOffset: number): number {
    const dim = this.obs.bodies?.dim ?? 0;
    const pg = this.groupSlot[g] >= 0;
    const data = pg ? this.bodyPool.data : (this.obs.bodies as { data: Float32Array }).data;
    const off = (pg ? this.groupSlot[g] : g) * dim;
    return 1 - cosineAt(data, off, otherData, otherOffset, dim);
  }

  groupData(g: number): Float32Array {
    return this.groupSlot[g] >= 0 ? this.bodyPool.data : (this.obs.bodies as { data: Float32Array }).data;
  }

  groupOffset(g: number): number {
    return (this.groupSlot[g] >= 0 ? this.groupSlot[g] : g) * (this.obs.bodies?.dim ?? 0);
  }

  /** True when some member of one root conflicts with some member of the other (walks the smaller). */
  conflict(a: number, b: number): boolean {
    const key = Math.min(a, b) * this.n + Math.max(a, b);
    if (this.conflictCache.has(key)) return true;
    let small = a;
    let big = b;
    if (this.memberCount[a] > this.memberCount[b]) {
      small = b;
      big = a;
    }
    const { offsets, targets } = this.conflicts;
    for (let x = small; x >= 0; x = this.nextMember[x]) {
      for (let p = offsets[x]; p < offsets[x + 1]; p++) {
        if (this.find(targets[p]) === big) {
          this.conflictCache.add(key);
          return true;
        }
      }
    }
    return false;
  }

  /** Merges two roots; the larger (ties: lower index) survives. Returns the survivor. */
  merge(a: number, b: number): number {
    let s = a;
    let o = b;
    if (this.memberCount[b] > this.memberCount[a] || (this.memberCount[b] === this.memberCount[a] && b < a)) {
      s = b;
      o = a;
    }
    this.parent[o] = s;
    this.nextMember[this.lastMember[s]] = o;
    this.lastMember[s] = this.lastMember[o];
    this.memberCount[s] += this.memberCount[o];
    this.mergeFaces(s, o);
    this.mergeBodies(s, o);
    return s;
  }

  /** Adds a single observation x (its own root, no face) to cluster root r without touching averages. */
  attach(x: number, r: number): void {
    this.parent[x] = r;
    this.nextMember[this.lastMember[r]] = x;
    this.lastMember[r] = this.lastMember[x];
    this.memberCount[r] += this.memberCount[x];
  }

  private mergeFaces(s: number, o: number): void {
    const fo = this.faceCount[o];
    if (fo === 0) return;
    const dim = this.obs.faces.dim;
    if (this.faceCount[s] === 0) {
      this.faceObs[s] = this.faceObs[o];
      this.faceSlot[s] = this.faceSlot[o];
      this.faceSlot[o] = -1;
      this.faceCount[s] = fo;
      this.faceCount[o] = 0;
      return;
    }
    const pool = this.facePool;
    if (this.faceSlot[s] < 0) {
      const slot = pool.alloc();
      const src = this.faceObs[s] * dim;
      pool.data.set(this.obs.faces.data.subarray(src, src + dim), slot * dim);
      this.faceSlot[s] = slot;
    }
    const from = this.faceSlot[o] >= 0 ? pool.data : this.obs.faces.data;
    const fromOff = (this.faceSlot[o] >= 0 ? this.faceSlot[o] : this.faceObs[o]) * dim;
    const to = pool.data;
    const toOff = this.faceSlot[s] * dim;
    for (let k = 0; k < dim; k++) to[toOff + k] += from[fromOff + k];
    if (this.faceSlot[o] >= 0) pool.release(this.faceSlot[o]);
    this.faceSlot[o] = -1;
    this.faceCount[s] += fo;
    this.faceCount[o] = 0;
  }

  private mergeBodies(s: number, o: number): void {
    const span = this.momentSpan;
    const dim = this.obs.bodies?.dim ?? 0;
    const pool = this.bodyPool;
    let g = this.groupHead[o];
    while (g >= 0) {
      const next = this.groupNext[g];
      const m = this.obs.moment[g];
      this.groupKey.delete(o * span + m);
      const h = this.group(s, m);
      if (h < 0) {
        this.groupKey.set(s * span + m, g);
        this.groupNext[g] = this.groupHead[s];
        this.groupHead[s] = g;
      } else {
        if (this.groupSlot[h] < 0) {
          const slot = pool.alloc();
          const src = h * dim;
          pool.data.set((this.obs.bodies as { data: Float32Array }).data.subarray(src, src + dim), slot * dim);
          this.groupSlot[h] = slot;
        }
        const from = this.groupData(g);
        const fromOff = this.groupOffset(g);
        const to = pool.data;
        const toOff = this.groupSlot[h] * dim;
        for (let k = 0; k < dim; k++) to[toOff + k] += from[fromOff + k];
        if (this.groupSlot[g] >= 0) pool.release(this.groupSlot[g]);
        this.groupSlot[g] = -1;
        this.groupCount[h] += this.groupCount[g];
        this.groupCount[g] = 0;
      }
      g = next;
    }
    this.groupHead[o] = -1;
  }
}

function canonicalPairs(pairs: readonly ObservationPair[], n: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of pairs) {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n) {
      throw new RangeError(`pair (${a}, ${b}) out of range`);
    }
    if (a !== b) out.push([Math.min(a, b), Math.max(a, b)]);
  }
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

export function clusterPass1(obs: ObservationSet, options: Pass1Options = {}): Pass1Result {
  validateObservationSet(obs);
  const maxDistance = options.maxDistance ?? PASS1_MAX_DISTANCE;
  const alpha = options.alpha ?? PASS1_ALPHA;
  const beta = options.beta ?? PASS1_BETA;
  const pairMax = options.pairMaxDistance ?? PASS1_PAIR_MAX_DISTANCE;
  const k = options.neighbours ?? PASS1_NEIGHBOURS;
  const bodyOnlyMax = options.bodyOnlyMaxDistance ?? BODY_ONLY_MAX_DISTANCE;
  const bodyOnlyMargin = options.bodyOnlyMinMargin ?? BODY_ONLY_MIN_MARGIN;
  const n = obs.count;
  const { faces, clearFace, hasFace, hasBody, bodies, moment } = obs;
  const fDim = faces.dim;
  const bDim = bodies?.dim ?? 0;
  const bData = bodies?.data ?? new Float32Array(0);

  const conflicts = buildConflictGraph(n, obs.image, options.cannotLink ?? []);
  const state = new Pass1State(obs, conflicts);

  // 1. Must-links.
  const skippedMustLinks: ObservationPair[] = [];
  for (const [a, b] of canonicalPairs(options.mustLink ?? [], n)) {
    const ra = state.find(a);
    const rb = state.find(b);
    if (ra === rb) continue;
    if (state.conflict(ra, rb)) skippedMustLinks.push([a, b]);
    else state.merge(ra, rb);
  }

  // 2. Candidate edges from the neighbour provider, scored at observation level.
  // a table leaves each row out of its own list, a search does not: k + 1 asked there gives the same k others
  const table = options.faceTable;
  const search = table ? null : (options.faceSearch ?? bruteForceSearch(faces, clearFace));
  const neighboursOf = (i: number): Neighbour[] =>
    table ? tableNeighbours(table, i, k) : search!(row(faces, i), k + 1);
  const edges = new EdgeBuffer();
  for (let i = 0; i < n; i++) {
    if (!clearFace[i]) continue;
    for (const { index: j } of neighboursOf(i)) {
      if (j === i || j < 0 || j >= n || !clearFace[j]) continue;
      const f = 1 - cosineAt(faces.data, i * fDim, faces.data, j * fDim, fDim);
      if (f * alpha > pairMax) continue; // no body distance can bring it under pairMax
      let t = NaN;
      if (hasBody[i] && hasBody[j] && moment[i] >= 0 && moment[i] === moment[j]) {
        t = 1 - cosineAt(bData, i * bDim, bData, j * bDim, bDim);
      }
      const d = combinedDistance(f, t, alpha, beta);
      if (d <= pairMax) edges.push(Math.min(i, j), Math.max(i, j), d);
    }
  }

  // 3. Greedy agglomeration in ascending (D, i, j) order, re-checked on the running averages.
  const order = new Uint32Array(edges.size);
  for (let e = 0; e < edges.size; e++) order[e] = e;
  const ei = edges.i;
  const ej = edges.j;
  const ed = edges.d;
  order.sort((x, y) => ed[x] - ed[y] || ei[x] - ei[y] || ej[x] - ej[y]);
  for (let r = 0; r < order.length; r++) {
    const e = order[r];
    const i = ei[e];
    const j = ej[e];
    const a = state.find(i);
    const b = state.find(j);
    if (a === b) continue;
    const f = state.faceDistance(a, b);
    let t = NaN;
    if (hasBody[i] && hasBody[j] && moment[i] >= 0 && moment[i] === moment[j]) {
      const ga = state.group(a, moment[i]);
      const gb = state.group(b, moment[i]);
      if (ga >= 0 && gb >= 0) t = state.groupDistance(ga, state.groupData(gb), state.groupOffset(gb));
    }
    if (combinedDistance(f, t, alpha, beta) > maxDistance) continue;
    if (state.conflict(a, b)) continue;
    state.merge(a, b);
  }

  // 4. Body-only observations join through T inside their moment.
  const bodyOnlyJoined = bodies ? joinBodyOnly(state, options.unclearFaceBodyFallback ?? false) : 0;

  function joinBodyOnly(st: Pass1State, fallback: boolean): number {
    const isBodyOnly = (x: number): boolean =>
      hasBody[x] === 1 &&
      moment[x] >= 0 &&
      (hasFace[x] === 0 || (fallback && clearFace[x] === 0)) &&
      st.find(x) === x &&
      st.memberCount[x] === 1;
    // Observations by moment (counting sort), only the moments that hold a body-only observation.
    const span = st.momentSpan;
    const start = new Int32Array(span + 1);
    for (let x = 0; x < n; x++) if (moment[x] >= 0 && hasBody[x]) start[moment[x] + 1]++;
    for (let m = 0; m < span; m++) start[m + 1] += start[m];
    const byMoment = new Int32Array(start[span]);
    const fill = start.slice(0, span);
    for (let x = 0; x < n; x++) if (moment[x] >= 0 && hasBody[x]) byMoment[fill[moment[x]]++] = x;

    const propObs: number[] = [];
    const propRoot: number[] = [];
    const propT: number[] = [];
    const groups: number[] = [];
    const groupRoots: number[] = [];
    for (let m = 0; m < span; m++) {
      let any = false;
      for (let p = start[m]; p < start[m + 1] && !any; p++) any = isBodyOnly(byMoment[p]);
      if (!any) continue;
      groups.length = 0;
      groupRoots.length = 0;
      for (let p = start[m]; p < start[m + 1]; p++) {
        const x = byMoment[p];
        if (!clearFace[x]) continue;
        const r = st.find(x);
        const g = st.group(r, m);
        if (g >= 0 && !groups.includes(g)) {
          groups.push(g);
          groupRoots.push(r);
        }
      }
      if (groups.length === 0) continue;
      for (let p = start[m]; p < start[m + 1]; p++) {
        const o = byMoment[p];
        if (!isBodyOnly(o)) continue;
        let best = Infinity;
        let bestRoot = -1;
        let second = Infinity;
        for (let q = 0; q < groups.length; q++) {
          const t = st.groupDistance(groups[q], bData, o * bDim);
          const r = groupRoots[q];
          if (t < best || (t === best && r < bestRoot)) {
            second = best;
            best = t;
            bestRoot = r;
          } else if (t < second) {
            second = t;
          }
        }
        if (best <= bodyOnlyMax && second - best >= bodyOnlyMargin) {
          propObs.push(o);
          propRoot.push(bestRoot);
          propT.push(best);
        }
      }
    }
    const idx = propObs.map((_, q) => q).sort((x, y) => propT[x] - propT[y] || propObs[x] - propObs[y]);
    let joined = 0;
    for (const q of idx) {
      const o = propObs[q];
      const r = st.find(propRoot[q]);
      if (st.conflict(o, r)) continue;
      st.attach(o, r);
      joined++;
    }
    return joined;
  }

  const labels = labelsFromRoots(state.parent, (r) => state.faceCount[r] > 0 || state.memberCount[r] > 1);
  let clusterCount = 0;
  for (let i = 0; i < n; i++) if (labels[i] + 1 > clusterCount) clusterCount = labels[i] + 1;
  return { labels, clusterCount, skippedMustLinks, bodyOnlyJoined };
}
