import type * as ort from 'onnxruntime-node';
import { ort as runtime } from '../../models/session.js';
import type { Box, DetectedFace, FaceDetector, RgbImage } from '../../types.js';
import { clipBox, nms } from '../image/geometry.js';
import { cropRgb, resizedWindow, resizeRegion, type Region } from '../image/image-ops.js';
import type { Landmark68 } from './landmarks.js';
import {
  DEFAULT_TILE_POLICY,
  mergeTileDetections,
  planTiles,
  sameFace,
  type RegionDetection,
  type TilePolicy,
} from '../image/tiling.js';

const WIDTH = 320;
const HEIGHT = 240;
/** One input as the model file takes it: 320×240 interleaved RGB bytes. */
const INPUT_BYTES = WIDTH * HEIGHT * 3;
/** Up to this many tiles are resized one window each (see detectTiles); more share one resize of the photo. */
const WINDOWED_TILES_MAX = 2;

export interface UltraFaceOptions {
  /** 0.7 found a face in 61/61 single-person photos with one false positive on a 2500×2070 photo (models.md §3.1). */
  minScore: number;
  /** UltraFace's own NMS IoU. */
  nmsIou: number;
  tiles: boolean;
  /** Which tiles run after the full frame (planTiles). */
  tilePolicy: TilePolicy;
  /**
   * A full-frame candidate scoring at least this (and below minScore) that is no found face is a hint: the tile
   * holding it runs. Pierre Curie, whom only a tile finds, scores 0.27 in the full frame of the fixture and 0.32 in
   * its 1440-px preview.
   */
  hintScore: number;
  /**
   * Tiles enlarge background texture, so a face seen only in a tile must score higher. On the fixtures every
   * tile-only false positive scored 0.71–0.93 (hands, foliage, a tie), every real tile-found face ≥ 0.99.
   */
  tileMinScore: number;
}

/**
 * Face boxes are taller than wide. Real fixture faces span width/height 0.55–0.95; the false positives that
 * survived NMS were a cactus row at 2.66 and edge slivers at 0.22–0.39.
 */
export const FACE_ASPECT = { min: 0.45, max: 1.5 } as const;

function plausibleFace(box: Box): boolean {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return w >= 1 && h >= 1 && w / h >= FACE_ASPECT.min && w / h <= FACE_ASPECT.max;
}

export const DEFAULT_ULTRAFACE: UltraFaceOptions = {
  minScore: 0.7,
  nmsIou: 0.3,
  tiles: true,
  tilePolicy: DEFAULT_TILE_POLICY,
  hintScore: 0.2,
  tileMinScore: 0.95,
};

export type StageTimer = (stage: 'detect' | 'landmarks', ms: number) => void;

/**
 * Where a photo's tiles run: a session with more than one intra-op thread, and how many tiles go in one call.
 * On the 2-core EPYC, right after a libvips resize as in the pipeline, one 320×240 input took 5.1 ms on one thread and
 * 8.3–8.5 on a two-thread pool (which stops spinning between runs), while nine tiles took 42–43 ms one by one on one
 * thread and 24–25 ms in one call on two. So the full frame runs on the one-thread session, and tiles come here.
 */
export interface TileRunner {
  session: ort.InferenceSession;
  /** Tiles per call: onnxruntime holds the whole call's activations (nine tiles peaked 110 MB above one, three 35). */
  batch: number;
}

/** A row of a 3×3 grid per call: nine tiles in 20.8–26.2 ms as three calls, 20.1–24.4 as one (the EPYC, two threads). */
export const TILE_BATCH = 3;

