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
  const shrink = Math.max(width / options.inputWidth, height / options.inputHeight);
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
  const same = (a: Box, b: Box): number => {
    if (iou(a, b) > iouThreshold) return 1;
    const inter = intersectionArea(a, b);
    return inter / Math.min(boxArea(a), boxArea(b)) > CONTAINMENT ? 1 : 0;
  };
  const kept = nms(
    whole.map((d) => d.box),
    whole.map((d) => d.score),
    0.5,
    same,
  );
  return kept.map((i) => whole[i]);
}
