import { describe, expect, it } from 'vitest';
import { torsoBelowFace, upperBodyOfPerson } from '../../src/perception/body-regions.js';
import { headFit, pairFacesWithBodies } from '../../src/perception/pairing.js';
import type { Box } from '../../src/types.js';

describe('body regions', () => {
  it('takes the top of a standing person as the upper body and the area below a face as the torso', () => {
    upperBodyOfPerson([100, 0, 200, 400]).forEach((v, i) => expect(v).toBeCloseTo([100, 0, 200, 220][i], 9)); // max(1.1·100, 0.55·400)
    expect(upperBodyOfPerson([0, 0, 100, 80])).toEqual([0, 0, 100, 80]); // never taller than the person
    expect(torsoBelowFace([100, 100, 140, 150], 1000, 1000)).toEqual([66, 162.5, 174, 262.5]);
    expect(torsoBelowFace([100, 900, 140, 990], 1000, 1000)).toEqual([66, 1000, 174, 1000]); // clipped away
  });
});

describe('headFit', () => {
  const upper: Box = [100, 100, 300, 400];
  it('scores a centred head high in the box and rejects faces that cannot be its head', () => {
    const head: Box = [170, 110, 230, 180];
    expect(headFit(head, upper)).toBeGreaterThan(0.5);
    expect(headFit([170, 300, 230, 370], upper)).toBe(0); // at the belly
    expect(headFit([280, 110, 340, 180], upper)).toBe(0); // mostly outside
    expect(headFit([105, 110, 140, 150], upper)).toBe(0); // at the shoulder edge
    expect(headFit([100, 100, 300, 330], upper)).toBe(0); // as large as the body
  });
});

describe('pairFacesWithBodies', () => {
  it('pairs each face with the body below it, even when detections come in an unhelpful order', () => {
    // two people side by side; the left body box is wide and also contains part of the right face
    const faces: Box[] = [
      [330, 60, 390, 130], // right person's face, listed first
      [120, 60, 180, 130],
    ];
    const bodies: Box[] = [
      [40, 40, 380, 420], // left person (wide box reaching the right face)
      [290, 40, 430, 420], // right person
    ];
    expect(pairFacesWithBodies(faces, bodies)).toEqual([1, 0]);
  });

  it('leaves a face without a plausible body unpaired and never gives one body two faces', () => {
    const faces: Box[] = [
      [170, 110, 230, 180],
      [180, 115, 235, 185],
      [600, 600, 640, 650],
    ];
    const bodies: Box[] = [[100, 100, 300, 400]];
    const pairs = pairFacesWithBodies(faces, bodies);
    expect(pairs.filter((p) => p === 0)).toHaveLength(1);
    expect(pairs[2]).toBe(-1);
  });
});
