import type { Box } from '../../types.js';
import { boxArea, intersectionArea, iou, nms } from './geometry.js';
import type { Region } from './image-ops.js';

export interface TileOptions {
  /** The detector's input size. */
  inputWidth: number;
  inputHeight: number;
  /** Overlap between neighbouring tiles as a fraction of a tile. */
  overlap: number;
  /** Photos shrunk by more than this to fit the detector get a 2×2 grid, by more than `gridOf3Above` a 3×3 grid. */
  gridOf2Above: number;
  gridOf3Above: number;
}

/**
 * UltraFace-320 finds faces down to about 10 px of its input; a 1440×1920 preview shrinks 6× to fit, so faces under
 * ~60 px vanish. Measured on the docs' team photo: 27 faces full frame, 57 with 2×2 tiles.
 */
export const DEFAULT_TILES: TileOptions = {
  inputWidth: 320,
  inputHeight: 240,
  overlap: 0.25,
  gridOf2Above: 2,
  gridOf3Above: 5,
};

export function gridSize(width: number, height: number, options: TileOptions = DEFAULT_TILES): number {
  const shrink = shrinkToFit(width, height, options);
  return shrink > options.gridOf3Above ? 3 : shrink > options.gridOf2Above ? 2 : 1;
}

function spans(length: number, n: number, overlap: number): { start: number; size: number }[] {
  if (n <= 1) return [{ start: 0, size: length }];
  const size = Math.min(length, Math.ceil(length / (n - (n - 1) * overlap)));
  const stride = (length - size) / (n - 1);
  return Array.from({ length: n }, (_, i) => ({ start: Math.round(i * stride), size }));
}

/** An n×n grid of overlapping tiles covering the image, row by row. Empty for n ≤ 1. */
export function tileRegions(width: number, height: number, n: number, overlap = DEFAULT_TILES.overlap): Region[] {
  if (n <= 1) return [];
  const regions: Region[] = [];
  for (const row of spans(height, n, overlap)) {
    for (const col of spans(width, n, overlap)) {
      regions.push({ left: col.start, top: row.start, width: col.size, height: row.size });
    }
  }
  return regions;
}

export interface RegionDetection {
  box: Box;
  score: number;
  /** The tile it was found in, or null for the full frame. */
  tile: Region | null;
}

/** A box within this fraction of a tile's inner edge may be a cut face; another tile or the full frame sees it whole. */
const EDGE_MARGIN = 0.02;
/** A box mostly inside a better one (a cut face's remainder) is the same face. */
const CONTAINMENT = 0.7;

function touchesInnerEdge(box: Box, tile: Region, width: number, height: number): boolean {
  const mx = tile.width * EDGE_MARGIN;
  const my = tile.height * EDGE_MARGIN;
  const right = tile.left + tile.width;
  const bottom = tile.top + tile.height;
  return (
    (tile.left > 0 && box[0] <= tile.left + mx) ||
    (tile.top > 0 && box[1] <= tile.top + my) ||
    (right < width && box[2] >= right - mx) ||
    (bottom < height && box[3] >= bottom - my)
  );
}

/** Two boxes are one face when they overlap (IoU above `iouThreshold`) or one lies mostly inside the other. */
export function sameFace(a: Box, b: Box, iouThreshold: number): boolean {
  if (iou(a, b) > iouThreshold) return true;
  const smaller = Math.min(boxArea(a), boxArea(b));
  return smaller > 0 && intersectionArea(a, b) / smaller > CONTAINMENT;
}

/**
 * Merges full-frame and tile detections into one list of faces: drops tile boxes cut by an inner tile edge,
 * then keeps the best of each group of boxes that overlap (IoU) or nest (containment).
 */
export function mergeTileDetections(
  detections: readonly RegionDetection[],
  width: number,
  height: number,
  iouThreshold: number,
): RegionDetection[] {
  const whole = detections.filter((d) => d.tile === null || !touchesInnerEdge(d.box, d.tile, width, height));
  const kept = nms(
    whole.map((d) => d.box),
    whole.map((d) => d.score),
    0.5,
    (a, b) => (sameFace(a, b, iouThreshold) ? 1 : 0),
  );
  return kept.map((i) => whole[i]);
}

