import { describe, expect, it } from 'vitest';
import {
  gridSize,
  mergeTileDetections,
  planTiles,
  sameFace,
  shrinkToFit,
  tileRegions,
  tilesForHints,
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

describe('which tiles run', () => {
  // 1440×1920, a 1440-px preview: shrink 6 to fit 320×240, a 3×3 grid of 576×768 tiles
  const preview = tileRegions(1440, 1920, 3);
  const policy = { groupFaces: 3, everyTileAbove: 10, refineBelow: 48 };

  it('measures the shrink to fit the detector', () => {
    expect(shrinkToFit(1440, 1920)).toBe(8);
    expect(shrinkToFit(4032, 3024)).toBeCloseTo(12.6, 5);
  });

  it('runs no tile for a photo whose full frame hints at nothing', () => {
    expect(planTiles(1440, 1080, [[600, 300, 800, 560]], [], policy)).toEqual([]);
  });

  it('runs every tile for a group photo, and a 2×2 grid where the photo alone would get none', () => {
    const three: [number, number, number, number][] = [
      [100, 100, 160, 180],
      [300, 100, 360, 180],
      [500, 100, 560, 180],
    ];
    expect(planTiles(1920, 1440, three, [], policy)).toEqual(tileRegions(1920, 1440, 3));
    expect(planTiles(640, 480, three, [], policy)).toEqual(tileRegions(640, 480, 2));
    expect(planTiles(640, 480, three.slice(0, 2), [[10, 10, 20, 20]], policy)).toEqual([]);
  });

  it('runs every tile of a photo shrunk more than everyTileAbove', () => {
    expect(planTiles(4032, 3024, [], [], policy)).toEqual(tileRegions(4032, 3024, 3));
  });

  it('runs the one tile that holds a hint, centred best among those that hold it whole', () => {
    // the tiles start at x 0, 432, 864 (width 576) and y 0, 576, 1152 (height 768)
    expect(preview.map((t) => [t.left, t.top])).toEqual([
      [0, 0],
      [432, 0],
      [864, 0],
      [0, 576],
      [432, 576],
      [864, 576],
      [0, 1152],
      [432, 1152],
      [864, 1152],
    ]);
    // whole inside tiles 0 and 1; tile 1's centre (720, 384) is nearer than tile 0's (288, 384)
    expect(tilesForHints(preview, [[540, 100, 570, 180]])).toEqual([preview[1]]);
    expect(tilesForHints(preview, [[440, 100, 470, 180]])).toEqual([preview[0]]);
    // across the edge of tiles 0 and 3 (y 576–768 overlap) but whole in neither: the one holding more of it
    expect(tilesForHints(preview, [[50, 700, 120, 800]])).toEqual([preview[3]]);
    // two hints in one tile run it once; hints come back in grid order
    expect(
      tilesForHints(preview, [
        [1300, 1800, 1340, 1850],
        [540, 100, 570, 180],
        [545, 120, 565, 160],
      ]),
    ).toEqual([preview[1], preview[8]]);
  });

  it('looks again at a small face in its tile: under refineBelow px tall in the full frame (8 image px each)', () => {
    expect(planTiles(1440, 1920, [[1300, 1500, 1340, 1880]], [], policy)).toEqual([preview[8]]);
    expect(planTiles(1440, 1920, [[1300, 1500, 1340, 1900]], [], policy)).toEqual([]);
  });

  it('plans the hinted tiles for a photo that is no group', () => {
    expect(planTiles(1440, 1920, [[500, 300, 900, 800]], [[1300, 1800, 1340, 1850]], policy)).toEqual([preview[8]]);
  });
});

describe('sameFace', () => {
  it('is overlap above the IoU threshold, or one box mostly inside the other', () => {
    expect(sameFace([0, 0, 10, 10], [1, 1, 11, 11], 0.3)).toBe(true);
    expect(sameFace([0, 0, 100, 100], [10, 10, 30, 30], 0.3)).toBe(true);
    expect(sameFace([0, 0, 10, 10], [8, 8, 18, 18], 0.3)).toBe(false);
    expect(sameFace([0, 0, 10, 10], [5, 5, 5, 5], 0.3)).toBe(false);
  });
});