/** UltraFace RFB-320 boxes + the 68-point regressor reduced to five points: the embedded face detector. */
export class UltraFaceDetector implements FaceDetector {
  readonly id = 'ultraface-rfb320+landmark68';

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly landmarks: Landmark68,
    private readonly options: UltraFaceOptions = DEFAULT_ULTRAFACE,
    private readonly timer?: StageTimer,
    /** Without one, each tile runs alone on `session` (batching on one thread saves nothing). */
    private readonly tileRunner?: TileRunner,
  ) {
    for (const s of [session, tileRunner?.session]) {
      const input = s?.inputMetadata[0];
      if (input && (!input.isTensor || input.type !== 'uint8')) {
        throw new Error(
          'fr_detect.onnx takes float input: it predates the set-up that converts it to take bytes; run "immich-people models fetch"',
        );
      }
    }
  }

  /**
   * Runs the detector on `views.length` 320×240 inputs, stacked in `bytes`, in one call, and maps each input's boxes
   * into image pixels: input i shows the image region starting at (left, top), `scaleX`/`scaleY` image pixels per
   * input pixel. The model file takes the bytes themselves: its set-up writes RGB, (x − 127)/128 into the graph
   * (models/manifest.json, src/models/bytes-input.ts). The faceplugin browser code fed BGR by mistake; RGB found 27
   * vs 20 crowd faces (models.md §2.1).
   */
  private async detectInputs(
    session: ort.InferenceSession,
    bytes: Uint8Array,
    image: RgbImage,
    views: readonly { left: number; top: number; scaleX: number; scaleY: number; tile: Region | null }[],
    minScore: number,
  ): Promise<RegionDetection[]> {
    const result = await session.run({
      [session.inputNames[0]]: new runtime.Tensor('uint8', bytes, [views.length, HEIGHT, WIDTH, 3]),
    });
    const allScores = result.scores.data as Float32Array;
    const allBoxes = result.boxes.data as Float32Array;
    const anchors = allScores.length / 2 / views.length;
    return views.flatMap((view, k) => {
      const scores = allScores.subarray(k * anchors * 2, (k + 1) * anchors * 2);
      const boxes = allBoxes.subarray(k * anchors * 4, (k + 1) * anchors * 4);
      const found: Box[] = [];
      const foundScores: number[] = [];
      const w = WIDTH * view.scaleX;
      const h = HEIGHT * view.scaleY;
      for (let i = 0; i < anchors; i++) {
        const score = scores[2 * i + 1];
        if (score < minScore) continue;
        found.push(
          clipBox(
            [
              view.left + boxes[4 * i] * w,
              view.top + boxes[4 * i + 1] * h,
              view.left + boxes[4 * i + 2] * w,
              view.top + boxes[4 * i + 3] * h,
            ],
            image.width,
            image.height,
          ),
        );
        foundScores.push(score);
      }
      const kept = nms(found, foundScores, this.options.nmsIou);
      return kept.map((i) => ({ box: found[i], score: foundScores[i], tile: view.tile }));
    });
  }

  /**
   * Runs the detector on tiles of one grid (they share a size). Each tile is a window of the photo resized to the
   * scale at which a tile fills the detector's input, so a tile gives the same pixels, and the same boxes, whichever
   * other tiles run. (Resizing a tile's own region instead moves borderline scores across tileMinScore: a blurred
   * face in a Keanu Reeves photo of the dev set scored 0.952 one way and under 0.95 the other.) One or two tiles are
   * resized as windows, reading only the input under them, when the resize shrinks; more come from one resize of the
   * whole photo, which costs about what two windows do (5.8 against 2.3 ms a window on a 1440-px preview).
   */
  private async detectTiles(image: RgbImage, regions: readonly Region[]): Promise<RegionDetection[]> {
    if (regions.length === 0) return [];
    const minScore = this.options.tileMinScore;
    const { width: tw, height: th } = regions[0];
    const sw = Math.max(WIDTH, Math.round((image.width * WIDTH) / tw));
    const sh = Math.max(HEIGHT, Math.round((image.height * HEIGHT) / th));
    const scaleX = image.width / sw;
    const scaleY = image.height / sh;
    const windows = regions.map((region) => ({
      left: Math.min(Math.round(region.left / scaleX), sw - WIDTH),
      top: Math.min(Math.round(region.top / scaleY), sh - HEIGHT),
      width: WIDTH,
      height: HEIGHT,
    }));
    const bytes = new Uint8Array(windows.length * INPUT_BYTES);
    // only when shrinking: an enlarging resize (a photo smaller than its tiles' scale) differed by 1 in a few hundred
    // bytes of a window that did not start at the left edge (libvips interpolates from where the window starts)
    if (windows.length <= WINDOWED_TILES_MAX && sw <= image.width && sh <= image.height) {
      const pixels = await Promise.all(windows.map((w) => resizedWindow(image, sw, sh, w)));
      pixels.forEach((p, i) => bytes.set(p, i * INPUT_BYTES));
    } else {
      const whole = { left: 0, top: 0, width: image.width, height: image.height };
      const scaled = await resizeRegion(image, whole, sw, sh);
      windows.forEach((w, i) => cropRgb(scaled, sw, w.left, w.top, WIDTH, HEIGHT, bytes, i * INPUT_BYTES));
    }
    const views = windows.map((w) => {
      const tile: Region = {
        left: w.left * scaleX,
        top: w.top * scaleY,
        width: WIDTH * scaleX,
        height: HEIGHT * scaleY,
      };
      return { left: tile.left, top: tile.top, scaleX, scaleY, tile };
    });
    const { session, batch } =
      views.length > 1 && this.tileRunner ? this.tileRunner : { session: this.session, batch: 1 };
    const found: RegionDetection[] = [];
    for (let start = 0; start < views.length; start += batch) {
      const end = Math.min(views.length, start + batch);
      const inputs = bytes.subarray(start * INPUT_BYTES, end * INPUT_BYTES);
      found.push(...(await this.detectInputs(session, inputs, image, views.slice(start, end), minScore)));
    }
    return found;
  }

  /**
   * The full frame first, at a low score: its faces, and its hints (weaker candidates that are no face it found).
   * Then the tiles that planTiles picks from those: all of them for group photos and very large ones, else the tiles
   * holding a hint.
   */
  async detectBoxes(image: RgbImage): Promise<{ box: Box; score: number }[]> {
    const { minScore, hintScore, nmsIou, tiles } = this.options;
    const whole = { left: 0, top: 0, width: image.width, height: image.height };
    const rgb = await resizeRegion(image, whole, WIDTH, HEIGHT);
    const view = { left: 0, top: 0, scaleX: image.width / WIDTH, scaleY: image.height / HEIGHT, tile: null };
    // greedy NMS keeps the same boxes above minScore whatever weaker boxes join it: only higher scores suppress
    const candidates = await this.detectInputs(
      this.session,
      rgb,
      image,
      [view],
      tiles ? Math.min(hintScore, minScore) : minScore,
    );
    const full = candidates.filter((c) => c.score >= minScore);
    let found = full;
    if (tiles) {
      const faces = full.map((d) => d.box);
      const hints = candidates
        .filter((c) => c.score < minScore && !faces.some((face) => sameFace(face, c.box, nmsIou)))
        .map((c) => c.box);
      const regions = planTiles(image.width, image.height, faces, hints, this.options.tilePolicy);
      found = [...full, ...(await this.detectTiles(image, regions))];
    }
    return mergeTileDetections(found, image.width, image.height, nmsIou)
      .filter((d) => plausibleFace(d.box))
      .map(({ box, score }) => ({ box, score }));
  }

  async detect(image: RgbImage): Promise<DetectedFace[]> {
    let start = performance.now();
    const found = await this.detectBoxes(image);
    this.timer?.('detect', performance.now() - start);
    start = performance.now();
    const points = await this.landmarks.locate(
      image,
      found.map((f) => f.box),
    );
    this.timer?.('landmarks', performance.now() - start);
    return found.map((f, i) => ({ box: f.box, score: f.score, landmarks: points[i] }));
  }
}
