import { describe, expect, it } from 'vitest';
import { absorbIntoPeople, absorbNeighbourTable, type AbsorbInput } from '../../src/recognition/absorb.js';
import { exactKnnTable } from '../../src/recognition/knn.js';
import { matrixFromRows } from '../../src/recognition/vectors.js';
import { angle } from './helpers.js';

/**
 * Person 0: faces at 0°, 5°, 10°, 15°; person 1: 90°, 95°, 100°. Rows from 7 on are the faces to judge (label -1
 * unless given). In 2-D the cosine of two faces is the cosine of their angle.
 */
function input(
  extra: { deg: number; label?: number; clear?: boolean; image?: number }[],
  people: number[] = [0, 1],
): AbsorbInput {
  const base = [0, 5, 10, 15, 90, 95, 100];
  const degrees = [...base, ...extra.map((e) => e.deg)];
  const labels = [0, 0, 0, 0, 1, 1, 1, ...extra.map((e) => e.label ?? -1)];
  return {
    faces: matrixFromRows(degrees.map(angle)),
    candidate: Uint8Array.from(degrees, (_, i) => (i >= base.length ? 1 : 0)),
    clearFace: Uint8Array.from(degrees, (_, i) => (i < base.length || extra[i - base.length].clear !== false ? 1 : 0)),
    image: Int32Array.from(degrees, (_, i) => (i >= base.length ? (extra[i - base.length].image ?? i) : i)),
    labels: Int32Array.from(labels),
    people,
  };
}

const judged = (labels: Int32Array) => Array.from(labels.slice(7));

