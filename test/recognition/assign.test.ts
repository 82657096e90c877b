import { describe, expect, it } from 'vitest';
import { assignNearest } from '../../src/recognition/assign-nearest.js';
import {
  assignSparse,
  lassoCoordinateDescent,
  SPARSE_LAMBDA,
  SPARSE_MAX_RESIDUAL,
  softThresholdCode,
} from '../../src/recognition/assign-sparse.js';
import type { ExemplarDictionary } from '../../src/recognition/gallery.js';
import { bruteForceSearch } from '../../src/recognition/neighbours.js';
import { matrixFromRows, normalise } from '../../src/recognition/vectors.js';
import { basis } from './helpers.js';

const D = 8;
const v = (xs: number[]): Float32Array =>
  normalise(Float32Array.from([...xs, ...new Array<number>(D - xs.length).fill(0)]));

/** Three people: 0 around e0, 1 around e1, 2 around e2; two exemplars each. */
const dictionary: ExemplarDictionary = {
  atoms: matrixFromRows([
    v([1, 0, 0, 0.2]),
    v([1, 0, 0, -0.2]),
    v([0, 1, 0, 0.2]),
    v([0, 1, 0, -0.2]),
    v([0, 0, 1, 0.2]),
    v([0, 0, 1, -0.2]),
  ]),
  owner: Int32Array.from([0, 0, 1, 1, 2, 2]),
  identityCount: 3,
};

describe('lassoCoordinateDescent', () => {
  it('matches the closed form on orthogonal atoms: x = max(0, c − λ)', () => {
    const atoms = matrixFromRows([basis(3, 0), basis(3, 1), basis(3, 2)]);
    const y = Float32Array.from([0.8, 0.6, 0]);
    const x = lassoCoordinateDescent(y, atoms, Int32Array.from([0, 1, 2]), { lambda: 0.1 });
    expect(x[0]).toBeCloseTo(0.7, 6);
    expect(x[1]).toBeCloseTo(0.5, 6);
    expect(x[2]).toBe(0);
  });

  it('keeps negative weights only when allowed', () => {
    const atoms = matrixFromRows([basis(2, 0), basis(2, 1)]);
    const y = Float32Array.from([0.6, -0.8]);
    const nonNeg = lassoCoordinateDescent(y, atoms, Int32Array.from([0, 1]), { lambda: 0.1 });
    expect(Array.from(nonNeg).map((c) => +c.toFixed(6))).toEqual([0.5, 0]);
    const signed = lassoCoordinateDescent(y, atoms, Int32Array.from([0, 1]), { lambda: 0.1, nonNegative: false });
    expect(signed[1]).toBeCloseTo(-0.7, 6);
  });

  it('shares weight between correlated atoms and solves the optimality conditions', () => {
    const atoms = matrixFromRows([v([1, 0.3]), v([1, -0.3]), v([0, 1])]);
    const y = v([1, 0.1]);
    const cand = Int32Array.from([0, 1, 2]);
    const lambda = 0.05;
    const x = lassoCoordinateDescent(y, atoms, cand, { lambda, tolerance: 1e-12, maxSweeps: 10_000 });
    // KKT: for active atoms dᵀ(y − Dx) = λ; for inactive ones it is <= λ.
    const dim = atoms.dim;
    for (let p = 0; p < 3; p++) {
      let g = 0;
      for (let t = 0; t < dim; t++) {
        let r = y[t];
        for (let q = 0; q < 3; q++) r -= x[q] * atoms.data[q * dim + t];
        g += atoms.data[p * dim + t] * r;
      }
      if (x[p] > 0) expect(g).toBeCloseTo(lambda, 6);
      else expect(g).toBeLessThanOrEqual(lambda + 1e-9);
    }
    expect(x[0]).toBeGreaterThan(x[1]);
    expect(x[1]).toBeGreaterThan(0);
  });
});

describe('softThresholdCode', () => {
  it('is max(0, cos − α)', () => {
    const atoms = matrixFromRows([basis(2, 0), basis(2, 1)]);
    const code = softThresholdCode(Float32Array.from([0.8, 0.2]), atoms, Int32Array.from([0, 1]), 0.3);
    expect(code[0]).toBeCloseTo(0.5, 6);
    expect(code[1]).toBe(0);
  });
});

