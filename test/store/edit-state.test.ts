import { describe, expect, it } from 'vitest';
import { observationIdsOf, renumberObservations, type EditState } from '../../src/store/edit-state.js';

const state: EditState = {
  people: {
    p1: { name: 'Ann', hidden: false, cover: 3, createdAt: 1, updatedAt: 2, exemplars: [3, 5] },
    p2: null,
  },
  observations: { '3': { personId: 'p1', assignedBy: 'user', dismissed: false }, '9': null },
  suggestions: { '4': { personA: 'p1', personB: 'p3', score: 0.7, status: 'open', createdAt: 1 } },
  constraints: [
    { a: 3, b: 9, kind: 'cannot-link', origin: 'user', createdAt: 1 },
    { a: 5, b: 7, kind: 'must-link', origin: 'user', createdAt: 1 },
  ],
};

describe('an edit state told in the observations of today', () => {
  it('names every observation id it holds: keys, cover, exemplars, constraint ends', () => {
    expect(observationIdsOf(state).sort((x, y) => x - y)).toEqual([3, 5, 7, 9]);
  });

  it('renumbers keys, cover, exemplars and constraint ends, keeping constraints ordered, and leaves the rest', () => {
    // 3 and 5 were analysed again as 12 and 11; 9's photo left; 7 is on a photo not analysed again
    const renumbered = renumberObservations(
      state,
      new Map([
        [3, 12],
        [5, 11],
        [9, 9],
      ]),
    );
    expect(renumbered).toEqual({
      people: {
        p1: { name: 'Ann', hidden: false, cover: 12, createdAt: 1, updatedAt: 2, exemplars: [11, 12] },
        p2: null,
      },
      observations: { '12': { personId: 'p1', assignedBy: 'user', dismissed: false }, '9': null },
      suggestions: state.suggestions,
      constraints: [
        { a: 7, b: 11, kind: 'must-link', origin: 'user', createdAt: 1 },
        { a: 9, b: 12, kind: 'cannot-link', origin: 'user', createdAt: 1 },
      ],
    });
  });
});
