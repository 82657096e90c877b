import type { Box, Embedding, Observation } from '../../src/types.js';

/** A clear, frontal face at `box` (quality and landmarks fixed), with an embedding when given. */
export function clearFace(box: Box, embedding?: Embedding, clear = true): Observation {
  return {
    face: {
      box,
      score: 0.99,
      landmarks: [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
        [9, 10],
      ],
      quality: { clear, score: 0.9, blur: 100, yaw: 0, size: 50 },
      ...(embedding ? { embedding } : {}),
    },
  };
}
