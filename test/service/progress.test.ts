import { describe, expect, it } from 'vitest';
import { describeProgress, formatDuration, ProgressMeter } from '../../src/service/progress.js';

describe('ProgressMeter', () => {
  it("measures the rate from the stage's first report and the time left at that rate", () => {
    let now = 50_000; // the listing took 50 s: it must not count as analysis
    const meter = new ProgressMeter(() => now);
    expect(meter.current).toBeNull();
    expect(meter.update('analyse', 1, 100)).toEqual({
      stage: 'analyse',
      done: 1,
      total: 100,
      perSecond: null,
      etaSeconds: null,
    });
    now += 4000;
    expect(meter.update('analyse', 9, 100)).toEqual({
      stage: 'analyse',
      done: 9,
      total: 100,
      perSecond: 2, // 8 photos in 4 s
      etaSeconds: 46, // 91 left at 2/s: 45.5, rounded up
    });
    now += 5000;
    expect(meter.update('analyse', 10, 100)).toMatchObject({ perSecond: 1, etaSeconds: 90 }); // 9 in 9 s
    now += 3000;
    expect(meter.update('analyse', 11, 100)).toMatchObject({ perSecond: 0.83, etaSeconds: 107 }); // 10 in 12 s; 89 left: 106.8
    expect(meter.current).toMatchObject({ done: 11 });
  });

  it('starts again for a new stage, a count that went back, or after a reset', () => {
    let now = 0;
    const meter = new ProgressMeter(() => now);
    meter.update('analyse', 1, 10);
    now = 1000;
    expect(meter.update('analyse', 5, 10)).toMatchObject({ perSecond: 4, etaSeconds: 2 });
    now = 2000;
    expect(meter.update('write', 3, 10)).toMatchObject({ perSecond: null, etaSeconds: null });
    now = 4000;
    expect(meter.update('write', 4, 10)).toMatchObject({ perSecond: 0.5, etaSeconds: 12 });
    expect(meter.update('write', 1, 10)).toMatchObject({ perSecond: null }); // a new pass counts from 0 again
    meter.reset();
    expect(meter.current).toBeNull();
    now = 9000;
    expect(meter.update('write', 2, 10)).toMatchObject({ perSecond: null, etaSeconds: null });
  });

  it('says no time is left once the stage is done, and no rate while the clock has not moved', () => {
    const meter = new ProgressMeter(() => 0);
    meter.update('analyse', 1, 3);
    expect(meter.update('analyse', 3, 3)).toMatchObject({ perSecond: null, etaSeconds: null });
    let now = 0;
    const moving = new ProgressMeter(() => now);
    moving.update('analyse', 1, 3);
    now = 1000;
    expect(moving.update('analyse', 3, 3)).toMatchObject({ perSecond: 2, etaSeconds: 0 });
  });
});

describe('describeProgress', () => {
  it('says done/total, the rate and the time left in words', () => {
    const base = { stage: 'analyse', done: 9, total: 100 };
    expect(describeProgress({ ...base, perSecond: 2, etaSeconds: 46 })).toBe(
      'analyse: 9/100 photos, 2 photos/s, about 46 s left',
    );
    expect(describeProgress({ ...base, perSecond: null, etaSeconds: null })).toBe('analyse: 9/100 photos');
    expect(describeProgress({ ...base, done: 100, perSecond: 2, etaSeconds: 0 })).toBe(
      'analyse: 100/100 photos; recognition and write-back under way',
    );
    expect([45, 89.6, 90, 720, 5000, 5400, 7500].map(formatDuration)).toEqual([
      '45 s',
      '90 s',
      '2 min',
      '12 min',
      '83 min',
      '1 h 30 min',
      '2 h 5 min',
    ]);
  });
});
