/** Verification over all pairs of labelled faces (genuine = same identity). */

import type { SimilarityMatrix } from '../../recognition/baselines/similarity.js';
import { bestAccuracyThreshold, rocAuc, tarAtFar } from '../../recognition/metrics.js';
import type { VerificationReport } from './types.js';

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Over the pairs of `faces` (indices into the similarity matrix); null without a genuine or an impostor pair. */
export function verification(sim: SimilarityMatrix, faces: Int32Array, truth: Int32Array): VerificationReport | null {
  const n = faces.length;
  let genuineCount = 0;
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (truth[faces[a]] === truth[faces[b]]) genuineCount++;
  const pairs = (n * (n - 1)) / 2;
  if (genuineCount === 0 || genuineCount === pairs) return null;
  const genuine = new Float64Array(genuineCount);
  const impostor = new Float64Array(pairs - genuineCount);
  let g = 0;
  let im = 0;
  for (let a = 0; a < n; a++) {
    const o = faces[a] * sim.count;
    for (let b = a + 1; b < n; b++) {
      const s = sim.data[o + faces[b]];
      if (truth[faces[a]] === truth[faces[b]]) genuine[g++] = s;
      else impostor[im++] = s;
    }
  }
  const best = bestAccuracyThreshold(genuine, impostor);
  return {
    genuinePairs: genuine.length,
    impostorPairs: impostor.length,
    auc: rocAuc(genuine, impostor),
    tarAtFar: [1e-2, 1e-3].map((targetFar) => {
      const p = tarAtFar(genuine, impostor, targetFar);
      return { targetFar, tar: p.tar, far: p.far, threshold: finiteOrNull(p.threshold) };
    }),
    bestAccuracy: { threshold: finiteOrNull(best.threshold), accuracy: best.accuracy },
  };
}
