import { describe, expect, it } from 'vitest';
import {
  explainFace,
  explainResemblance,
  explainWithIndex,
  indexGallery,
  type ExemplarVectors,
  type PersonFaces,
} from '../../src/recognition/explain.js';
import { PASS1_ALPHA, PASS1_BETA } from '../../src/recognition/cluster-pass1.js';

/** A unit vector in the plane of axes 0 and 1 at cosine `c` to axis 0. */
const at = (c: number) => new Float32Array([c, Math.sqrt(1 - c * c), 0]);
const body = (c: number) => ({ model: 'torso', vector: at(c) });

function exemplar(personId: string, observationId: number, face: number, extra: Partial<ExemplarVectors> = {}) {
  return { personId, observationId, moment: null, face: at(face), body: null, ...extra };
}

describe('explainFace', () => {
  const face = { face: at(1), body: null, moment: null, personId: 'a' };

  it('ranks the best exemplar of each person and rates a clear lead as high', () => {
    const e = explainFace(face, [exemplar('a', 1, 0.6), exemplar('a', 2, 0.8), exemplar('b', 3, 0.45)]);
    expect(e.nearest.map((n) => [n.personId, n.observationId])).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
    expect(e.own?.faceSimilarity).toBeCloseTo(0.8, 6);
    expect(e.rival?.faceSimilarity).toBeCloseTo(0.45, 6);
    expect(e.confidence).toBe('high');
  });

  it('rates a close rival as medium and a stronger rival as low', () => {
    expect(explainFace(face, [exemplar('a', 1, 0.6), exemplar('b', 2, 0.55)]).confidence).toBe('medium');
    expect(explainFace(face, [exemplar('a', 1, 0.45), exemplar('b', 2, 0.7)]).confidence).toBe('low');
    expect(explainFace(face, [exemplar('b', 2, 0.7)]).confidence).toBe('low');
  });

  it("says 'confirmed' for a face the user placed, whatever the evidence", () => {
    expect(explainFace(face, [exemplar('b', 2, 0.9)], { userPlaced: true }).confidence).toBe('confirmed');
  });

  it('counts clothing only within the same moment, with pass 1 distance D = min(F, αF + βT)', () => {
    const withBody = { face: at(1), body: body(1), moment: 7, personId: 'a' };
    const sameMoment = exemplar('a', 1, 0.5, { moment: 7, body: body(0.95) });
    const otherMoment = exemplar('b', 2, 0.5, { moment: 8, body: body(0.95) });
    const [a, b] = [explainFace(withBody, [sameMoment]).nearest[0], explainFace(withBody, [otherMoment]).nearest[0]];
    const f = 1 - 0.5;
    const t = 1 - 0.95;
    expect(a.clothingSimilarity).toBeCloseTo(0.95, 6);
    expect(a.combinedSimilarity).toBeCloseTo(1 - Math.min(f, PASS1_ALPHA * f + PASS1_BETA * t), 6);
    expect(a.clothingHelped).toBe(true);
    expect(b.clothingSimilarity).toBeNull();
    expect(b.combinedSimilarity).toBeCloseTo(0.5, 6);
    expect(b.clothingHelped).toBe(false);
  });

  it('ignores clothing from another body model', () => {
    const withBody = { face: at(1), body: body(1), moment: 7, personId: 'a' };
    const other = exemplar('a', 1, 0.5, { moment: 7, body: { model: 'hsv', vector: at(1) } });
    expect(explainFace(withBody, [other]).nearest[0].clothingSimilarity).toBeNull();
  });

  it('limits the list and keeps a face without a person honest: no own evidence', () => {
    const many = ['a', 'b', 'c', 'd'].map((p, i) => exemplar(p, i + 1, 0.9 - i * 0.1));
    const e = explainFace({ ...face, personId: null }, many, { limit: 2 });
    expect(e.nearest.map((n) => n.personId)).toEqual(['a', 'b']);
    expect(e.own).toBeNull();
    expect(e.rival?.personId).toBe('a');
  });
});

