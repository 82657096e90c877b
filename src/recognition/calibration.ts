/**
 * Calibration of every similarity threshold to the embedding model in use, from the library itself, without labels.
 *
 * Every threshold of recognition is written as a cosine for one reference model (ours, faceplugin-feature512) and
 * mapped to the library's model through its impostor distribution, the similarities of faces of DIFFERENT people:
 * a threshold sits the same number of impostor spreads above the impostor mean on every model,
 *
 *     cos_library = mean_library + (cos_reference − mean_reference) · spread_library / spread_reference,
 *
 * so it keeps the same false-match rate. An affine change of the cosines (a model that spreads them wider or
 * narrower, or shifts them all) moves every threshold with them.
 *
 * Where the impostor statistics come from, without labels:
 * - clustering (a full run): pairs of the library's clear faces. Most pairs of a library are of two different
 *   people, but not all: in a library of one family a large share are pairs of the same person. Those lie far above
 *   the impostors, so the impostor mean is taken as the MODE of all pair cosines (a kernel density peak, robust to a
 *   second bump) and the spread from the LOWER tail only: the share of pairs below the mode is half the impostor
 *   share, and the impostor mean − 1 sd lies at 0.3173 of that share. Measured on the development set's tuning
 *   split (faceplugin-feature512): the true impostor mean/sd 0.0098/0.0973 (the mode lies a little below the mean);
 *   this estimate 0.0057/0.0919 from all faces, 0.0073/0.0971 from the three most photographed people alone (a third
 *   of their pairs of one person; truly −0.004/0.086), where the plain median/MAD is 0.056/0.180. Pairs of faces in one photo (certainly different people) were measured too and not
 *   used: there were few (204 clear pairs in 2,820 photos), they include the same face detected twice (cos 0.9),
 *   and faces of one photo share light and camera (median 0.039, sd 0.109), so they overstate the tail;
 * - assignment (every run): pairs of exemplars of DIFFERENT gallery people, which a full run and the next
 *   incremental run both see, so both decide with the same thresholds (the fixed point). On the tuning split:
 *   mean/sd 0.0098/0.0975, the true impostor figures.
 * A small sample is pulled towards the reference statistics (a prior worth `CALIBRATION_PRIOR_FACES` faces), a
 * difference from the reference within the estimate's own noise between libraries is ignored, and a sample whose
 * impostor share is implausibly small (a library of one person) falls back to the reference.
 */

import { dotAt, type VectorMatrix } from './vectors.js';

export interface ImpostorStatistics {
  /** Mode of the impostor cosines. */
  mean: number;
  /** Their standard deviation, from the lower tail. */
  spread: number;
}

export interface MeasuredImpostors extends ImpostorStatistics {
  /** Vectors the pairs were drawn from. */
  faces: number;
  pairs: number;
  /** Estimated share of the pairs that are impostors (twice the share below the mode). */
  impostorShare: number;
}

/**
 * The reference model's impostor statistics as each estimate measures it: faceplugin-feature512 on the development
 * set's tuning split (3,205 faces, 3,186 of them clear, of 188 identities and their bystanders). Every threshold
 * constant of recognition is a cosine for this model; each estimate is compared with its own reference, so that on
 * the reference model both map every threshold to itself.
 */
export const REFERENCE_LIBRARY_IMPOSTORS: ImpostorStatistics = { mean: 0.0057, spread: 0.0919 };
/** …and from pairs of exemplars of different gallery people (196 people, 1,546 exemplars). */
export const REFERENCE_GALLERY_IMPOSTORS: ImpostorStatistics = { mean: 0.0065, spread: 0.0931 };

/** Pairs compared at most (all pairs up to ~630 faces; beyond, a fixed spread of partners per face). */
export const CALIBRATION_MAX_PAIRS = 200_000;
/** The reference statistics count as this many faces: a library of 24 faces weighs its own 0.55, of 500 faces 0.96 (chosen). */
export const CALIBRATION_PRIOR_FACES = 20;
/**
 * How far the estimates wander between libraries of the SAME model, which must not move a threshold. Measured on the
 * development set (faceplugin-feature512): the clustering estimate gave mean/sd 0.0057/0.0919 on the tuning split,
 * 0.0060/0.0923 on the held-back identities, 0.0044/0.0913 on all; the gallery estimate 0.0064/0.0931, 0.0001/0.0910,
 * 0.0030/0.0919: at most 0.0064 in the mean and 2.3 % in the spread. Without this band the assignment level moved from
 * cos 0.48 to 0.47 between the splits, and the open-set test lost half a point of precision.
 */
