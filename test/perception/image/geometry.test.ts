import { describe, expect, it } from 'vitest';
import { clipBox, iou, nms } from '../../../src/perception/image/geometry.js';
import type { Box } from '../../../src/types.js';

describe('iou', () => {
  it('is 1 for identical boxes, 0 for disjoint, and exact for a half overlap', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    // intersection 50, union 150
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 12);
  });
});

describe('nms', () => {
  it('keeps the best of overlapping boxes and every separate box, best first', () => {
    const boxes: Box[] = [
      [0, 0, 10, 10],
      [1, 1, 11, 11],
      [50, 50, 60, 60],
      [0, 0, 10, 9],
    ];
    expect(nms(boxes, [0.8, 0.9, 0.5, 0.85], 0.3)).toEqual([1, 2]);
  });

  it('breaks equal scores by the lower index', () => {
    expect(
      nms(
        [
          [0, 0, 10, 10],
          [0, 0, 10, 10],
        ],
        [0.5, 0.5],
        0.3,
      ),
    ).toEqual([0]);
  });

  it('keeps boxes whose overlap equals the threshold', () => {
    expect(
      nms(
        [
          [0, 0, 10, 10],
          [5, 0, 15, 10],
        ],
        [0.9, 0.8],
        1 / 3,
      ),
    ).toEqual([0, 1]);
  });
});

describe('clipBox', () => {
  it('clips to the image', () => {
    expect(clipBox([-5, -1, 120, 30], 100, 20)).toEqual([0, 0, 100, 20]);
  });
});