describe('explainWithIndex', () => {
  it('finds the same evidence as explainFace when the candidates cover every person', () => {
    const people = ['a', 'b', 'c', 'd', 'e'];
    const exemplars = people.flatMap((p, i) => [exemplar(p, i * 2 + 1, 0.9 - i * 0.1), exemplar(p, i * 2 + 2, 0.3)]);
    const face = { face: at(1), body: null, moment: null, personId: 'c' };
    expect(explainWithIndex(face, indexGallery(exemplars), { candidates: 5 })).toEqual(explainFace(face, exemplars));
  });

  it("looks only at the nearest centroids' people, and always at the face's own person", () => {
    const exemplars = [exemplar('a', 1, 0.9), exemplar('b', 2, 0.8), exemplar('c', 3, 0.1)];
    const e = explainWithIndex({ face: at(1), body: null, moment: null, personId: 'c' }, indexGallery(exemplars), {
      candidates: 1,
    });
    expect(e.nearest.map((n) => n.personId)).toEqual(['a', 'c']);
    expect(e.own?.personId).toBe('c');
    expect(e.rival?.personId).toBe('a');
  });
});

describe('explainResemblance', () => {
  const faces = (personId: string, ...cosines: [number, number][]): PersonFaces => ({
    personId,
    faces: cosines.map(([observationId, c]) => ({ observationId, face: at(c) })),
  });
  const levels = { minCosine: 0.45, minLead: 0.1 };

  it('averages the 3 nearest faces of the person, leaves the face itself out and leads the best rival', () => {
    const own = faces('a', [7, 1], [1, 0.5], [2, 0.6], [3, 0.7], [4, 0.2]);
    const r = explainResemblance(
      { observationId: 7, face: at(1) },
      own,
      [faces('b', [5, 0.5], [6, 0.3]), faces('c', [8, 0.45])],
      levels,
    )!;
    expect(r.own.nearest.map((f) => f.observationId)).toEqual([3, 2, 1]);
    expect(r.own.meanSimilarity).toBeCloseTo(0.6, 6);
    // b's mean over the faces it has (0.5, 0.3) is 0.4; c's single face, 0.45, is the best rival
    expect(r.rival?.personId).toBe('c');
    expect(r.lead).toBeCloseTo(0.15, 6);
    expect(r.meetsAbsorption).toBe(true);
  });

  it('meets absorption only with 3 faces, the level and the lead', () => {
    const face = { observationId: null, face: at(1) };
    const three = faces('a', [1, 0.5], [2, 0.5], [3, 0.5]);
    expect(explainResemblance(face, three, [], levels)!.meetsAbsorption).toBe(true);
    expect(explainResemblance(face, three, [], levels)!.lead).toBeNull();
    const two = explainResemblance(face, faces('a', [1, 0.9], [2, 0.9]), [], levels)!;
    expect([two.enoughFaces, two.meetsAbsorption]).toEqual([false, false]);
    expect(explainResemblance(face, faces('a', [1, 0.44], [2, 0.44], [3, 0.44]), [], levels)!.meetsAbsorption).toBe(
      false,
    );
    const close = explainResemblance(face, three, [faces('b', [4, 0.45], [5, 0.45], [6, 0.45])], levels)!;
    expect(close.lead).toBeCloseTo(0.05, 6);
    expect(close.meetsAbsorption).toBe(false);
  });

  it('ignores the own person among the rivals and gives nothing for a person without other faces', () => {
    const own = faces('a', [1, 0.5], [2, 0.5], [3, 0.5]);
    expect(explainResemblance({ observationId: null, face: at(1) }, own, [own], levels)!.rival).toBeNull();
    expect(explainResemblance({ observationId: 1, face: at(1) }, faces('a', [1, 1]), [], levels)).toBeNull();
  });
});
