import type * as ort from 'onnxruntime-node';
import { ort as runtime } from '../../models/session.js';
import type { Box, PersonDetector, RgbImage } from '../../types.js';
import { clipBox, nms } from '../image/geometry.js';
import { resizeRegion, writeChw, type Normalisation } from '../image/image-ops.js';

export const NANODET_INPUT = 416;
const CLASSES = 80;
const BINS = 11;
const PERSON = 0;
/** NanoDet's training normalisation, BGR. Human's RGB/255 found 1 of the team photo's people, this 6 (models.md §3.5). */
const NORMALISATION: Normalisation = { mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395], bgr: true };

export interface NanoDetOptions {
  /** Isolated people score 0.72–0.94 (models.md §4.3). */
  minScore: number;
  nmsIou: number;
}
export const DEFAULT_NANODET: NanoDetOptions = { minScore: 0.35, nmsIou: 0.5 };

export interface NanoDetLevel {
  stride: number;
  /** [cells × 80] class probabilities, sigmoid already applied. */
  cls: ArrayLike<number>;
  /** [cells × 44]: 4 sides × 11 distance bins. */
  reg: ArrayLike<number>;
}

/** The GFL integral: the expected bin under a softmax over the 11 bins of one side. */
export function integral(reg: ArrayLike<number>, offset: number): number {
  let max = -Infinity;
  for (let k = 0; k < BINS; k++) max = Math.max(max, reg[offset + k]);
  let sum = 0;
  let weighted = 0;
  for (let k = 0; k < BINS; k++) {
    const e = Math.exp(reg[offset + k] - max);
    sum += e;
    weighted += e * k;
  }
  return weighted / sum;
}

/** Decodes person boxes from NanoDet's heads, in input pixels divided by `scale`; not yet suppressed. */
export function decodeNanoDet(
  levels: readonly NanoDetLevel[],
  inputSize: number,
  scale: number,
  minScore: number,
): { box: Box; score: number }[] {
  const found: { box: Box; score: number }[] = [];
  for (const { stride, cls, reg } of levels) {
    const grid = Math.ceil(inputSize / stride);
    const cells = grid * grid;
    if (cls.length !== cells * CLASSES || reg.length !== cells * 4 * BINS) {
      throw new Error(`NanoDet stride ${stride}: outputs do not match a ${inputSize}² input`);
    }
    for (let i = 0; i < cells; i++) {
      const score = cls[i * CLASSES + PERSON];
      if (score < minScore) continue;
      const cx = ((i % grid) + 0.5) * stride;
      const cy = (Math.floor(i / grid) + 0.5) * stride;
      const base = i * 4 * BINS;
      const [l, t, r, b] = [0, 1, 2, 3].map((side) => integral(reg, base + side * BINS) * stride);
      found.push({ box: [(cx - l) / scale, (cy - t) / scale, (cx + r) / scale, (cy + b) / scale], score });
    }
  }
  return found;
}

/** NanoDet-m 416 (COCO), converted from TF.js by our converter: people only. */
export class NanoDetPersonDetector implements PersonDetector {
  readonly id = 'nanodet-m-416';

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly options: NanoDetOptions = DEFAULT_NANODET,
  ) {}

  async detect(image: RgbImage): Promise<{ box: Box; score: number }[]> {
    const scale = NANODET_INPUT / Math.max(image.width, image.height);
    const width = Math.max(1, Math.round(image.width * scale));
    const height = Math.max(1, Math.round(image.height * scale));
    const rgb = await resizeRegion(image, { left: 0, top: 0, width: image.width, height: image.height }, width, height);
    // letterbox: the photo at the top-left, the rest black
    const padded = new Uint8Array(NANODET_INPUT * NANODET_INPUT * 3);
    for (let y = 0; y < height; y++)
      padded.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * NANODET_INPUT * 3);
    const input = writeChw(padded, NANODET_INPUT * NANODET_INPUT, NORMALISATION);
    const result = await this.session.run({
      [this.session.inputNames[0]]: new runtime.Tensor('float32', input, [1, 3, NANODET_INPUT, NANODET_INPUT]),
    });
    const outputs = this.session.outputNames.map((name) => result[name]);
    const levels: NanoDetLevel[] = [];
    for (const cls of outputs.filter((o) => o.dims[o.dims.length - 1] === CLASSES)) {
      const cells = cls.dims[cls.dims.length - 2];
      const reg = outputs.find((o) => o.dims[o.dims.length - 1] === 4 * BINS && o.dims[o.dims.length - 2] === cells);
      if (!reg) throw new Error(`NanoDet: no box head for the ${cells}-cell class head`);
      levels.push({
        stride: NANODET_INPUT / Math.sqrt(cells),
        cls: cls.data as Float32Array,
        reg: reg.data as Float32Array,
      });
    }
    const candidates = decodeNanoDet(levels, NANODET_INPUT, scale, this.options.minScore);
    const kept = nms(
      candidates.map((c) => c.box),
      candidates.map((c) => c.score),
      this.options.nmsIou,
    );
    return kept.map((i) => ({
      box: clipBox(candidates[i].box, image.width, image.height),
      score: candidates[i].score,
    }));
  }
}