export const CALIBRATION_MEAN_NOISE = 0.01;
export const CALIBRATION_SPREAD_NOISE = 0.05;
/** Below this estimated impostor share the mode is probably one person's genuine pairs: use the reference. */
export const CALIBRATION_MIN_IMPOSTOR_SHARE = 0.3;

/** Kernel width of the mode estimate, in robust spreads (MAD) of the whole sample. */
export const MODE_BANDWIDTH = 0.25;

/**
 * Mode of ascending values: the peak of a Gaussian kernel density estimate, bandwidth `MODE_BANDWIDTH` robust
 * spreads, evaluated on a grid of 1/8 bandwidth (ties: the lower). Steadier than the half-sample mode, which moved
 * by 0.018 between two samples of the same library's pairs; this one by 0.0007.
 */
export function densityMode(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const middle = sorted[n >> 1];
  const deviations = Float64Array.from(sorted, (v) => Math.abs(v - middle)).sort();
  const h = MODE_BANDWIDTH * 1.4826 * deviations[n >> 1];
  if (!(h > 0)) return middle;
  const bin = h / 8;
  const low = sorted[0];
  const bins = Math.floor((sorted[n - 1] - low) / bin) + 1;
  const histogram = new Float64Array(bins);
  for (const v of sorted) histogram[Math.floor((v - low) / bin)]++;
  const reach = Math.ceil((3 * h) / bin);
  const kernel = Float64Array.from({ length: 2 * reach + 1 }, (_, k) =>
    Math.exp(-0.5 * (((k - reach) * bin) / h) ** 2),
  );
  let best = 0;
  let peak = -1;
  for (let b = 0; b < bins; b++) {
    let density = 0;
    for (let k = Math.max(-reach, -b); k <= reach && b + k < bins; k++) density += histogram[b + k] * kernel[k + reach];
    if (density > peak) {
      peak = density;
      best = b;
    }
  }
  return low + (best + 0.5) * bin;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))];
}

/** Mode, lower-tail spread and impostor share of a sample of pair cosines (any order; sorted in place). */
export function impostorStatistics(cosines: Float64Array, faces: number): MeasuredImpostors {
  const sorted = cosines.sort();
  const mean = densityMode(sorted);
  let below = 0;
  while (below < sorted.length && sorted[below] < mean) below++;
  const shareBelow = sorted.length > 0 ? below / sorted.length : 0;
  // Φ(−1) = 0.1587 of the impostors lie below mean − sd, i.e. 0.3173 of the impostors below the mode
  const spread = mean - quantile(sorted, shareBelow * 0.3173);
  return { mean, spread, faces, pairs: sorted.length, impostorShare: Math.min(1, 2 * shareBelow) };
}

/**
 * Cosines of a deterministic sample of pairs among `rows` of `matrix`, skipping pairs `skip` rejects: all pairs when
 * there are at most `maxPairs`, otherwise each row with a fixed, evenly spread set of partners.
 */
export function samplePairCosines(
  matrix: VectorMatrix,
  rows: ArrayLike<number>,
  skip: (a: number, b: number) => boolean = () => false,
  maxPairs = CALIBRATION_MAX_PAIRS,
): Float64Array {
  const n = rows.length;
  const { data, dim } = matrix;
  const out: number[] = [];
  if ((n * (n - 1)) / 2 <= maxPairs) {
    for (let x = 0; x < n; x++) {
      for (let y = x + 1; y < n; y++) {
        if (!skip(rows[x], rows[y])) out.push(dotAt(data, rows[x] * dim, data, rows[y] * dim, dim));
      }
    }
  } else {
    const partners = Math.max(1, Math.floor(maxPairs / n));
    for (let x = 0; x < n; x++) {
      for (let k = 1; k <= partners; k++) {
        const y = (x + Math.floor((k * (n - 1)) / (partners + 1)) + 1) % n;
        if (y !== x && !skip(rows[x], rows[y])) out.push(dotAt(data, rows[x] * dim, data, rows[y] * dim, dim));
      }
    }
  }
  return Float64Array.from(out);
}

