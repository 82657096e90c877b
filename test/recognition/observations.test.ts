import { describe, expect, it } from 'vitest';
import { observationSet, vectorObservation } from '../../src/recognition/observations.js';

/** 3 rows of 2 floats, 1..6, in a SharedArrayBuffer. */
function sharedRows(): Float32Array {
  const data = new Float32Array(new SharedArrayBuffer(3 * 2 * 4));
  for (let x = 0; x < 6; x++) data[x] = x + 1;
  return data;
}

const placed = (vectors: Float32Array[]) =>
  vectors.map((v, i) => ({ observation: vectorObservation('m', v, true), image: i, moment: -1 }));

describe('observationSet face rows', () => {
  it('uses a shared buffer of consecutive rows as the face matrix, without a copy', () => {
    const data = sharedRows();
    const set = observationSet(placed([0, 1, 2].map((i) => data.subarray(i * 2, i * 2 + 2))));
    expect(set.faces.data.buffer).toBe(data.buffer);
    expect(Array.from(set.faces.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('copies rows that are not consecutive views of one shared buffer', () => {
    const data = sharedRows();
    const swapped = observationSet(placed([1, 0, 2].map((i) => data.subarray(i * 2, i * 2 + 2))));
    expect(swapped.faces.data.buffer).not.toBe(data.buffer);
    expect(Array.from(swapped.faces.data)).toEqual([3, 4, 1, 2, 5, 6]);
    const plain = observationSet(placed([Float32Array.of(1, 0), Float32Array.of(0, 1)]));
    expect(Array.from(plain.faces.data)).toEqual([1, 0, 0, 1]);
  });
});

describe('observationSet face rows with body-only observations', () => {
  it('keeps a shared buffer whose rows without a face are unread slots', () => {
    const data = new Float32Array(new SharedArrayBuffer(3 * 2 * 4));
    data.set([0, 0, 0.6, 0.8, 1, 0]);
    const items = [
      { observation: {}, image: 0, moment: -1 },
      ...placed([data.subarray(2, 4), data.subarray(4, 6)]).map((p, i) => ({ ...p, image: i + 1 })),
    ];
    const set = observationSet(items);
    expect(set.faces.data.buffer).toBe(data.buffer);
    expect(Array.from(set.hasFace)).toEqual([0, 1, 1]);
  });
});
