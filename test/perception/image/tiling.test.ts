import { describe, expect, it } from 'vitest';
import {
  gridSize,
  mergeTileDetections,
  tileRegions,
  type RegionDetection,
} from '../../../src/perception/image/tiling.js';

describe('tile planning', () => {
  it('tiles only photos shrunk more than 2× to fit the detector', () => {
    expect(gridSize(640, 480)).toBe(1);
    expect(gridSize(800, 533)).toBe(2);
    expect(gridSize(1920, 1440)).toBe(3);
  });

  it('covers the image with overlapping tiles', () => {
    const tiles = tileRegions(800, 600, 2, 0.25);
    expect(tiles).toEqual([
      { left: 0, top: 0, width: 458, height: 343 },
      { left: 342, top: 0, width: 458, height: 343 },
      { left: 0, top: 257, width: 458, height: 343 },
      { left: 342, top: 257, width: 458, height: 343 },
    ]);
    expect(tileRegions(800, 600, 1)).toEqual([]);
  });
});

describe('mergeTileDetections', () => {
  const tile = { left: 342, top: 0, width: 458, height: 343 };

  it('keeps one box per face seen by the full frame and a tile', () => {
    const found: RegionDetection[] = [
      { box: [400, 100, 450, 160], score: 0.9, tile: null },
      { box: [401, 101, 451, 161], score: 0.99, tile },
    ];
    expect(mergeTileDetections(found, 800, 600, 0.3)).toEqual([found[1]]);
  });

  it('drops a face cut by an inner tile edge and keeps the whole one', () => {
    const found: RegionDetection[] = [
      { box: [343, 100, 380, 160], score: 0.99, tile }, // touches the tile's left edge, which is inside the image
      { box: [320, 100, 380, 160], score: 0.95, tile: null },
    ];
    expect(mergeTileDetections(found, 800, 600, 0.3)).toEqual([found[1]]);
  });

  it('keeps a face at a tile edge that is also the image edge', () => {
    const found: RegionDetection[] = [{ box: [760, 10, 799, 60], score: 0.99, tile }];
    expect(mergeTileDetections(found, 800, 600, 0.3)).toEqual(found);
  });

  it('suppresses a box nested inside a better one', () => {
    const found: RegionDetection[] = [
      { box: [100, 100, 200, 220], score: 0.99, tile: null },
      { box: [120, 110, 180, 170], score: 0.96, tile: null },
    ];
    expect(mergeTileDetections(found, 800, 600, 0.3)).toEqual([found[0]]);
  });
});