/** When the detector runs which tiles (see planTiles). */
export interface TilePolicy {
  /** A full frame with at least this many faces is a group photo: every tile runs, for the small faces among them. */
  groupFaces: number;
  /** Photos shrunk more than this to fit the detector run every tile: see DEFAULT_TILE_POLICY. */
  everyTileAbove: number;
  /**
   * A face found smaller than this (its height in the detector's input, px) is looked at again in its tile, which
   * sees it larger and places its box better.
   */
  refineBelow: number;
}

/**
 * Every tile for group photos and for photos so large that faces of a normal size vanish in the full frame; other
 * photos only where the full frame hints at a face it could not confirm, or found a small one.
 *
 * Measured on the 39 fixtures: every face a tile added beside a non-group full frame lay under a full-frame
 * candidate scoring 0.26–0.32 (Pierre Curie, in both Curie files) or was a false positive (a basket, an ear,
 * scored 0.95–0.97 in 1440-px previews); see docs/perception-speed.md for the recall check on 1,100 more photos.
 * The six people/ faces whose box a tile improved were 18–44 px tall in the full frame's input (refineBelow).
 * 12-MP photos (shrink 12.6) tile everything: a face under ~120 px is invisible in their full frame, and decoding
 * such a photo costs more than its nine tiles do.
 */
export const DEFAULT_TILE_POLICY: TilePolicy = { groupFaces: 3, everyTileAbove: 10, refineBelow: 48 };

/** How much a photo shrinks to fit the detector's input. */
export function shrinkToFit(width: number, height: number, options: TileOptions = DEFAULT_TILES): number {
  return Math.max(width / options.inputWidth, height / options.inputHeight);
}

/**
 * For each hint box, the one tile that holds most of it (the tile whose centre is nearest the box's centre among
 * equals, so that the face sits away from the tile's inner edges). Each tile once, in grid order.
 */
export function tilesForHints(regions: readonly Region[], hints: readonly Box[]): Region[] {
  const chosen = new Set<number>();
  for (const hint of hints) {
    let best = -1;
    let bestArea = 0;
    let bestDistance = Infinity;
    regions.forEach((region, i) => {
      const tile: Box = [region.left, region.top, region.left + region.width, region.top + region.height];
      const area = intersectionArea(hint, tile);
      const dx = (hint[0] + hint[2]) / 2 - (tile[0] + tile[2]) / 2;
      const dy = (hint[1] + hint[3]) / 2 - (tile[1] + tile[3]) / 2;
      const distance = Math.hypot(dx, dy);
      // areas within a pixel's rounding are equal: the nearer centre decides
      if (area > bestArea + 1 || (Math.abs(area - bestArea) <= 1 && distance < bestDistance)) {
        best = i;
        bestArea = Math.max(area, bestArea);
        bestDistance = distance;
      }
    });
    if (best >= 0 && bestArea > 0) chosen.add(best);
  }
  return [...chosen].sort((a, b) => a - b).map((i) => regions[i]);
}

/**
 * The tiles to run after the full frame found `faces` and `hints` (candidates below the face threshold that are
 * no found face): every tile of the grid for a group photo or a very large one, else the tiles that hold a hint
 * or a small face.
 */
export function planTiles(
  width: number,
  height: number,
  faces: readonly Box[],
  hints: readonly Box[],
  policy: TilePolicy = DEFAULT_TILE_POLICY,
  options: TileOptions = DEFAULT_TILES,
): Region[] {
  const group = faces.length >= policy.groupFaces;
  let grid = gridSize(width, height, options);
  if (grid === 1 && group) grid = 2;
  const regions = tileRegions(width, height, grid, options.overlap);
  if (group || shrinkToFit(width, height, options) > policy.everyTileAbove) return regions;
  const small = faces.filter((face) => ((face[3] - face[1]) * options.inputHeight) / height < policy.refineBelow);
  return tilesForHints(regions, [...hints, ...small]);
}