/** Impostor statistics of a library from its clear faces (rows where `include` is 1; L2-normalised). */
export function libraryImpostors(faces: VectorMatrix, include: Uint8Array): MeasuredImpostors {
  const rows: number[] = [];
  for (let i = 0; i < faces.count; i++) if (include[i]) rows.push(i);
  return impostorStatistics(samplePairCosines(faces, rows), rows.length);
}

/** Impostor statistics from pairs of atoms of different owners (a gallery's exemplars of different people). */
export function galleryImpostors(atoms: VectorMatrix, owner: Int32Array): MeasuredImpostors {
  const rows = Array.from({ length: atoms.count }, (_, i) => i);
  return impostorStatistics(
    samplePairCosines(atoms, rows, (a, b) => owner[a] === owner[b]),
    atoms.count,
  );
}

/**
 * Thresholds of the reference model, mapped to one library's model. A bar a face or a cluster must clear is never
 * lowered below its reference value: calibration raises it for a model whose impostors sit higher or spread wider,
 * and keeps the level validated on the reference for one whose impostors spread narrower. The impostors' core does
 * not tell how heavy their tail of look-alikes is: bench:cluster's synthetic model (core sd 0.067, yet a pair of
 * different people at 0.47 in 20,000) merged 8 of its 200 people into others when its thresholds followed the core
 * down, and none at the reference levels.
 */
export class Calibration {
  /** The identity: every threshold its constant. */
  static readonly reference = new Calibration(REFERENCE_LIBRARY_IMPOSTORS, REFERENCE_LIBRARY_IMPOSTORS);

  /** `impostors`: this library's, by the estimate that measured `reference` on the reference model. */
  constructor(
    readonly impostors: ImpostorStatistics,
    readonly reference: ImpostorStatistics,
  ) {}

  /** Impostor spreads per reference cosine unit. */
  private get scale(): number {
    return this.impostors.spread / this.reference.spread;
  }

  /** The cosine that lies where `referenceCosine` lies for the reference model, with no floor. */
  mapped(referenceCosine: number): number {
    return this.impostors.mean + (referenceCosine - this.reference.mean) * this.scale;
  }

  /** A bar to clear: the mapped cosine, never below the reference's. */
  cosine(referenceCosine: number): number {
    return Math.max(referenceCosine, this.mapped(referenceCosine));
  }

  /** A distance bar (1 − cos): the mapped distance, never above the reference's. */
  distance(referenceDistance: number): number {
    return 1 - this.cosine(1 - referenceDistance);
  }
}

/**
 * The calibration a measurement supports: the measured statistics pulled towards the reference by a prior worth
 * `CALIBRATION_PRIOR_FACES` faces, then shrunk towards it by the measurement's own noise (`CALIBRATION_MEAN_NOISE`,
 * `CALIBRATION_SPREAD_NOISE`: a difference within the noise is no difference, a larger one counts beyond it, so the
 * mapping stays continuous); the reference itself when the sample is empty or its impostor share implausible.
 */
export function calibrate(measured: MeasuredImpostors | null, reference: ImpostorStatistics): Calibration {
  if (
    measured === null ||
    measured.pairs === 0 ||
    !(measured.spread > 0) ||
    measured.impostorShare < CALIBRATION_MIN_IMPOSTOR_SHARE
  ) {
    return new Calibration(reference, reference);
  }
  const w = measured.faces / (measured.faces + CALIBRATION_PRIOR_FACES);
  const blend = (m: number, r: number) => w * m + (1 - w) * r;
  const beyond = (difference: number, noise: number) =>
    Math.sign(difference) * Math.max(0, Math.abs(difference) - noise);
  const mean = reference.mean + beyond(blend(measured.mean, reference.mean) - reference.mean, CALIBRATION_MEAN_NOISE);
  const ratio = blend(measured.spread, reference.spread) / reference.spread - 1;
  return new Calibration({ mean, spread: reference.spread * (1 + beyond(ratio, CALIBRATION_SPREAD_NOISE)) }, reference);
}
