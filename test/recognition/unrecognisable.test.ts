import { describe, expect, it } from 'vitest';
import { vectorObservation } from '../../src/recognition/observations.js';
import {
  recognise,
  type RecognitionInput,
  type RecognitionObservation,
  type RecognitionResult,
} from '../../src/recognition/recognise.js';
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

describe('a fixed point with the gate and calibration at work', () => {
  const { rows, clear } = library(12);
  const input: RecognitionInput = {
    observations: rows.map((v, i) => ({
      id: i + 1,
      image: i,
      moment: -1,
      personId: null,
      assignedBy: null,
      observation: vectorObservation('synthetic', v, clear[i]),
    })),
    people: [],
    mustLink: [],
    cannotLink: [],
    rejected: [],
  };

  /** The store after a run: assignments written, exemplars set, removed people gone. */
  function next(before: RecognitionInput, result: RecognitionResult): RecognitionInput {
    const assigned = new Map(result.assignments.map((a) => [a.id, a]));
    const exemplars = new Map(before.people.map((p) => [p.id, p.exemplars]));
    for (const p of result.people) exemplars.set(p.id, p.exemplars);
    return {
      ...before,
      observations: before.observations.map((o) => {
        const a = assigned.get(o.id);
        return a ? { ...o, personId: a.personId, assignedBy: a.assignedBy } : o;
      }),
      people: [...exemplars.keys()]
        .filter((id) => !result.removed.includes(id))
        .sort()
        .map((id) => ({ id, name: null, exemplars: exemplars.get(id)! })),
    };
  }

  it('a second full run and an incremental run over what the store loads for it change nothing', () => {
    const after = next(input, recognise(input, { mode: 'full' }));
    expect(recognise(after, { mode: 'full' }).changed).toBe(0);
    // the incremental run sees what service/recognition.ts loads: clear faces nobody holds, and the exemplars
    const exemplarIds = new Set(after.people.flatMap((p) => p.exemplars));
    const loaded = after.observations.filter(
      (o) => (o.personId === null && o.observation.face?.quality.clear) || exemplarIds.has(o.id),
    );
    expect(loaded.some((o) => o.personId === null)).toBe(true);
    expect(recognise({ ...after, observations: loaded }, { mode: 'incremental' }).changed).toBe(0);
  });
});
