import { describe, expect, it } from 'vitest';
import { DISMISSED_MATCH_COSINE, resemblesDismissed } from '../../src/recognition/dismissed.js';
import { recognise, type RecognitionInput, type RecognitionObservation } from '../../src/recognition/recognise.js';
import { emptyTable, exactKnnTable } from '../../src/recognition/knn.js';
import { vectorObservation } from '../../src/recognition/observations.js';
import type { AssignedBy } from '../../src/types.js';

const DIM = 16;

/** A unit vector mostly along axis `main`, tilted by `tilt` towards axis `side`. */
function unit(main: number, side: number, tilt: number): Float32Array {
  const v = new Float32Array(DIM);
  v[main] = 1;
  v[side] += tilt;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function face(
  id: number,
  vector: Float32Array,
  image = id,
  person: string | null = null,
  assignedBy: AssignedBy | null = null,
): RecognitionObservation {
  return {
    id,
    image,
    moment: -1,
    personId: person,
    assignedBy: person ? (assignedBy ?? 'cluster') : null,
    observation: vectorObservation('m', vector, true),
  };
}

/** Person A: four faces around axis 0; person B: four around axis 8; each in its own photo. */
function library(extra: RecognitionObservation[] = []): RecognitionInput {
  const a = [1, 2, 3, 4].map((k) => face(k, unit(0, k, 0.3)));
  const b = [5, 6, 7, 9].map((k) => face(k, unit(8, k, 0.3)));
  return { observations: [...a, ...b, ...extra], people: [], mustLink: [], cannotLink: [], rejected: [] };
}

/** The input of the next run: the result's people and assignments applied. */
function next(input: RecognitionInput, result: ReturnType<typeof recognise>): RecognitionInput {
  const assigned = new Map(result.assignments.map((a) => [a.id, a]));
  const exemplars = new Map(input.people.map((p) => [p.id, p.exemplars]));
  for (const p of result.people) exemplars.set(p.id, p.exemplars);
  const names = new Map(input.people.map((p) => [p.id, p.name]));
  return {
    ...input,
    observations: input.observations.map((o) => {
      const a = assigned.get(o.id);
      return a ? { ...o, personId: a.personId, assignedBy: a.assignedBy } : o;
    }),
    people: [...exemplars.keys()]
      .filter((id) => !result.removed.includes(id))
      .sort()
      .map((id) => ({ id, name: names.get(id) ?? null, exemplars: exemplars.get(id)! })),
  };
}

const personOf = (input: RecognitionInput, id: number) => input.observations.find((o) => o.id === id)!.personId;

describe('recognise', () => {
  it('finds two people, gives them ids from their first observation, and is deterministic', () => {
    const input = library();
    const result = recognise(input, { mode: 'full' });
    expect(result.people.map((p) => [p.id, p.created])).toEqual([
      ['p1', true],
      ['p5', true],
    ]);
    const after = next(input, result);
    expect([1, 2, 3, 4].map((id) => personOf(after, id))).toEqual(['p1', 'p1', 'p1', 'p1']);
    expect([5, 6, 7, 9].map((id) => personOf(after, id))).toEqual(['p5', 'p5', 'p5', 'p5']);
    expect(result.changed).toBe(8);
    expect(recognise(input, { mode: 'full' })).toEqual(result);
  });

  it('a full run also assigns what its clusters left unknown, so the next incremental run changes nothing', () => {
    // cos 0.57 to A's faces: too far for pass 1 (D ≤ 0.40); pass 2's candidate search misses it (as HNSW can)
    const input = library([face(10, unit(0, 12, 1.33))]);
    const blindPass2 = { centroids: () => () => [] };
    // absorption (tested below) would take it first
    const full = recognise(input, { mode: 'full', search: blindPass2, absorb: false });
    expect(full.assignments.find((a) => a.id === 10)).toMatchObject({ personId: 'p1', assignedBy: 'assign' });
    const after = next(input, full);
    const incremental = recognise(after, { mode: 'incremental' });
    expect(incremental.changed).toBe(0);
    expect(incremental.assignments).toEqual([]);
    expect(recognise(after, { mode: 'full', search: blindPass2, absorb: false }).changed).toBe(0);
  });

  it('over a large gallery both modes code a face over its nearest atoms from one exemplar table', () => {
    const asked: number[] = [];
    let symmetric = 0;
    const table = (...args: Parameters<typeof exactKnnTable>) => {
      const [matrix, include, k, queries] = args;
      if (queries) {
        asked.push(queries.include.reduce((n, x) => n + x, 0));
        return exactKnnTable(...args);
      }
      // pass 1 sees its neighbours; pass 2's centroid table is blind, as in the test above
      return symmetric++ === 0 ? exactKnnTable(matrix, include, k) : emptyTable(matrix.count, k);
    };
    const input = library([face(10, unit(0, 12, 1.33))]);
    const options = { search: { table }, exemplarSearchAbove: 0, absorb: false as const };
    const full = recognise(input, { mode: 'full', ...options });
    expect(full.assignments.find((a) => a.id === 10)).toMatchObject({ personId: 'p1', assignedBy: 'assign' });
    expect(asked).toEqual([1]);
    const after = next(input, full);
    expect(recognise(after, { mode: 'incremental', ...options }).changed).toBe(0);
    const grown = { ...after, observations: [...after.observations, face(11, unit(8, 13, 0.4))] };
    const incremental = recognise(grown, { mode: 'incremental', ...options });
    expect(incremental.assignments).toEqual([{ id: 11, personId: 'p5', assignedBy: 'assign' }]);
    expect(asked).toEqual([1, 1]);
    // asked in chunks of one face, the two new faces get the same people from two tables
    asked.length = 0;
    symmetric = 1;
    const two = { ...grown, observations: [...grown.observations, face(12, unit(0, 14, 0.5))] };
    const whole = recognise(two, { mode: 'incremental', ...options });
    expect(asked).toEqual([2]);
    expect(recognise(two, { mode: 'incremental', ...options, exemplarTableChunk: 1 })).toEqual(whole);
    expect(asked).toEqual([2, 1, 1]);
    expect(whole.assignments.map((a) => a.personId)).toEqual(['p5', 'p1']);
  });

  it('a full run absorbs a face its clusters left out into the person it resembles, and the next runs keep it', () => {
    const input = library([face(10, unit(0, 12, 1.33))]);
    const blindPass2 = { centroids: () => () => [] };
    const full = recognise(input, { mode: 'full', search: blindPass2 });
    expect(full.assignments.find((a) => a.id === 10)).toMatchObject({ personId: 'p1', assignedBy: 'cluster' });
    // never an exemplar: the gallery is the one the assignment test above builds
    const without = recognise(input, { mode: 'full', search: blindPass2, absorb: false });
    expect(full.people).toEqual(without.people);
    const after = next(input, full);
    expect(recognise(after, { mode: 'incremental' }).assignments).toEqual([]);
    expect(recognise(after, { mode: 'full', search: blindPass2 }).changed).toBe(0);
  });

  it('an unclear face joins its person in a full run, and never founds one', () => {
    const unclear = (id: number, vector: Float32Array) => ({
      ...face(id, vector),
      observation: vectorObservation('m', vector, false),
    });
    // one unclear face like person A, and three alike unclear faces of nobody known
    const input = library([
      unclear(10, unit(0, 12, 0.4)),
      unclear(11, unit(7, 12, 0.1)),
      unclear(12, unit(7, 12, 0.12)),
      unclear(13, unit(7, 12, 0.14)),
    ]);
    const full = recognise(input, { mode: 'full' });
    const personOfId = new Map(full.assignments.map((a) => [a.id, a.personId]));
    expect([10, 11, 12, 13].map((id) => personOfId.get(id))).toEqual(['p1', null, null, null]);
    expect(full.people.map((p) => p.id)).toEqual(['p1', 'p5']);
    expect(recognise(next(input, full), { mode: 'full' }).changed).toBe(0);
  });

  it('an unknown face of a known person is assigned incrementally, once', () => {
    const first = recognise(library(), { mode: 'full' });
    const grown = next(library([face(10, unit(0, 12, 0.4))]), first);
    const incremental = recognise(grown, { mode: 'incremental' });
    expect(incremental.assignments).toEqual([{ id: 10, personId: 'p1', assignedBy: 'assign' }]);
    expect(recognise(next(grown, incremental), { mode: 'incremental' }).changed).toBe(0);
  });

  it('never codes a face back onto the person the user split it off', () => {
    const input = library([face(10, unit(0, 12, 0.4))]);
    const clustered = next(input, recognise(input, { mode: 'full' }));
    expect(personOf(clustered, 10)).toBe('p1');
    // the user takes face 10 off A: cannot-links to A's faces, as PeopleService.split records them
    const split: RecognitionInput = {
      ...clustered,
      observations: clustered.observations.map((o) => (o.id === 10 ? { ...o, personId: null, assignedBy: null } : o)),
      cannotLink: [1, 2, 3, 4].map((a) => [10, a] as const),
    };
    expect(personOf(next(split, recognise(split, { mode: 'incremental' })), 10)).toBeNull();
    const reclustered = recognise(split, { mode: 'full' });
    expect(personOf(next(split, reclustered), 10)).toBeNull();
    expect(recognise(next(split, reclustered), { mode: 'incremental' }).changed).toBe(0);
  });

  it('puts a person at most once in a photo', () => {
    // face 10 looks like A but shares photo 1 with A's face 1
    const input = library([face(10, unit(0, 12, 0.4), 1)]);
    const after = next(input, recognise(input, { mode: 'full' }));
    expect(personOf(after, 1)).toBe('p1');
    expect(personOf(after, 10)).toBeNull();
    expect(recognise(after, { mode: 'incremental' }).changed).toBe(0);
  });

  it('removes a machine person who lost every face, unless a host still shows it', () => {
    const input = library();
    const clustered = next(input, recognise(input, { mode: 'full' }));
    const b = personOf(clustered, 5)!;
    // the user puts one of B's faces on a person of their own: the re-cluster takes the rest of B there
    const edited: RecognitionInput = {
      ...clustered,
      people: [...clustered.people, { id: 'bea', name: 'Bea', exemplars: [] }],
      observations: clustered.observations.map((o) =>
        o.id === 5 ? { ...o, personId: 'bea', assignedBy: 'user' as const } : o,
      ),
    };
    const result = recognise(edited, { mode: 'full' });
    expect([5, 6, 7, 9].map((id) => personOf(next(edited, result), id))).toEqual(['bea', 'bea', 'bea', 'bea']);
    expect(result.removed).toEqual([b]);
    const shown = { ...edited, people: edited.people.map((p) => (p.id === b ? { ...p, held: true } : p)) };
    const kept = recognise(shown, { mode: 'full' });
    expect(kept.removed).toEqual([]);
    expect([5, 6, 7, 9].map((id) => personOf(next(shown, kept), id))).toEqual(['bea', 'bea', 'bea', 'bea']);
  });

  it('keeps what the user placed and named through a re-cluster', () => {
    const input = library();
    const clustered = next(input, recognise(input, { mode: 'full' }));
    // the user names A and (wrongly) puts B's face 9 on A
    const edited: RecognitionInput = {
      ...clustered,
      people: clustered.people.map((p) => (p.id === 'p1' ? { ...p, name: 'Ada' } : p)),
      observations: clustered.observations.map((o) =>
        o.id === 9 ? { ...o, personId: 'p1', assignedBy: 'user' as const } : o,
      ),
    };
    const result = recognise(edited, { mode: 'full' });
    expect(result.assignments.some((a) => a.id === 9)).toBe(false);
    const after = next(edited, result);
    expect([1, 2, 3, 4, 9].map((id) => personOf(after, id))).toEqual(['p1', 'p1', 'p1', 'p1', 'p1']);
    expect(after.people.find((p) => p.id === 'p1')!.name).toBe('Ada');
    expect(recognise(after, { mode: 'full' }).changed).toBe(0);
  });
});

describe('recognise: faces the user dismissed filter junk', () => {
  it('a face is junk when a dismissed face is at cos >= 0.50 and nearer than every exemplar', () => {
    const face10 = unit(0, 1, 0.3);
    const near = unit(0, 2, 0.3); // cos 1 / 1.09 = 0.917 to face10
    expect(DISMISSED_MATCH_COSINE).toBe(0.5);
    expect(resemblesDismissed(face10, [near], () => [])).toBe(true);
    expect(resemblesDismissed(face10, [near], () => [unit(8, 1, 0.3)])).toBe(true);
    // an exemplar as near as the dismissed face keeps it a face
    expect(resemblesDismissed(face10, [near], () => [unit(0, 3, 0.3)])).toBe(false);
    // cos 1 / (1.044 · 2.059) = 0.465: below the threshold
    expect(resemblesDismissed(face10, [unit(0, 5, 1.8)], () => [])).toBe(false);
  });

  it('faces like a dismissed one form no person in a full run, and stay unknown at the fixed point', () => {
    const poster = [10, 11, 12].map((k) => face(k, unit(4, k, 0.3)));
    const plain = recognise(library(poster), { mode: 'full' });
    expect(plain.people.map((p) => p.id)).toEqual(['p1', 'p10', 'p5']);

    const input: RecognitionInput = { ...library(poster), dismissed: [unit(4, 13, 0.3)] };
    const result = recognise(input, { mode: 'full' });
    expect(result.people.map((p) => p.id)).toEqual(['p1', 'p5']);
    expect(result.assignments.filter((a) => a.id >= 10)).toEqual([
      { id: 10, personId: null, assignedBy: null, cluster: -1 },
      { id: 11, personId: null, assignedBy: null, cluster: -1 },
      { id: 12, personId: null, assignedBy: null, cluster: -1 },
    ]);
    const after = next(input, result);
    expect(recognise(after, { mode: 'incremental' }).changed).toBe(0);
    expect(recognise(after, { mode: 'full' }).changed).toBe(0);
  });

  it('a new face goes to the person it is nearer to, and stays unknown when nearer to a dismissed face', () => {
    const clustered = next(library(), recognise(library(), { mode: 'full' }));
    // 10: cos 0.89 to A's faces, 0.66 to the dismissed face; 11: cos 0.71 to A's faces, 0.999 to the dismissed face
    const grown: RecognitionInput = {
      ...clustered,
      observations: [...clustered.observations, face(10, unit(0, 12, 0.4)), face(11, unit(0, 15, 0.9))],
    };
    expect(recognise(grown, { mode: 'incremental' }).assignments).toEqual([
      { id: 10, personId: 'p1', assignedBy: 'assign' },
      { id: 11, personId: 'p1', assignedBy: 'assign' },
    ]);
    const filtered = recognise({ ...grown, dismissed: [unit(0, 15, 1)] }, { mode: 'incremental' });
    expect(filtered.assignments).toEqual([{ id: 10, personId: 'p1', assignedBy: 'assign' }]);
  });
});
