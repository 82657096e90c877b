import { describe, expect, it } from 'vitest';
import { iou, pairSameObservations, type BoxedObservation } from '../../src/store/same-observation.js';

const face = (id: number, x: number, side = 100): BoxedObservation => ({
  id,
  kind: 'face',
  box: [x, 0, x + side, side],
});

describe('pairSameObservations', () => {
  it('pairs the same face of two analyses at IoU ≥ 0.5, and nothing below', () => {
    // 100×100 boxes shifted by 30: IoU 70/130 = 0.538; by 40: 60/140 = 0.43
    expect(iou(face(1, 0).box, face(2, 30).box)).toBeCloseTo(0.538, 3);
    expect(pairSameObservations([face(1, 0)], [face(2, 30)])).toEqual(new Map([[1, 2]]));
    expect(pairSameObservations([face(1, 0)], [face(2, 40)])).toEqual(new Map());
  });

  it('takes the most overlapping pairs first, each observation at most once', () => {
    // old 1 overlaps new 10 (IoU 0.82) and new 11 (0.54); old 2 overlaps both at 0.82: 1 takes 10 (the tie goes
    // to the earlier), 2 then takes 11, and 1 does not take 11 as well
    const before = [face(1, 0), face(2, 20)];
    const after = [face(10, 10), face(11, 30)];
    expect(pairSameObservations(before, after)).toEqual(
      new Map([
        [1, 10],
        [2, 11],
      ]),
    );
    // the exact match (IoU 1) wins over an earlier close one (0.90)
    const crowded = [face(1, 5), face(2, 0)];
    expect(pairSameObservations(crowded, [face(10, 0)])).toEqual(new Map([[2, 10]]));
  });

  it('pairs a face only with a face, and a faceless body only with a body', () => {
    const body: BoxedObservation = { id: 3, kind: 'body', box: [0, 0, 100, 100] };
    expect(pairSameObservations([body], [face(10, 0)])).toEqual(new Map());
    expect(pairSameObservations([face(1, 0), body], [{ ...body, id: 11 }, face(10, 0)])).toEqual(
      new Map([
        [1, 10],
        [3, 11],
      ]),
    );
  });

  it('breaks a tie by the earlier observation of the first analysis', () => {
    expect(pairSameObservations([face(2, 0), face(1, 0)], [face(10, 0)])).toEqual(new Map([[2, 10]]));
  });
});

describe('pairSameObservations: faces whose boxes moved', () => {
  /** A unit vector in 4-D at `degrees` from the first axis, towards the second (cosine = cos(degrees)). */
  const at = (degrees: number): Float32Array => {
    const r = (degrees * Math.PI) / 180;
    return Float32Array.from([Math.cos(r), Math.sin(r), 0, 0]);
  };
  const seen = (id: number, x: number, degrees: number, model = 'm'): BoxedObservation => ({
    ...face(id, x),
    embedding: { model, vector: at(degrees) },
  });

  it('pairs faces that no longer overlap by their vectors at cosine ≥ 0.8, the closest first', () => {
    // cos 30° = 0.866, cos 40° = 0.766: the photo was cropped, every box moved by 500
    expect(pairSameObservations([seen(1, 0, 0)], [seen(10, 500, 30)])).toEqual(new Map([[1, 10]]));
    expect(pairSameObservations([seen(1, 0, 0)], [seen(10, 500, 40)])).toEqual(new Map());
    // new 10 is closer to old 2 (10°) than to old 1 (20°): 2 takes it, and 1 takes 11 (25° from it)
    expect(pairSameObservations([seen(1, 0, 0), seen(2, 200, 30)], [seen(10, 500, 20), seen(11, 700, -25)])).toEqual(
      new Map([
        [2, 10],
        [1, 11],
      ]),
    );
  });

  it('leaves faces the boxes paired to them, and compares no two models', () => {
    // old 1 and new 10 overlap; new 11 is old 1's twin in vector only: it stays new
    expect(pairSameObservations([seen(1, 0, 0)], [seen(10, 10, 60), seen(11, 500, 0)])).toEqual(new Map([[1, 10]]));
    expect(pairSameObservations([seen(1, 0, 0, 'a')], [seen(10, 500, 0, 'b')])).toEqual(new Map());
    expect(pairSameObservations([seen(1, 0, 0)], [face(10, 500)])).toEqual(new Map());
  });
});
