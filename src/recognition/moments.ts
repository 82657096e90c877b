/**
 * Moments: groups of images taken close together in time and place (Apple compares upper bodies
 * only inside one moment, because clothing is a short-lived cue).
 *
 * Images are sorted by capture time (ties by id); a new moment starts when the gap to the previous
 * image exceeds `maxGapMs`, or when the image's GPS fix is more than `maxJumpKm` (haversine) from the
 * last GPS fix seen in the current moment. Images without GPS never split a moment by distance.
 * Images without a finite time come last (by id), each in its own moment.
 */

/** New moment after more than 1 hour between consecutive photos (issue #4 default; not calibrated). */
export const MOMENT_MAX_GAP_MS = 60 * 60 * 1000;
/** New moment after a jump of more than 1 km between GPS fixes (issue #4 default; not calibrated). */
export const MOMENT_MAX_JUMP_KM = 1;
/** Mean Earth radius used by the haversine formula (IUGG). */
export const EARTH_RADIUS_KM = 6371.0088;

export interface MomentImage {
  /** Stable id, used only to break ties between equal capture times. */
  readonly id: string | number;
  /** Capture time in ms since the epoch (EXIF, else file time). Non-finite = unknown. */
  readonly time: number;
  /** Degrees; absent, non-finite, out of range, or exactly (0, 0) means "no GPS fix". */
  readonly latitude?: number | null;
  readonly longitude?: number | null;
}

export interface MomentOptions {
  maxGapMs?: number;
  maxJumpKm?: number;
}

export interface Moments {
  /** Moment index of each input image (input order). Moments are numbered chronologically from 0. */
  readonly moment: Int32Array;
  /** Number of moments. */
  readonly count: number;
  /** Input indices in chronological order (the order moments were cut in). */
  readonly order: Int32Array;
}

/** Great-circle distance in km between two points given in degrees. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function hasFix(img: MomentImage): boolean {
  const { latitude: lat, longitude: lon } = img;
  if (typeof lat !== 'number' || typeof lon !== 'number') return false;
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return false;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return false;
  return !(lat === 0 && lon === 0); // "null island": a missing fix written as zeros
}

/** Numbers before strings; numbers numerically, strings by UTF-16 code units (locale-independent). */
function compareIds(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function groupMoments(images: readonly MomentImage[], options: MomentOptions = {}): Moments {
  const maxGap = options.maxGapMs ?? MOMENT_MAX_GAP_MS;
  const maxJump = options.maxJumpKm ?? MOMENT_MAX_JUMP_KM;
  const n = images.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const timed = (i: number): boolean => Number.isFinite(images[i].time);
  order.sort((a, b) => {
    const ta = timed(a);
    const tb = timed(b);
    if (ta !== tb) return ta ? -1 : 1;
    if (ta && images[a].time !== images[b].time) return images[a].time - images[b].time;
    return compareIds(images[a].id, images[b].id) || a - b;
  });
  const moment = new Int32Array(n);
  let count = 0;
  let prevTime = NaN;
  let fixLat = NaN;
  let fixLon = NaN;
  let haveFix = false;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    const img = images[i];
    const fix = hasFix(img);
    let split = r === 0 || !timed(i);
    if (!split && img.time - prevTime > maxGap) split = true;
    if (!split && fix && haveFix) {
      split = haversineKm(fixLat, fixLon, img.latitude as number, img.longitude as number) > maxJump;
    }
    if (split) {
      count++;
      haveFix = false;
    }
    moment[i] = count - 1;
    prevTime = img.time;
    if (fix) {
      fixLat = img.latitude as number;
      fixLon = img.longitude as number;
      haveFix = true;
    }
  }
  return { moment, count, order };
}
