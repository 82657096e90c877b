import type { FiveLandmarks, Point, RgbImage } from '../../types.js';

/** InsightFace's ArcFace 112×112 template: eye L, eye R, nose, mouth L, mouth R. */
export const ARCFACE_TEMPLATE: FiveLandmarks = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];
export const ALIGNED_SIZE = 112;

/** x' = a·x − b·y + tx,  y' = b·x + a·y + ty  (rotation + uniform scale + translation, no reflection). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares similarity from `source` to `target` points (Umeyama 1991, restricted to 2-D without reflection).
 * In 2-D the closed form is exact: with centred points, a = Σ(x·u + y·v)/Σ|p|², b = Σ(x·v − y·u)/Σ|p|².
 */
export function estimateSimilarity(source: readonly Point[], target: readonly Point[]): Similarity {
  const n = source.length;
  if (n < 2 || target.length !== n) throw new Error('need at least two matching point pairs');
  let sx = 0,
    sy = 0,
    tx = 0,
    ty = 0;
  for (let i = 0; i < n; i++) {
    sx += source[i][0];
    sy += source[i][1];
    tx += target[i][0];
    ty += target[i][1];
  }
  sx /= n;
  sy /= n;
  tx /= n;
  ty /= n;
  let dot = 0,
    cross = 0,
    norm = 0;
  for (let i = 0; i < n; i++) {
    const x = source[i][0] - sx;
    const y = source[i][1] - sy;
    const u = target[i][0] - tx;
    const v = target[i][1] - ty;
    dot += x * u + y * v;
    cross += x * v - y * u;
    norm += x * x + y * y;
  }
  if (norm === 0) throw new Error('source points are all identical');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: tx - (a * sx - b * sy), ty: ty - (b * sx + a * sy) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];
}

/**
 * Warps the face to the template: each output pixel is mapped back through the inverse similarity and sampled
 * bilinearly; outside the image is black (as cv2.warpAffine). Returns interleaved RGB bytes, size×size.
 * `inside`, when given, gets 1 for each output pixel sampled wholly from inside the image.
 */
export function warpAligned(
  image: RgbImage,
  toTemplate: Similarity,
  size = ALIGNED_SIZE,
  inside?: Uint8Array,
): Uint8Array {
  const { a, b, tx, ty } = toTemplate;
  const det = a * a + b * b;
  // inverse of [[a, -b], [b, a]] is [[a, b], [-b, a]] / det
  const ia = a / det;
  const ib = b / det;
  const out = new Uint8Array(size * size * 3);
  const { width, height, data } = image;
  const maxX = width - 1;
  const maxY = height - 1;
  for (let y = 0; y < size; y++) {
    const dy = y - ty;
    for (let x = 0; x < size; x++) {
      const dx = x - tx;
      const srcX = ia * dx + ib * dy;
      const srcY = -ib * dx + ia * dy;
      const o = (y * size + x) * 3;
      if (srcX < -1 || srcY < -1 || srcX > width || srcY > height) continue;
      const x0 = Math.floor(srcX);
      const y0 = Math.floor(srcY);
      const fx = srcX - x0;
      const fy = srcY - y0;
      if (x0 >= 0 && y0 >= 0 && x0 < maxX && y0 < maxY) {
        // all four neighbours inside (nearly every pixel): the same arithmetic without a bounds test per read,
        // 1.6 → 0.4 ms a face on the EPYC
        if (inside) inside[y * size + x] = 1;
        const i00 = (y0 * width + x0) * 3;
        const i01 = i00 + width * 3;
        for (let c = 0; c < 3; c++) {
          const p00 = data[i00 + c];
          const p10 = data[i00 + 3 + c];
          const p01 = data[i01 + c];
          const p11 = data[i01 + 3 + c];
          const top = p00 + (p10 - p00) * fx;
          const bottom = p01 + (p11 - p01) * fx;
          out[o + c] = Math.round(top + (bottom - top) * fy);
        }
        continue;
      }
      for (let c = 0; c < 3; c++) {
        const p00 = x0 >= 0 && y0 >= 0 && x0 <= maxX && y0 <= maxY ? data[(y0 * width + x0) * 3 + c] : 0;
        const p10 = x0 + 1 >= 0 && y0 >= 0 && x0 + 1 <= maxX && y0 <= maxY ? data[(y0 * width + x0 + 1) * 3 + c] : 0;
        const p01 = x0 >= 0 && y0 + 1 >= 0 && x0 <= maxX && y0 + 1 <= maxY ? data[((y0 + 1) * width + x0) * 3 + c] : 0;
        const p11 =
          x0 + 1 >= 0 && y0 + 1 >= 0 && x0 + 1 <= maxX && y0 + 1 <= maxY
            ? data[((y0 + 1) * width + x0 + 1) * 3 + c]
            : 0;
        const top = p00 + (p10 - p00) * fx;
        const bottom = p01 + (p11 - p01) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return out;
}

/** Aligns one face given its five landmarks; the crop every embedder and the blur measure share. */
export function alignFace(
  image: RgbImage,
  landmarks: FiveLandmarks,
  size = ALIGNED_SIZE,
  inside?: Uint8Array,
): Uint8Array {
  const scale = size / ALIGNED_SIZE;
  const template = ARCFACE_TEMPLATE.map(([x, y]) => [x * scale, y * scale] as Point);
  return warpAligned(image, estimateSimilarity(landmarks, template), size, inside);
}