describe('assignSparse', () => {
  it('with excluded people codes as over the dictionary without their atoms, with or without a search', () => {
    const y = v([0.9, 0.7, 0.1, 0.1]);
    const without: ExemplarDictionary = {
      atoms: matrixFromRows([v([0, 1, 0, 0.2]), v([0, 1, 0, -0.2]), v([0, 0, 1, 0.2]), v([0, 0, 1, -0.2])]),
      owner: Int32Array.from([0, 0, 1, 1]),
      identityCount: 2,
    };
    const reference = assignSparse(y, without);
    expect(assignSparse(y, dictionary).identity).not.toBe(1); // person 0 takes energy from person 1
    expect(reference.identity).toBe(0); // person 1 of the full dictionary
    for (const options of [{}, { search: bruteForceSearch(dictionary.atoms), candidates: 4 }]) {
      const r = assignSparse(y, dictionary, { ...options, excluded: new Set([0]) });
      expect(r.identity).toBe(1);
      expect(Array.from(r.atoms)).toEqual([2, 3, 4, 5]);
      expect(Array.from(r.coefficients)).toEqual(Array.from(reference.coefficients));
      expect(r.energyShare).toBe(reference.energyShare);
      expect(r.residual).toBe(reference.residual);
    }
  });

  it('picks the right person', () => {
    const r = assignSparse(v([0.2, 1, 0, 0.1]), dictionary);
    expect(r.identity).toBe(1);
    expect(r.reason).toBe('assigned');
    expect(r.energyShare).toBeGreaterThan(0.8);
    expect(r.residual).toBeLessThan(SPARSE_MAX_RESIDUAL);
  });

  it('residual of a single exemplar at cos c is √(1 − c² + λ²)', () => {
    const one: ExemplarDictionary = {
      atoms: matrixFromRows([basis(2, 0)]),
      owner: Int32Array.from([0]),
      identityCount: 1,
    };
    const r = assignSparse(Float32Array.from([0.8, 0.6]), one);
    expect(r.coefficients[0]).toBeCloseTo(0.8 - SPARSE_LAMBDA, 6);
    expect(r.residual).toBeCloseTo(Math.sqrt(1 - 0.64 + SPARSE_LAMBDA ** 2), 6);
    expect(r.identity).toBe(0);
    // At cos 0.45 the residual is too large.
    const far = assignSparse(Float32Array.from([0.45, Math.sqrt(1 - 0.45 ** 2)]), one);
    expect(far.identity).toBeNull();
    expect(far.reason).toBe('high-residual');
  });

  it('returns unknown for an out-of-gallery face', () => {
    const r = assignSparse(basis(D, 6), dictionary);
    expect(r.identity).toBeNull();
    expect(r.reason).toBe('no-energy');
    const weak = assignSparse(v([0.3, 0, 0, 0, 0, 1]), dictionary);
    expect(weak.identity).toBeNull();
    expect(weak.best).toBe(0);
    expect(weak.reason).toBe('high-residual');
  });

  it('returns unknown when two people share the energy', () => {
    const r = assignSparse(v([1, 1]), dictionary);
    expect(r.identity).toBeNull();
    expect(['low-share', 'low-margin']).toContain(r.reason);
    const lean = assignSparse(v([1, 0.75]), dictionary);
    expect(lean.identity).toBeNull();
    expect(lean.reason).toBe('low-margin');
  });

  it('gives the same answer through a search provider, and with the soft-threshold encoder', () => {
    const y = v([0.1, 0.2, 1, -0.1]);
    const exact = assignSparse(y, dictionary);
    const viaSearch = assignSparse(y, dictionary, { search: bruteForceSearch(dictionary.atoms), candidates: 4 });
    expect(viaSearch.identity).toBe(2);
    expect(viaSearch.identity).toBe(exact.identity);
    // Cosines: atoms 4, 5 ≈ 0.96; atom 3 ≈ 0.21, atom 2 ≈ 0.17; atoms 0, 1 ≈ 0.1 are left out.
    expect(Array.from(viaSearch.atoms)).toEqual([2, 3, 4, 5]);
    const soft = assignSparse(y, dictionary, { encoder: 'soft-threshold' });
    expect(soft.identity).toBe(2);
    expect(assignSparse(basis(D, 6), dictionary, { encoder: 'soft-threshold' }).identity).toBeNull();
  });
});

describe('assignNearest', () => {
  it('assigns above the cosine threshold and margin, else unknown', () => {
    expect(assignNearest(v([0.2, 1, 0, 0.1]), dictionary)).toMatchObject({ identity: 1, best: 1, atom: 2 });
    const out = assignNearest(basis(D, 6), dictionary);
    expect(out.identity).toBeNull();
    expect(out.similarity).toBeCloseTo(0, 6);
    expect(assignNearest(v([1, 1]), dictionary).identity).toBeNull(); // margin 0
    expect(assignNearest(v([1, 0.9]), dictionary, { minMargin: 0 }).identity).toBe(0);
    expect(assignNearest(v([1, 0, 0, 0, 0, 2]), dictionary).identity).toBeNull(); // cos ≈ 0.44
  });
});
