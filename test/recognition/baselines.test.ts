import { describe, expect, it } from 'vitest';
import { enteGreedy, enteGreedyOnSimilarity } from '../../src/recognition/baselines/ente-greedy.js';
import { cutDendrogram, hacAverage, hacDendrogram } from '../../src/recognition/baselines/hac-average.js';
import { immichDbscan, immichDbscanOnSimilarity } from '../../src/recognition/baselines/immich-dbscan.js';
import { similarityMatrix, subMatrix } from '../../src/recognition/baselines/similarity.js';
import { matrixFromRows, type VectorMatrix } from '../../src/recognition/vectors.js';
import { angle, gaussian, mulberry32, randomUnit, samePartition } from './helpers.js';

const at = (...degrees: number[]): VectorMatrix => matrixFromRows(degrees.map(angle));

describe('immichDbscan', () => {
  it('core faces found people, deferred faces join, noise stays unassigned', () => {
    // 0: deferred (within 0.5 of 0° only), 1–3: a core group, 4–5: a pair with no core, 6: alone.
    const labels = immichDbscan(at(-58, 0, 5, 10, 150, 155, 240));
    expect(Array.from(labels)).toEqual([0, 0, 0, 0, -1, -1, -1]);
  });

  it('minFaces 1 makes every face core', () => {
    expect(Array.from(immichDbscan(at(0, 5, 150, 240), { minFaces: 1 }))).toEqual([0, 0, 1, 2]);
  });

  it('is order-dependent like Immich: a face takes the person of its nearest assigned match', () => {
    // Two groups around 0° and 60°; 28° and 32° sit between them, 4° apart. Whichever of the two
    // comes first takes its own nearest group (28° → 5°, 32° → 55°), and the other follows it.
    const groups = [-5, 0, 5, 55, 60, 65];
    const first28 = immichDbscan(at(...groups, 28, 32), { maxDistance: 0.3 });
    expect(Array.from(first28)).toEqual([0, 0, 0, 1, 1, 1, 0, 0]);
    const first32 = immichDbscan(at(...groups, 32, 28), { maxDistance: 0.3 });
    expect(Array.from(first32)).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
  });
});

describe('enteGreedy', () => {
  it('joins the most similar earlier face above 0.76, chaining', () => {
    expect(Array.from(enteGreedy(at(0, 30, 65, 200)))).toEqual([0, 0, 0, 1]);
  });

  it('holds bad neighbours to 0.84', () => {
    // 65° is cos 0.819 from 30°: enough for a good face, not for a bad one.
    const badFace = Uint8Array.from([0, 1, 0, 0]);
    expect(Array.from(enteGreedy(at(0, 30, 65, 200), { badFace }))).toEqual([0, 0, 1, 2]);
  });
});

/** Reference average linkage by brute force: merge the closest pair while its mean distance <= t. */
function naiveAverage(m: VectorMatrix, t: number): Int32Array {
  const n = m.count;
  const d = (i: number, j: number): number => {
    let s = 0;
    for (let k = 0; k < m.dim; k++) s += m.data[i * m.dim + k] * m.data[j * m.dim + k];
    return 1 - s;
  };
  let clusters: number[][] = Array.from({ length: n }, (_, i) => [i]);
  for (;;) {
    let best = Infinity;
    let bi = -1;
    let bj = -1;
    for (let a = 0; a < clusters.length; a++) {
      for (let b = a + 1; b < clusters.length; b++) {
        let s = 0;
        for (const i of clusters[a]) for (const j of clusters[b]) s += d(i, j);
        const avg = s / (clusters[a].length * clusters[b].length);
        if (avg < best) {
          best = avg;
          bi = a;
          bj = b;
        }
      }
    }
    if (bi < 0 || best > t) break;
    clusters[bi] = [...clusters[bi], ...clusters[bj]];
    clusters = clusters.filter((_, k) => k !== bj);
  }
  const labels = new Int32Array(n);
  clusters.forEach((c, l) => c.forEach((i) => (labels[i] = l)));
  return labels;
}

describe('hacAverage', () => {
  it('averages instead of chaining', () => {
    // d(0°,45°) = 0.293; then {0°,45°} to 100° averages (1.174 + 0.426) / 2 = 0.80.
    expect(Array.from(hacAverage(at(0, 45, 100), { maxDistance: 0.5 }))).toEqual([0, 0, 1]);
    expect(Array.from(hacAverage(at(0, 10, 20, 100, 110)))).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(hacAverage(at(0)))).toEqual([0]);
  });

  it('matches a brute-force reference on random data', () => {
    const normal = gaussian(mulberry32(11));
    const m = matrixFromRows(Array.from({ length: 30 }, () => randomUnit(4, normal)));
    for (const t of [0.2, 0.5, 0.8, 1.0]) {
      expect(samePartition(hacAverage(m, { maxDistance: t }), naiveAverage(m, t))).toBe(true);
    }
  });
});

describe('the shared similarity matrix', () => {
  it('is symmetric with a unit diagonal, and a subset keeps its pairs', () => {
    const sim = similarityMatrix(at(0, 60, 90));
    expect(sim.count).toBe(3);
    expect(sim.data[0 * 3 + 1]).toBeCloseTo(0.5, 6);
    expect(sim.data[1 * 3 + 0]).toBe(sim.data[0 * 3 + 1]);
    expect([sim.data[0], sim.data[4], sim.data[8]]).toEqual([1, 1, 1]);
    const sub = subMatrix(sim, [2, 0]);
    expect(Array.from(sub.data)).toEqual([1, sim.data[2 * 3 + 0], sim.data[0 * 3 + 2], 1]);
  });

  it('one HAC dendrogram serves every cut', () => {
    const vectors = at(0, 10, 20, 90, 100, 200);
    const merges = hacDendrogram(similarityMatrix(vectors));
    expect(merges).toHaveLength(5);
    for (const t of [0, 0.01, 0.2, 0.5, 1, 2]) {
      expect(Array.from(cutDendrogram(6, merges, t)), `cut ${t}`).toEqual(
        Array.from(hacAverage(vectors, { maxDistance: t })),
      );
    }
    expect(Array.from(cutDendrogram(6, merges, -1))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(cutDendrogram(6, merges, 2))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(cutDendrogram(6, merges, 0.1))).toEqual([0, 0, 0, 1, 1, 2]);
  });

  it('the baselines give the same labels from the matrix as from the vectors', () => {
    const vectors = at(-58, 0, 5, 10, 150, 155, 240, 28, 32);
    const sim = similarityMatrix(vectors);
    expect(immichDbscanOnSimilarity(sim, { maxDistance: 0.3 })).toEqual(immichDbscan(vectors, { maxDistance: 0.3 }));
    expect(enteGreedyOnSimilarity(sim, { minSimilarity: 0.9 })).toEqual(enteGreedy(vectors, { minSimilarity: 0.9 }));
  });
});
