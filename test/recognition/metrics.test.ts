import { describe, expect, it } from 'vitest';
import {
  bcubed,
  bestAccuracyThreshold,
  clusteringScores,
  normalizedMutualInformation,
  openSetScores,
  pairwise,
  rocAuc,
  tarAtFar,
  tarAtThreshold,
} from '../../src/recognition/metrics.js';

const L = (xs: number[]): Int32Array => Int32Array.from(xs);

describe('verification metrics', () => {
  it('AUC counts pairs, ties as one half', () => {
    // 0.9 and 0.8 beat all three impostors; 0.4 beats 0.1 and 0.2 but not 0.5: 8 of 9.
    expect(rocAuc([0.9, 0.8, 0.4], [0.1, 0.5, 0.2])).toBeCloseTo(8 / 9, 12);
    expect(rocAuc([0.5], [0.5, 0.2])).toBe(0.75);
    expect(rocAuc([0.5, 0.5], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([2, 3], [0, 1])).toBe(1);
    expect(rocAuc([0, 1], [2, 3])).toBe(0);
  });

  it('rejects empty or NaN score lists', () => {
    expect(() => rocAuc([], [1])).toThrow(RangeError);
    expect(() => rocAuc([NaN], [1])).toThrow(RangeError);
  });

  it('TAR at FAR picks the lowest threshold whose FAR fits', () => {
    const impostor = Array.from({ length: 10 }, (_, i) => i / 10); // 0.0 … 0.9
    const genuine = [0.95, 0.85, 0.75, 0.5];
    expect(tarAtFar(genuine, impostor, 0.1)).toEqual({ threshold: 0.8, tar: 0.5, far: 0.1 });
    expect(tarAtFar(genuine, impostor, 0.05)).toEqual({ threshold: 0.9, tar: 0.25, far: 0 });
    expect(tarAtFar(genuine, impostor, 0.3)).toEqual({ threshold: 0.6, tar: 0.75, far: 0.3 });
    expect(tarAtFar(genuine, impostor, 1)).toEqual({ threshold: -Infinity, tar: 1, far: 1 });
    // 1e-3 of 1000 impostors allows exactly one false accept.
    const many = Array.from({ length: 1000 }, (_, i) => i);
    expect(tarAtFar([998.5, 999.5], many, 1e-3)).toEqual({ threshold: 998, tar: 1, far: 0.001 });
  });

  it('TAR and FAR at a fixed threshold accept strictly above it', () => {
    expect(tarAtThreshold([0.5, 0.6], [0.5, 0.1], 0.5)).toEqual({ threshold: 0.5, tar: 0.5, far: 0 });
  });

  it('best-accuracy threshold is the first best cut, reported as a midpoint', () => {
    // Cuts: 0.2 → 5/6 correct (first best), 0.5 → 5/6 too.
    const best = bestAccuracyThreshold([0.9, 0.8, 0.4], [0.1, 0.5, 0.2]);
    expect(best.accuracy).toBeCloseTo(5 / 6, 12);
    expect(best.threshold).toBeCloseTo(0.3, 12);
    // Accept-all (−∞) and reject-all (cut 4) tie at 2/4; the first (lowest) wins.
    expect(bestAccuracyThreshold([1, 2], [3, 4])).toEqual({ threshold: -Infinity, accuracy: 0.5 });
    // Reject-all as the only best cut: the threshold is the highest score itself.
    expect(bestAccuracyThreshold([1], [3, 4])).toEqual({ threshold: 4, accuracy: 2 / 3 });
    expect(bestAccuracyThreshold([3, 4], [1, 2])).toEqual({ threshold: 2.5, accuracy: 1 });
  });
});

describe('clustering metrics', () => {
  // Predicted {0,1} {2,3} and an unassigned 4; true {0,1,2} {3,4}.
  const predicted = L([0, 0, 1, 1, -1]);
  const truth = L([0, 0, 0, 1, 1]);

  it('BCubed by hand', () => {
    const b = bcubed(predicted, truth);
    expect(b.precision).toBeCloseTo(4 / 5, 12); // 1, 1, 1/2, 1/2, 1
    expect(b.recall).toBeCloseTo(8 / 15, 12); // 2/3, 2/3, 1/3, 1/2, 1/2
    expect(b.f).toBeCloseTo(0.64, 12);
  });

  it('pairwise by hand', () => {
    // Predicted pairs (0,1) ✓ (2,3) ✗; true pairs: 3 + 1.
    const p = pairwise(predicted, truth);
    expect(p.precision).toBe(0.5);
    expect(p.recall).toBe(0.25);
    expect(p.f).toBeCloseTo(1 / 3, 12);
  });

  it('unassigned observations are singletons: no precision cost, a recall cost', () => {
    const none = L([-1, -1, -1]);
    const t = L([0, 0, 1]);
    expect(bcubed(none, t)).toEqual({ precision: 1, recall: 2 / 3, f: 0.8 });
    expect(pairwise(none, t)).toEqual({ precision: 1, recall: 0, f: 0 });
    // Label names do not matter.
    expect(bcubed(L([7, 7, 3]), t)).toEqual({ precision: 1, recall: 1, f: 1 });
  });

  it('NMI is 1 for equal partitions and 0 for independent ones', () => {
    expect(normalizedMutualInformation(L([0, 0, 1, 1]), L([5, 5, 7, 7]))).toBeCloseTo(1, 12);
    expect(normalizedMutualInformation(L([0, 0, 1, 1]), L([0, 1, 0, 1]))).toBeCloseTo(0, 12);
  });

  it('counts clusters, singletons, unassigned, identities and strangers', () => {
    const s = clusteringScores(L([0, 0, 1, 2, -1, -1]), L([0, 0, 1, 1, -1, 2]));
    expect(s).toMatchObject({ clusters: 3, singletonClusters: 2, unassigned: 2, identities: 3, strangers: 1 });
    expect(s.bcubed).toEqual(bcubed(L([0, 0, 1, 2, -1, -1]), L([0, 0, 1, 1, -1, 2])));
  });

  it('rejects label arrays of different lengths', () => {
    expect(() => bcubed(L([0]), L([0, 1]))).toThrow(RangeError);
  });
});

describe('open-set metrics', () => {
  it('by hand', () => {
    const s = openSetScores(L([0, 1, -1, 2, -1, 0]), L([0, 0, 1, -1, -1, 0]));
    expect(s).toEqual({
      queries: 6,
      known: 4,
      unseen: 2,
      assigned: 4,
      correct: 2,
      precision: 0.5,
      recall: 0.5,
      unknownRate: 2 / 6,
      unseenRejectionRate: 0.5,
    });
  });

  it('vacuous ratios are 1', () => {
    const s = openSetScores(L([-1, -1]), L([-1, -1]));
    expect(s.precision).toBe(1);
    expect(s.recall).toBe(1);
    expect(s.unknownRate).toBe(1);
    expect(s.unseenRejectionRate).toBe(1);
  });
});
