import { describe, expect, it } from 'vitest';
import {
  featureFacesMayBeDue,
  planFeatureFaces,
  type FeatureFacePerson,
  type FeatureFaceRecord,
} from '../../../src/hosts/immich/feature-face-plan.js';
import type { PlanObservation } from '../../../src/hosts/immich/write-back-plan.js';

function person(id: string, immichId: string | null, createdByUs = true): FeatureFacePerson {
  return { id, name: null, hidden: false, immichId, createdByUs };
}

let nextId = 1;
/** Our clear face on `assetId`, written onto Immich person `onImmich` (null: not written yet). */
function face(personId: string, assetId: string, score: number, onImmich: string | null): PlanObservation {
  return {
    id: nextId++,
    personId,
    clear: true,
    score,
    assetId,
    imageWidth: 1000,
    imageHeight: 800,
    box: [100, 100, 200, 220],
    link: onImmich ? { immichPersonId: onImmich, origin: 'created' } : null,
  };
}

const ANN = person('ann', 'im-ann');
const annFaces = () => [
  face('ann', 'a1', 0.8, 'im-ann'),
  face('ann', 'a2', 0.95, 'im-ann'),
  face('ann', 'a3', 0.9, 'im-ann'),
  face('ann', 'a4', 0.85, 'im-ann'),
  face('ann', 'a5', 0.99, null), // not on Immich's person yet: cannot be its feature face
];

describe('planFeatureFaces', () => {
  it('sets the feature face of each person we created to its best written face, the next best as fallbacks', () => {
    expect(planFeatureFaces([ANN], annFaces(), new Map(), true)).toEqual([
      { kind: 'setFeatureFace', personId: 'ann', immichId: 'im-ann', assetIds: ['a2', 'a3', 'a4'], redraw: false },
    ]);
  });

  it('leaves people the user or Immich made, people without Immich person, and people without written faces', () => {
    const people = [person('twin', 'im-twin', false), person('new', null), person('empty', 'im-empty')];
    const observations = [
      face('twin', 'b1', 0.9, 'im-twin'),
      face('new', 'b2', 0.9, null),
      face('empty', 'b3', 1, null),
    ];
    expect(planFeatureFaces(people, observations, new Map(), true)).toEqual([]);
    expect(featureFacesMayBeDue(people, observations, new Map())).toBe(false);
  });

  it('ignores unclear faces and faces the user moved to another person', () => {
    const observations = [
      { ...face('ann', 'c1', 0.99, 'im-ann'), clear: false },
      face('ann', 'c2', 0.98, 'im-someone-else'),
      face('ann', 'c3', 0.5, 'im-ann'),
    ];
    expect(planFeatureFaces([ANN], observations, new Map(), true).map((op) => op.assetIds)).toEqual([['c3']]);
  });

  it('is a fixed point: a recorded feature face is never set again while Immich could draw it', () => {
    const recorded = new Map<string, FeatureFaceRecord>([['im-ann', { assetId: 'a2', drawable: true }]]);
    expect(planFeatureFaces([ANN], annFaces(), recorded, true)).toEqual([]);
    expect(planFeatureFaces([ANN], annFaces(), recorded, false)).toEqual([]);
    expect(featureFacesMayBeDue([ANN], annFaces(), recorded)).toBe(false);
  });

  it('sets it once more when it was set while Immich could not draw it, and only once Immich can', () => {
    const recorded = new Map<string, FeatureFaceRecord>([['im-ann', { assetId: 'a2', drawable: false }]]);
    expect(featureFacesMayBeDue([ANN], annFaces(), recorded)).toBe(true);
    expect(planFeatureFaces([ANN], annFaces(), recorded, false)).toEqual([]);
    expect(planFeatureFaces([ANN], annFaces(), recorded, true)).toEqual([
      { kind: 'setFeatureFace', personId: 'ann', immichId: 'im-ann', assetIds: ['a2', 'a3', 'a4'], redraw: true },
    ]);
  });

  it('after Immich refused every face, tries again only once the best face is another one', () => {
    const refused = new Map<string, FeatureFaceRecord>([['im-ann', { assetId: 'a2', drawable: true, failed: true }]]);
    expect(planFeatureFaces([ANN], annFaces(), refused, true)).toEqual([]);
    expect(featureFacesMayBeDue([ANN], annFaces(), refused)).toBe(false);
    const better = [...annFaces(), face('ann', 'a6', 0.97, 'im-ann')];
    expect(planFeatureFaces([ANN], better, refused, true).map((op) => op.assetIds)).toEqual([['a6', 'a2', 'a3']]);
  });

  it('offers each asset once, and breaks score ties by observation id', () => {
    const observations = [
      face('ann', 'd1', 0.9, 'im-ann'),
      face('ann', 'd1', 0.9, 'im-ann'),
      face('ann', 'd2', 0.9, 'im-ann'),
    ];
    expect(planFeatureFaces([ANN], observations, new Map(), true)[0].assetIds).toEqual(['d1', 'd2']);
  });
});
