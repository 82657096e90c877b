import { describe, expect, it } from 'vitest';
import { vectorObservation } from '../../src/recognition/observations.js';
import { recognise, type RecognitionObservation } from '../../src/recognition/recognise.js';
import { unrecognisableFaces } from '../../src/recognition/unrecognisable.js';
import { matrixFromRows } from '../../src/recognition/vectors.js';
import { gaussian, mulberry32, noisyUnit, randomUnit, syntheticIdentities } from './helpers.js';

const dim = 64;
const normal = gaussian(mulberry32(21));
/** Where the embedder puts what it cannot recognise (ears, hands, a ball). */
const junkCentre = randomUnit(dim, normal);
// 10 people × 6 clear faces
const people = syntheticIdentities({ seed: 3, identities: 10, perIdentity: 6, dim, sigma: 0.5 });
const peopleRows = Array.from({ length: people.vectors.count }, (_, i) =>
  people.vectors.data.subarray(i * dim, (i + 1) * dim),
);
const unclear = Array.from({ length: 12 }, () => noisyUnit(junkCentre, 0.8, normal));
const junk = Array.from({ length: 4 }, () => noisyUnit(junkCentre, 0.5, normal));

function library(unclearCount: number) {
  const rows = [...peopleRows, ...unclear.slice(0, unclearCount), ...junk];
  const clear = rows.map((_, i) => i < peopleRows.length || i >= peopleRows.length + unclearCount);
  return { rows, clear };
}

describe('unrecognisableFaces', () => {
  it('flags clear faces near the centre of the unclear ones, and no one else', () => {
    const { rows, clear } = library(12);
    const flags = unrecognisableFaces(
      matrixFromRows(rows),
      new Uint8Array(rows.length).fill(1),
      Uint8Array.from(clear, Number),
    );
    const flagged = [...flags.keys()].filter((i) => flags[i] === 1);
    expect(flagged).toEqual([72, 73, 74, 75]);
  });

  it('judges nothing without enough unclear faces to find the centre', () => {
    const { rows, clear } = library(9);
    const flags = unrecognisableFaces(
      matrixFromRows(rows),
      new Uint8Array(rows.length).fill(1),
      Uint8Array.from(clear, Number),
    );
    expect(flags.every((f) => f === 0)).toBe(true);
  });
});

describe('recognise keeps unrecognisable faces from founding people', () => {
  const { rows, clear } = library(12);
  const observations = (): RecognitionObservation[] =>
    rows.map((v, i) => ({
      id: i + 1,
      image: i,
      moment: -1,
      personId: null,
      assignedBy: null,
      observation: vectorObservation('synthetic', v, clear[i]),
    }));
  const junkPeople = (o: RecognitionObservation[], spreads?: number) => {
    const r = recognise(
      { observations: o, people: [], mustLink: [], cannotLink: [], rejected: [] },
      { mode: 'full', ...(spreads === undefined ? {} : { unrecognisableSpreads: spreads }) },
    );
    return new Set(r.assignments.filter((a) => a.id > 72 && a.personId !== null).map((a) => a.personId));
  };

  it('the four junk faces form no person, while the ten people are found', () => {
    const r = recognise(
      { observations: observations(), people: [], mustLink: [], cannotLink: [], rejected: [] },
      { mode: 'full' },
    );
    expect(r.people).toHaveLength(10);
    expect(junkPeople(observations()).size).toBe(0);
  });

  it('the check can fail: without the gate they form a person of their own', () => {
    expect(junkPeople(observations(), Infinity).size).toBe(1);
  });
});
