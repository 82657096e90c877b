import type * as ort from 'onnxruntime-node';
import { ort as runtime } from '../models/session.js';
import type { Box, FiveLandmarks, Point, RgbImage } from '../types.js';
import { regionOf, resizeRegion, toGrey, type Region } from './image-ops.js';

const INPUT = 64;

/** The square crop the regressor was trained on: side = box height, centred on the box, clipped to the image. */
export function landmarkCrop(box: Box, width: number, height: number): Region {
  const side = box[3] - box[1];
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  return regionOf([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], width, height);
}

const mean = (points: readonly number[], xy: readonly number[], offset: 0 | 1): number =>
  points.reduce((sum, i) => sum + xy[2 * i + offset], 0) / points.length;

/** iBUG-68 → ArcFace five: eyes from four lid points each, nose tip 30, mouth corners from outer and inner lip. */
export function reduce68To5(xy: ArrayLike<number>): FiveLandmarks {
  const all = Array.from(xy);
  const point = (indices: number[]): Point => [mean(indices, all, 0), mean(indices, all, 1)];
  return [point([37, 38, 40, 41]), point([43, 44, 46, 47]), point([30]), point([48, 60]), point([54, 64])];
}

/** fr_landmark: 64×64 grey /256 → 68 points in 0..1 of the crop. */
export class Landmark68 {
  constructor(private readonly session: ort.InferenceSession) {}

  async locate(image: RgbImage, boxes: readonly Box[]): Promise<FiveLandmarks[]> {
    if (boxes.length === 0) return [];
    const crops = boxes.map((box) => landmarkCrop(box, image.width, image.height));
    const pixels = INPUT * INPUT;
    const input = new Float32Array(boxes.length * pixels);
    const grey = new Float32Array(pixels);
    const resized = await Promise.all(crops.map((crop) => resizeRegion(image, crop, INPUT, INPUT)));
    resized.forEach((rgb, i) => {
      toGrey(rgb, pixels, grey);
      for (let p = 0; p < pixels; p++) input[i * pixels + p] = grey[p] / 256;
    });
    const tensor = new runtime.Tensor('float32', input, [boxes.length, 1, INPUT, INPUT]);
    const result = await this.session.run({ [this.session.inputNames[0]]: tensor });
    const output = result[this.session.outputNames[0]].data as Float32Array;
    return crops.map((crop, i) => {
      const xy = new Float64Array(136);
      for (let k = 0; k < 68; k++) {
        xy[2 * k] = crop.left + output[i * 136 + 2 * k] * crop.width;
        xy[2 * k + 1] = crop.top + output[i * 136 + 2 * k + 1] * crop.height;
      }
      return reduce68To5(xy);
    });
  }
}
