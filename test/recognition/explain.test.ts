import { describe, expect, it } from 'vitest';
import { explainFace, explainWithIndex, indexGallery, type ExemplarVectors } from '../../src/recognition/explain.js';
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
