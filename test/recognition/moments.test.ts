import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_KM, groupMoments, haversineKm, MOMENT_MAX_GAP_MS } from '../../src/recognition/moments.js';

const MIN = 60 * 1000;
// Longitude span of `km` kilometres along the equator.
const lonKm = (km: number): number => (km / EARTH_RADIUS_KM) * (180 / Math.PI);

describe('haversineKm', () => {
  it('one degree of latitude is R·π/180', () => {
    expect(haversineKm(10, 20, 11, 20)).toBeCloseTo((EARTH_RADIUS_KM * Math.PI) / 180, 9);
    expect(haversineKm(48.85, 2.35, 48.85, 2.35)).toBe(0);
    expect(haversineKm(0, 0, 0, lonKm(1.5))).toBeCloseTo(1.5, 9);
  });
});

describe('groupMoments', () => {
  it('splits on gaps over one hour, chaining consecutive photos', () => {
    const m = groupMoments([
      { id: 'a', time: 0 },
      { id: 'b', time: 50 * MIN },
      { id: 'c', time: 100 * MIN },
      { id: 'd', time: 150 * MIN },
      { id: 'e', time: 150 * MIN + MOMENT_MAX_GAP_MS + 1 },
      { id: 'f', time: 150 * MIN + 2 * MOMENT_MAX_GAP_MS + 1 }, // exactly one hour after e: same moment
    ]);
    expect(Array.from(m.moment)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(m.count).toBe(2);
  });

  it('splits on GPS jumps over 1 km, against the last fix of the moment', () => {
    const m = groupMoments([
      { id: 1, time: 0, latitude: 0.001, longitude: 0 },
      { id: 2, time: 1 * MIN, latitude: 0.001, longitude: lonKm(0.5) }, // 0.5 km: same moment
      { id: 3, time: 2 * MIN }, // no fix
      { id: 4, time: 3 * MIN, latitude: 0.001, longitude: lonKm(3) }, // 2.5 km from #2 despite #3
      { id: 5, time: 4 * MIN, latitude: 0.001, longitude: lonKm(3.2) },
    ]);
    expect(Array.from(m.moment)).toEqual([0, 0, 0, 1, 1]);
  });

  it('ignores missing, invalid and (0,0) fixes', () => {
    const m = groupMoments([
      { id: 1, time: 0, latitude: 40, longitude: 3 },
      { id: 2, time: MIN, latitude: 0, longitude: 0 },
      { id: 3, time: 2 * MIN, latitude: 95, longitude: 3 },
      { id: 4, time: 3 * MIN, latitude: null, longitude: 3 },
      { id: 5, time: 4 * MIN, latitude: 40.001, longitude: 3 },
    ]);
    expect(Array.from(m.moment)).toEqual([0, 0, 0, 0, 0]);
  });

  it('sorts by time then id, numbers chronologically, and keeps input order in the result', () => {
    const m = groupMoments([
      { id: 'z', time: 5 * 3600_000 },
      { id: 'b', time: 1000 },
      { id: 'a', time: 1000 },
      { id: 'c', time: NaN },
      { id: 10, time: 1000 },
    ]);
    expect(Array.from(m.order)).toEqual([4, 2, 1, 0, 3]);
    expect(Array.from(m.moment)).toEqual([1, 0, 0, 2, 0]);
    expect(m.count).toBe(3);
  });

  it('gives every image without a time its own moment, last', () => {
    const m = groupMoments([
      { id: 'x', time: NaN },
      { id: 'y', time: Infinity },
      { id: 'w', time: 0 },
    ]);
    expect(Array.from(m.moment)).toEqual([1, 2, 0]);
  });

  it('takes options', () => {
    const images = [
      { id: 1, time: 0 },
      { id: 2, time: 10 * MIN },
    ];
    expect(Array.from(groupMoments(images, { maxGapMs: 5 * MIN }).moment)).toEqual([0, 1]);
    expect(groupMoments([]).count).toBe(0);
  });
});
