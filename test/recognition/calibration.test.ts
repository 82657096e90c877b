import { describe, expect, it } from 'vitest';
import {
  calibrate,
  Calibration,
  CALIBRATION_MEAN_NOISE,
  densityMode,
  galleryImpostors,
  impostorStatistics,
  REFERENCE_LIBRARY_IMPOSTORS,
} from '../../src/recognition/calibration.js';
import { bcubed } from '../../src/recognition/metrics.js';
import { vectorObservation } from '../../src/recognition/observations.js';
import { recognise, type RecognitionOptions } from '../../src/recognition/recognise.js';
import { matrixFromRows, normaliseInPlace, row, type VectorMatrix } from '../../src/recognition/vectors.js';
import { gaussian, mulberry32, syntheticIdentities } from './helpers.js';

/** `n` draws of N(mean, sd), seeded. */
function draws(n: number, mean: number, sd: number, seed: number): number[] {
  const normal = gaussian(mulberry32(seed));
  return Array.from({ length: n }, () => mean + sd * normal());
}

describe('impostor statistics without labels', () => {
  it('finds the impostor bump under a large bump of genuine pairs', () => {
    // 70 % impostors N(0.01, 0.1), 30 % genuine N(0.6, 0.15): the median (0.10) and MAD would be far off
    const sample = Float64Array.from([...draws(70_000, 0.01, 0.1, 1), ...draws(30_000, 0.6, 0.15, 2)]);
    const s = impostorStatistics(sample, 1000);
    expect(s.mean).toBeCloseTo(0.01, 1);
    expect(Math.abs(s.mean - 0.01)).toBeLessThan(0.01);
    expect(Math.abs(s.spread - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(s.impostorShare - 0.7)).toBeLessThan(0.05);
  });

  it('takes the mode of a skewed sample, not its mean', () => {
    const sorted = Float64Array.from(draws(20_000, 0, 1, 3).map((x) => Math.exp(0.5 * x))).sort();
    // log-normal(0, 0.5): mode e^(−0.25) ≈ 0.78, mean e^(0.125) ≈ 1.13
    expect(Math.abs(densityMode(sorted) - Math.exp(-0.25))).toBeLessThan(0.05);
  });

  it('pairs exemplars of different people only', () => {
    // two people: (1,0),(1,0) and (0,1): same-person pairs (cos 1) are skipped, so every pair scores 0
    const atoms = matrixFromRows([Float32Array.from([1, 0]), Float32Array.from([1, 0]), Float32Array.from([0, 1])]);
    const s = galleryImpostors(atoms, Int32Array.from([0, 0, 1]));
    expect(s.pairs).toBe(2);
    expect(s.mean).toBe(0);
  });
});

describe('Calibration maps thresholds through the impostor distribution', () => {
  it('is the identity for the reference model', () => {
    const c = calibrate(null, REFERENCE_LIBRARY_IMPOSTORS);
    expect(c.cosine(0.4)).toBeCloseTo(0.4, 12);
    expect(c.distance(0.6)).toBeCloseTo(0.6, 12);
  });

  it('follows an affine change of the cosines, and never lowers a bar below the reference', () => {
    // a model whose cosines are 0.5·cos + 0.3 of the reference's
    const ref = REFERENCE_LIBRARY_IMPOSTORS;
    const c = new Calibration({ mean: 0.5 * ref.mean + 0.3, spread: 0.5 * ref.spread }, ref);
    expect(c.cosine(0.4)).toBeCloseTo(0.5 * 0.4 + 0.3, 12);
    expect(c.distance(0.6)).toBeCloseTo(1 - (0.5 * 0.4 + 0.3), 12);
    // above cos 0.6 the mapped level (0.5·cos + 0.3) falls below the reference one: the bar stays
    expect(c.mapped(0.8)).toBeCloseTo(0.7, 12);
    expect(c.cosine(0.8)).toBe(0.8);
    // a narrower model: mapped down, kept at the reference
    const narrow = new Calibration({ mean: ref.mean, spread: 0.7 * ref.spread }, ref);
    expect(narrow.mapped(0.5)).toBeLessThan(0.5);
    expect(narrow.cosine(0.5)).toBe(0.5);
  });

  it('pulls a small library towards the reference, and ignores one that is mostly one person', () => {
    const ref = REFERENCE_LIBRARY_IMPOSTORS;
    // 20 faces weigh half against the prior; then the estimate's noise (0.01) is taken off the difference
    const small = calibrate({ mean: 0.2, spread: 0.2, faces: 20, pairs: 190, impostorShare: 0.9 }, ref);
    expect(small.impostors.mean).toBeCloseTo((0.2 + ref.mean) / 2 - CALIBRATION_MEAN_NOISE, 12);
    const large = calibrate({ mean: 0.2, spread: 0.2, faces: 100_000, pairs: 200_000, impostorShare: 0.9 }, ref);
    expect(large.impostors.mean).toBeCloseTo(0.2 - CALIBRATION_MEAN_NOISE, 3);
    const onePerson = calibrate({ mean: 0.6, spread: 0.1, faces: 5000, pairs: 200_000, impostorShare: 0.2 }, ref);
    expect(onePerson.impostors).toEqual(ref);
  });

  it('keeps the reference for a library of the same model, whose estimate wanders within its noise', () => {
    const ref = REFERENCE_LIBRARY_IMPOSTORS;
    const same = { mean: ref.mean - 0.006, spread: ref.spread * 0.98, faces: 3000, pairs: 200_000, impostorShare: 1 };
    expect(calibrate(same, ref).impostors).toEqual(ref);
    // just beyond the band the mapping moves continuously from the reference
    const beyond = calibrate({ ...same, mean: ref.mean + (CALIBRATION_MEAN_NOISE + 0.001) / (3000 / 3020) }, ref);
    expect(beyond.impostors.mean - ref.mean).toBeCloseTo(0.001, 6);
  });
});

/** Appends `extra` to every row and normalises it: cosines become (cos + extra·extra') / (1 + |extra|²). */
function withExtra(vectors: VectorMatrix, extra: (i: number) => number[]): VectorMatrix {
  return matrixFromRows(
    Array.from({ length: vectors.count }, (_, i) =>
      normaliseInPlace(Float32Array.from([...row(vectors, i), ...extra(i)])),
    ),
  );
}

/** BCubed of the whole recognition (full mode) over every face; unassigned faces are singletons. */
function recogniseAll(vectors: VectorMatrix, truth: Int32Array, options: Partial<RecognitionOptions> = {}) {
  const observations = Array.from({ length: vectors.count }, (_, i) => ({
    id: i + 1,
    image: i,
    moment: -1,
    personId: null,
    assignedBy: null,
    observation: vectorObservation('synthetic', row(vectors, i), true),
  }));
  const result = recognise(
    { observations, people: [], mustLink: [], cannotLink: [], rejected: [] },
    { mode: 'full', ...options },
  );
  const people = new Map(result.people.map((p, k) => [p.id, k]));
  const labels = Int32Array.from(result.assignments, (a) => (a.personId === null ? -1 : people.get(a.personId)!));
  return bcubed(labels, truth);
}

describe('one precision target on four embedding distributions, no constant touched', () => {
  // 40 people × 12 faces in 64-D, look-alike pairs (centres at cos 0.5): impostor cosines N(0, 0.125), wider than
  // the reference model's 0.092, so calibration matters on the original vectors already
  const { vectors, truth } = syntheticIdentities({
    seed: 7,
    identities: 40,
    perIdentity: 12,
    dim: 64,
    sigma: 0.5,
    tau: 0.5,
    sessions: 2,
    siblingCos: 0.5,
  });
  // every cosine becomes (cos + b²) / (1 + b²): impostors move from 0 to 0.2 (b = 0.5) or 0.39 (b = 0.8)
  const shifted = withExtra(vectors, () => [0.5]);
  const shiftedFar = withExtra(vectors, () => [0.8]);
  // a blurred model: independent noise in 16 extra dimensions, cosines shrink to ≈ cos / 1.36 and blur
  const normal = gaussian(mulberry32(11));
  const blurred = withExtra(vectors, () => Array.from({ length: 16 }, () => (0.6 * normal()) / 4));
  const original = recogniseAll(vectors, truth);

  it('keeps precision >= 0.99 on the original, shifted and blurred vectors', () => {
    expect(original.f).toBeGreaterThanOrEqual(0.95);
    for (const v of [shifted, shiftedFar, blurred]) {
      const b = recogniseAll(v, truth);
      expect(b.precision).toBeGreaterThanOrEqual(0.99);
      expect(b.recall).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('decides the shifted vectors as it decides the original ones', () => {
    expect(Math.abs(recogniseAll(shifted, truth).f - original.f)).toBeLessThan(0.02);
    expect(Math.abs(recogniseAll(shiftedFar, truth).f - original.f)).toBeLessThan(0.02);
  });

  it('the check can fail: with the reference constants the shifted vectors merge look-alikes', () => {
    expect(recogniseAll(shifted, truth, { calibrate: false }).precision).toBeLessThan(0.9);
  });
});