describe('absorbIntoPeople', () => {
  it('a face joins the person whose three nearest faces it resembles with a clear lead, and only then', () => {
    // 30°: person 0 scores mean cos(15°, 20°, 25°) = 0.937, person 1 cos(60°, 65°, 70°) = 0.422: lead 0.52.
    // 50°: person 0 scores 0.764, person 1 0.705: a lead of 0.059 is no lead.
    // 200°: nobody reaches 0.45.
    expect(judged(absorbIntoPeople(input([{ deg: 30 }, { deg: 50 }, { deg: 200 }])))).toEqual([0, -1, -1]);
  });

  it('an unclear face may join, but is never evidence itself', () => {
    expect(judged(absorbIntoPeople(input([{ deg: 30, clear: false }])))).toEqual([0]);
    // person 2's members at 181-183° are unclear: the face at 180° has no evidence for it; with them clear, it joins
    const members = [181, 182, 183].map((deg) => ({ deg, label: 2, clear: false }));
    const unclear = input([...members, { deg: 180 }], [0, 1, 2]);
    expect(judged(absorbIntoPeople(unclear))).toEqual([2, 2, 2, -1]);
    const clear = input([...members.map((m) => ({ ...m, clear: true })), { deg: 180 }], [0, 1, 2]);
    clear.candidate.fill(0, 7, 10);
    expect(judged(absorbIntoPeople(clear))).toEqual([2, 2, 2, 2]);
  });

  it('the level and the lead are options', () => {
    expect(judged(absorbIntoPeople(input([{ deg: 30 }]), { minCosine: 0.95 }))).toEqual([-1]);
    expect(judged(absorbIntoPeople(input([{ deg: 50 }]), { minLead: 0.05 }))).toEqual([0]);
  });

  it('a person with fewer than three faces near it gives no score', () => {
    // person 2 holds two faces at 181° and 182°; the face at 180° is nearest them, but two faces are no evidence
    const data = input([{ deg: 181, label: 2 }, { deg: 182, label: 2 }, { deg: 180 }], [0, 1, 2]);
    data.candidate[7] = data.candidate[8] = 0;
    expect(judged(absorbIntoPeople(data))).toEqual([2, 2, -1]);
  });

  it('with a full neighbour list, an unseen runner-up is bounded by the last neighbour', () => {
    // the 4 nearest of 30° are all person 0 (15°, 10°, 5°, 0°): the runner-up may score up to cos 30° = 0.866,
    // and 0.937 − 0.866 = 0.071 is short of the lead
    expect(judged(absorbIntoPeople(input([{ deg: 30 }]), { neighbours: 4 }))).toEqual([-1]);
    expect(judged(absorbIntoPeople(input([{ deg: 30 }]), { neighbours: 5 }))).toEqual([0]);
  });

  it('never joins a person already in its photo, nor one it is cannot-linked to', () => {
    expect(judged(absorbIntoPeople(input([{ deg: 30, image: 2 }])))).toEqual([-1]);
    expect(judged(absorbIntoPeople(input([{ deg: 30 }]), { cannotLink: [[7, 1]] }))).toEqual([-1]);
    // two faces of one photo that both resemble person 0: the first joins, the second then finds it closed
    expect(
      judged(
        absorbIntoPeople(
          input([
            { deg: 30, image: 50 },
            { deg: 31, image: 50 },
          ]),
        ),
      ),
    ).toEqual([0, -1]);
  });

  it('moves faces out of clusters that are not people, never out of people', () => {
    const data = input([
      { deg: 30, label: 5 },
      { deg: 97, label: 1 },
    ]);
    expect(judged(absorbIntoPeople(data))).toEqual([0, 1]);
  });

  it('changes nothing without people', () => {
    const data = input([{ deg: 30 }], []);
    expect(Array.from(absorbIntoPeople(data))).toEqual(Array.from(data.labels));
  });

  it('rejects inputs of different lengths', () => {
    const data = input([{ deg: 30 }]);
    expect(() => absorbIntoPeople({ ...data, image: new Int32Array(2) })).toThrow(RangeError);
  });

  it('reads a k-nearest table the same way as a search, where the caller computes tables', () => {
    const cases = [
      input([{ deg: 30 }, { deg: 50 }, { deg: 200 }]),
      input([{ deg: 30, clear: false }]),
      input([{ deg: 30, image: 2 }, { deg: 97, label: 1 }, { deg: 31 }]),
    ];
    for (const data of cases) {
      const table = absorbNeighbourTable(data, exactKnnTable, 48)!;
      expect(judged(absorbIntoPeople(data, { faceTable: table }))).toEqual(judged(absorbIntoPeople(data)));
    }
    // the table's rows are the faces that may join, its base the clear faces of people, and the bound is its last
    // entry. 30° (clear) and 20° (unclear) may join. With 4 per row, 30° sees 15°, 10°, 5°, 0° only: person 0 scores
    // mean cos(15°, 20°, 25°) = 0.937 and an unseen runner-up may reach cos 30° = 0.866, no lead; 20° scores 0.985
    // against cos 20° = 0.940, no lead either. With 5 per row both lists reach person 1 (90°), and both join person 0.
    const both = input([{ deg: 30 }, { deg: 20, clear: false }]);
    let asked: number[][] = [];
    const spy = (...args: Parameters<typeof exactKnnTable>) => {
      asked = [Array.from(args[1]), Array.from(args[3]!.include)];
      return exactKnnTable(...args);
    };
    const four = absorbNeighbourTable(both, spy, 4)!;
    expect(asked).toEqual([
      [1, 1, 1, 1, 1, 1, 1, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 1, 1],
    ]);
    expect(four.count).toBe(2);
    expect(judged(absorbIntoPeople(both, { faceTable: four, neighbours: 4 }))).toEqual([-1, -1]);
    const five = absorbNeighbourTable(both, exactKnnTable, 5)!;
    expect(judged(absorbIntoPeople(both, { faceTable: five, neighbours: 5 }))).toEqual([0, 0]);
  });

  it('asks for no table when no face may join or there is nobody to join', () => {
    const table = () => {
      throw new Error('no table was needed');
    };
    const held = input([{ deg: 97, label: 1 }]);
    expect(absorbNeighbourTable(held, table)).toBeUndefined();
    const nobody = input([{ deg: 30 }], []);
    expect(absorbNeighbourTable(nobody, table)).toBeUndefined();
  });
});
