import { describe, expect, it } from 'vitest';
import { clusterPass1, combinedDistance, PASS1_ALPHA, PASS1_BETA } from '../../src/recognition/cluster-pass1.js';
import { bcubed } from '../../src/recognition/metrics.js';
import type { NeighbourSearch } from '../../src/recognition/neighbours.js';
import { observationSet } from '../../src/recognition/observations.js';
import {
  angle,
  basis,
  facesOnly,
  gaussian,
  makeObservations,
  mulberry32,
  noisyUnit,
  syntheticIdentities,
} from './helpers.js';

const labelsOf = (r: { labels: Int32Array }): number[] => Array.from(r.labels);

describe('combinedDistance', () => {
  it('is min(F, αF + βT), or F without T', () => {
    expect(combinedDistance(0.45, NaN, 0.8, 0.4)).toBe(0.45);
    expect(combinedDistance(0.45, 0, 0.8, 0.4)).toBeCloseTo(0.36, 12);
    expect(combinedDistance(0.3, 0.9, 0.8, 0.4)).toBe(0.3); // bad clothes never raise D
    expect(PASS1_ALPHA).toBe(0.8);
    expect(PASS1_BETA).toBe(0.4);
  });
});

describe('clusterPass1', () => {
  it('groups obvious 2-D clusters', () => {
    const obs = makeObservations([0, 5, 10, 90, 95, 180].map((deg) => ({ face: angle(deg) })));
    const r = clusterPass1(obs);
    expect(labelsOf(r)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(r.clusterCount).toBe(3);
  });

  it('compares running averages, so it does not chain like single linkage', () => {
    // 0°–38° (F = 0.212) and 38°–80° (F = 0.257) are each close, but once {0°, 38°} is one cluster
    // its average (19°) is 61° from 80° (F = 0.515 > 0.4). Single linkage would chain all three.
    const r = clusterPass1(makeObservations([0, 38, 80].map((deg) => ({ face: angle(deg) }))));
    expect(labelsOf(r)).toEqual([0, 0, 1]);
  });

  it('never puts two observations of one image together', () => {
    // x'' (image 1) is closest to x' (image 0), so {x', x''} forms first and x (image 0) stays out.
    const r = clusterPass1(
      makeObservations([
        { face: angle(0), image: 0 },
        { face: angle(4), image: 0 },
        { face: angle(3), image: 1 },
      ]),
    );
    expect(labelsOf(r)).toEqual([0, 1, 1]);
  });

  it('unclear faces never seed or join', () => {
    const r = clusterPass1(
      makeObservations([{ face: angle(0) }, { face: angle(1), clear: false }, { face: angle(2), clear: false }]),
    );
    expect(labelsOf(r)).toEqual([0, -1, -1]);
  });

  it('body evidence lowers D only inside one moment', () => {
    // Faces at 52° apart: F = 1 − cos 52° ≈ 0.384 > 0.35, but with identical clothes
    // D = 0.8·0.384 ≈ 0.307 <= 0.35.
    const body = basis(4, 0);
    const sameMoment = clusterPass1(
      makeObservations([
        { face: angle(0), body, moment: 3 },
        { face: angle(52), body, moment: 3 },
      ]),
    );
    expect(labelsOf(sameMoment)).toEqual([0, 0]);
    const otherMoments = clusterPass1(
      makeObservations([
        { face: angle(0), body, moment: 3 },
        { face: angle(52), body, moment: 4 },
      ]),
    );
    expect(labelsOf(otherMoments)).toEqual([0, 1]);
    const differentClothes = clusterPass1(
      makeObservations([
        { face: angle(0), body, moment: 3 },
        { face: angle(52), body: basis(4, 1), moment: 3 },
      ]),
    );
    expect(labelsOf(differentClothes)).toEqual([0, 1]);
  });

  it('body evidence never lets a face beyond F = 0.35 / 0.8 ≈ 0.44 in', () => {
    const body = basis(4, 0);
    const r = clusterPass1(
      makeObservations([
        { face: angle(0), body },
        { face: angle(57), body }, // F = 0.455: 0.8·0.455 = 0.364 > 0.35
      ]),
    );
    expect(labelsOf(r)).toEqual([0, 1]);
  });

  it('body-only observations join only through T inside their moment, and never found a cluster', () => {
    const shirt = basis(4, 0);
    const nearShirt = Float32Array.from([0.999, 0.0447, 0, 0]); // cos ≈ 0.999
    const otherShirt = Float32Array.from([0.5, 0.866, 0, 0]); // cos 0.5
    const r = clusterPass1(
      makeObservations([
        { face: angle(0), body: shirt, moment: 0 }, // 0: founds cluster 0
        { body: nearShirt, moment: 0 }, // 1: joins 0
        { body: nearShirt, moment: 1 }, // 2: other moment: no face cluster there
        { body: otherShirt, moment: 0 }, // 3: clothes too different
        { body: shirt, moment: 5 }, // 4, 5: body-only pair with no face: never founds
        { body: shirt, moment: 5 },
      ]),
    );
    expect(labelsOf(r)).toEqual([0, 0, -1, -1, -1, -1]);
    expect(r.bodyOnlyJoined).toBe(1);
  });

  it('body-only observations respect the same-image rule and ambiguity between clusters', () => {
    const shirt = basis(4, 0);
    const sameImage = clusterPass1(
      makeObservations([
        { face: angle(0), body: shirt, moment: 0, image: 7 },
        { body: shirt, moment: 0, image: 7 },
      ]),
    );
    expect(labelsOf(sameImage)).toEqual([0, -1]);
    // Two different people in the same uniform: a body-only observation cannot tell them apart.
    const uniforms = clusterPass1(
      makeObservations([
        { face: angle(0), body: shirt, moment: 0 },
        { face: angle(90), body: shirt, moment: 0 },
        { body: shirt, moment: 0 },
      ]),
    );
    expect(labelsOf(uniforms)).toEqual([0, 1, -1]);
  });

  it('an unclear face with a body can use the body path only when asked', () => {
    const shirt = basis(4, 0);
    const items = [
      { face: angle(0), body: shirt, moment: 0 },
      { face: angle(1), clear: false, body: shirt, moment: 0 },
    ];
    expect(labelsOf(clusterPass1(makeObservations(items)))).toEqual([0, -1]);
    expect(labelsOf(clusterPass1(makeObservations(items), { unclearFaceBodyFallback: true }))).toEqual([0, 0]);
  });

  it('respects cannot-links', () => {
    const obs = makeObservations([{ face: angle(0) }, { face: angle(1) }, { face: angle(2.5) }]);
    expect(labelsOf(clusterPass1(obs))).toEqual([0, 0, 0]);
    // {0, 2} cannot be together; 1 is nearer to 0 (1°) than to 2 (1.5°), so 2 stays apart.
    expect(labelsOf(clusterPass1(obs, { cannotLink: [[2, 0]] }))).toEqual([0, 0, 1]);
  });

  it('applies must-links first, and skips those that break a hard rule', () => {
    const obs = makeObservations([
      { face: angle(0), image: 0 },
      { face: angle(120), image: 1 },
      { face: angle(240), image: 0 },
    ]);
    const r = clusterPass1(obs, {
      mustLink: [
        [1, 0],
        [0, 2],
      ],
    });
    expect(labelsOf(r)).toEqual([0, 0, 1]);
    expect(r.skippedMustLinks).toEqual([[0, 2]]);
  });

  it('takes its candidates from the neighbour provider', () => {
    const obs = makeObservations([0, 1, 2].map((deg) => ({ face: angle(deg) })));
    const nothing: NeighbourSearch = () => [];
    expect(labelsOf(clusterPass1(obs, { faceSearch: nothing }))).toEqual([0, 1, 2]);
    const onlyZeroOne: NeighbourSearch = (q) =>
      q[1] === 0 ? [{ index: 1, distance: 0 }] : [{ index: 0, distance: 0 }];
    expect(labelsOf(clusterPass1(obs, { faceSearch: onlyZeroOne }))).toEqual([0, 0, 0]);
  });

  it('is deterministic and precise on noisy synthetic identities', () => {
    const { vectors, truth } = syntheticIdentities({ seed: 7, identities: 15, perIdentity: 8, dim: 32, sigma: 0.6 });
    const obs = facesOnly(vectors);
    const a = clusterPass1(obs);
    const b = clusterPass1(obs);
    expect(labelsOf(a)).toEqual(labelsOf(b));
    expect(bcubed(a.labels, truth).precision).toBeGreaterThanOrEqual(0.98);
    expect(a.clusterCount).toBeGreaterThanOrEqual(15);
  });

  it('keeps body averages per moment across merges', () => {
    // Cluster {0, 1} (same face) spans moments 0 and 1; body-only 2 in moment 1 matches the moment-1
    // clothes only; body-only 3 in moment 0 matches the moment-0 clothes only.
    const normal = gaussian(mulberry32(3));
    const face = angle(10);
    const r = clusterPass1(
      makeObservations([
        { face, body: basis(4, 0), moment: 0 },
        { face: angle(11), body: basis(4, 1), moment: 1 },
        { body: noisyUnit(basis(4, 1), 0.01, normal), moment: 1 },
        { body: noisyUnit(basis(4, 1), 0.01, normal), moment: 0 },
        { body: noisyUnit(basis(4, 0), 0.01, normal), moment: 0 },
      ]),
    );
    expect(labelsOf(r)).toEqual([0, 0, 0, -1, 0]);
  });

  it('packs src/types Observations with observationSet', () => {
    const quality = { clear: true, score: 1, blur: 100, yaw: 0, size: 100 };
    const face = (v: Float32Array, clear = true) => ({
      box: [0, 0, 1, 1] as [number, number, number, number],
      score: 1,
      landmarks: [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ] as [[number, number], [number, number], [number, number], [number, number], [number, number]],
      quality: { ...quality, clear },
      embedding: { model: 'm', vector: v },
    });
    const set = observationSet([
      { observation: { face: face(angle(0)) }, image: 0, moment: 0 },
      { observation: { face: face(angle(2)) }, image: 1, moment: 0 },
      { observation: { face: face(angle(1), false) }, image: 2, moment: 0 },
    ]);
    expect(Array.from(set.clearFace)).toEqual([1, 1, 0]);
    expect(labelsOf(clusterPass1(set))).toEqual([0, 0, -1]);
    expect(() =>
      observationSet([
        { observation: { face: face(angle(0)) }, image: 0, moment: 0 },
        {
          observation: { face: { ...face(angle(0)), embedding: { model: 'other', vector: angle(0) } } },
          image: 1,
          moment: 0,
        },
      ]),
    ).toThrow(/mix/);
  });
});
