import type { AssetFaceResponseDto } from '@immich/sdk';
import { describe, expect, it } from 'vitest';
import {
  assetsNeedingFaces,
  displacedCreations,
  orphanCandidates,
  planFaces,
  planPendingPeople,
  planPeople,
  type FacesPlanInput,
  type PlanObservation,
  type PlanPerson,
} from '../../../src/hosts/immich/write-back-plan.js';
import type { Box } from '../../../src/types.js';

// Our previews are 1000×800; Immich's faces come in the same space unless a test says otherwise.
const WIDTH = 1000;
const HEIGHT = 800;
const LEFT: Box = [100, 100, 200, 220];
const RIGHT: Box = [600, 100, 700, 220];

function person(id: string, overrides: Partial<PlanPerson> = {}): PlanPerson {
  return { id, name: null, hidden: false, immichId: null, ...overrides };
}

let nextObservationId = 1;
function observation(personId: string, assetId: string, box: Box, overrides: Partial<PlanObservation> = {}) {
  const o: PlanObservation = {
    id: nextObservationId++,
    personId,
    clear: true,
    score: 0.9,
    assetId,
    imageWidth: WIDTH,
    imageHeight: HEIGHT,
    box,
    link: null,
    ...overrides,
  };
  return o;
}

function immichFace(
  id: string,
  box: Box,
  holder: string | null,
  space: { width: number; height: number } = { width: WIDTH, height: HEIGHT },
): AssetFaceResponseDto {
  return {
    id,
    boundingBoxX1: box[0],
    boundingBoxY1: box[1],
    boundingBoxX2: box[2],
    boundingBoxY2: box[3],
    imageWidth: space.width,
    imageHeight: space.height,
    person: holder ? { id: holder, name: '', birthDate: null, isHidden: false, thumbnailPath: '' } : null,
  };
}

const ALICE = person('alice', { name: 'Alice', immichId: 'im-alice' });
const BOB = person('bob', { immichId: 'im-bob' });

describe('planPeople', () => {
  it('creates the named, and the visible unnamed with at least minFaces clear faces, in people order', () => {
    const people = [
      person('linked', { name: 'Linked', immichId: 'im-linked' }),
      person('named-no-faces', { name: 'Nora' }),
      person('hidden-named', { name: 'Hidden', hidden: true }),
      person('three-clear'),
      person('two-clear-one-blurred'),
      person('hidden-many', { hidden: true }),
    ];
    const observations = [
      ...['a1', 'a2', 'a3'].map((a) => observation('three-clear', a, LEFT)),
      ...['a1', 'a2'].map((a) => observation('two-clear-one-blurred', a, RIGHT)),
      observation('two-clear-one-blurred', 'a3', RIGHT, { clear: false }),
      ...['a1', 'a2', 'a3', 'a4'].map((a) => observation('hidden-many', a, [300, 300, 400, 400])),
      ...['a1', 'a2', 'a3'].map((a) => observation('linked', a, [300, 500, 400, 600])),
    ];
    expect(planPeople({ people, observations, minFaces: 3 })).toEqual([
      { kind: 'createPerson', personId: 'named-no-faces', name: 'Nora' },
      { kind: 'createPerson', personId: 'three-clear', name: null },
    ]);
    expect(planPeople({ people, observations, minFaces: 2 })).toEqual([
      { kind: 'createPerson', personId: 'named-no-faces', name: 'Nora' },
      { kind: 'createPerson', personId: 'three-clear', name: null },
      { kind: 'createPerson', personId: 'two-clear-one-blurred', name: null },
    ]);
  });

  it('does not count faces the user holds on other Immich people, nor create a person they all are', () => {
    const held = (holder: string | null) => ({ link: { immichPersonId: holder, origin: 'user' as const } });
    const people = [
      person('two-free-one-held'),
      person('three-free-one-held'),
      person('named-all-held', { name: 'Al' }),
    ];
    const observations = [
      ...['a1', 'a2'].map((a) => observation('two-free-one-held', a, LEFT)),
      observation('two-free-one-held', 'a3', LEFT, held('im-user')),
      ...['a1', 'a2', 'a3'].map((a) => observation('three-free-one-held', a, RIGHT)),
      observation('three-free-one-held', 'a4', RIGHT, held(null)),
      observation('named-all-held', 'a5', LEFT, held('im-user')),
      observation('named-all-held', 'a6', LEFT, held(null)),
    ];
    expect(planPeople({ people, observations, minFaces: 3 })).toEqual([
      { kind: 'createPerson', personId: 'three-free-one-held', name: null },
    ]);
  });
});

describe('planFaces', () => {
  it('adopts a matching face already on the target, even with Immich boxes in another pixel space', () => {
    const o = observation('alice', 'a1', LEFT);
    const faces = new Map([['a1', [immichFace('f1', [50, 50, 100, 110], 'im-alice', { width: 500, height: 400 })]]]);
    expect(planFaces({ people: [ALICE], observations: [o] }, faces)).toEqual([
      { kind: 'adopt', observationId: o.id, assetId: 'a1', immichFaceId: 'f1', immichPersonId: 'im-alice' },
    ]);
  });

  it('reassigns a free face, and a face on one of our people where our own link put it', () => {
    const free = observation('alice', 'a1', LEFT);
    const ours = observation('alice', 'a2', LEFT, { link: { immichPersonId: 'im-bob', origin: 'created' } });
    const faces = new Map([
      ['a1', [immichFace('f1', LEFT, null)]],
      ['a2', [immichFace('f2', LEFT, 'im-bob')]],
    ]);
    expect(planFaces({ people: [ALICE, BOB], observations: [free, ours] }, faces)).toEqual([
      { kind: 'reassign', observationId: free.id, assetId: 'a1', immichFaceId: 'f1', immichPersonId: 'im-alice' },
      { kind: 'reassign', observationId: ours.id, assetId: 'a2', immichFaceId: 'f2', immichPersonId: 'im-alice' },
    ]);
  });

  it('leaves to the user a face someone else put on a person, ours or not, and never moves it', () => {
    // on our Bob, but nothing says we put it there
    const unlinked = observation('alice', 'a1', LEFT);
    // our link says the face was on im-carol, but im-carol is not one of our people
    const notOurs = observation('alice', 'a2', LEFT, { link: { immichPersonId: 'im-carol', origin: 'reassigned' } });
    const faces = new Map([
      ['a1', [immichFace('f1', LEFT, 'im-bob')]],
      ['a2', [immichFace('f2', LEFT, 'im-carol')]],
    ]);
    expect(planFaces({ people: [ALICE, BOB], observations: [unlinked, notOurs] }, faces)).toEqual([
      { kind: 'leaveToUser', observationId: unlinked.id, assetId: 'a1', immichFaceId: 'f1', immichPersonId: 'im-bob' },
      { kind: 'leaveToUser', observationId: notOurs.id, assetId: 'a2', immichFaceId: 'f2', immichPersonId: 'im-carol' },
    ]);
  });

  it('creates a manual face with the rounded box and the preview size when no face overlaps enough', () => {
    const box: Box = [100.4, 99.6, 200.5, 220.2];
    const o = observation('alice', 'a1', box);
    // IoU with the observation is about 0.33: not the same face
    const faces = new Map([['a1', [immichFace('f1', [150, 100, 250, 220], null)]]]);
    expect(planFaces({ people: [ALICE], observations: [o] }, faces)).toEqual([
      {
        kind: 'create',
        observationId: o.id,
        assetId: 'a1',
        immichPersonId: 'im-alice',
        box,
        face: {
          assetId: 'a1',
          personId: 'im-alice',
          imageWidth: WIDTH,
          imageHeight: HEIGHT,
          x: 100,
          y: 100,
          width: 100,
          height: 121,
        },
      },
    ]);
  });

  it('skips observations that are settled, blurred, or whose person has no Immich person', () => {
    const observations = [
      observation('alice', 'a1', LEFT, { link: { immichPersonId: 'im-alice', origin: 'created' } }),
      observation('alice', 'a2', LEFT, { link: { immichPersonId: 'im-bob', origin: 'user' } }),
      observation('alice', 'a3', LEFT, { clear: false }),
      observation('unlinked', 'a4', LEFT),
    ];
    const input: FacesPlanInput = { people: [ALICE, person('unlinked', { name: 'U' })], observations };
    expect(assetsNeedingFaces(input)).toEqual([]);
    expect(planFaces(input, new Map())).toEqual([]);
  });

  it('plans by person in order of first appearance, and asks for each pending asset once', () => {
    const alice1 = observation('alice', 'a1', LEFT);
    const bob1 = observation('bob', 'a2', LEFT);
    const alice2 = observation('alice', 'a2', RIGHT);
    const settled = observation('alice', 'a3', LEFT, { link: { immichPersonId: 'im-alice', origin: 'adopted' } });
    const input: FacesPlanInput = { people: [ALICE, BOB], observations: [alice1, bob1, settled, alice2] };
    expect(assetsNeedingFaces(input)).toEqual(['a1', 'a2']);
    const faces = new Map([
      ['a1', [immichFace('f1', LEFT, null)]],
      ['a2', [immichFace('f2', LEFT, null), immichFace('f3', RIGHT, 'im-alice')]],
    ]);
    expect(planFaces(input, faces).map((op) => [op.kind, op.observationId])).toEqual([
      ['reassign', alice1.id],
      ['adopt', alice2.id],
      ['reassign', bob1.id],
    ]);
  });

  it('gives two observations on one asset their own faces', () => {
    const left = observation('alice', 'a1', LEFT);
    const right = observation('bob', 'a1', RIGHT);
    const faces = new Map([['a1', [immichFace('f1', LEFT, null), immichFace('f2', RIGHT, null)]]]);
    expect(planFaces({ people: [ALICE, BOB], observations: [left, right] }, faces)).toEqual([
      { kind: 'reassign', observationId: left.id, assetId: 'a1', immichFaceId: 'f1', immichPersonId: 'im-alice' },
      { kind: 'reassign', observationId: right.id, assetId: 'a1', immichFaceId: 'f2', immichPersonId: 'im-bob' },
    ]);
  });

  it('never lets a second observation on the asset claim or move a face this plan already took', () => {
    // Alice takes f1; Bob's observation overlaps f1 too, and his old link says we put f1 on Alice's Immich person,
    // which would make it movable — but this plan has just given it to Alice, so Bob gets a face of his own.
    const alice = observation('alice', 'a1', LEFT);
    const bobBox: Box = [105, 105, 205, 225];
    const bob = observation('bob', 'a1', bobBox, { link: { immichPersonId: 'im-alice', origin: 'reassigned' } });
    // a third observation of Alice's on the same spot would otherwise adopt f1 as well
    const aliceAgain = observation('alice', 'a1', [102, 102, 202, 222]);
    const faces = new Map([['a1', [immichFace('f1', LEFT, null)]]]);
    const ops = planFaces({ people: [ALICE, BOB], observations: [alice, bob, aliceAgain] }, faces);
    expect(ops.map((op) => [op.kind, op.observationId, 'immichFaceId' in op ? op.immichFaceId : null])).toEqual([
      ['reassign', alice.id, 'f1'],
      ['create', aliceAgain.id, null],
      ['create', bob.id, null],
    ]);
  });

  it('an adopted face is taken too: the next overlapping observation falls back to another match', () => {
    const first = observation('alice', 'a1', LEFT);
    // f1 is the second observation's best match (IoU 0.96), f2 its only other one (IoU 0.56)
    const second = observation('alice', 'a1', [102, 100, 202, 220]);
    const faces = new Map([['a1', [immichFace('f1', LEFT, 'im-alice'), immichFace('f2', [130, 100, 230, 220], null)]]]);
    expect(planFaces({ people: [ALICE], observations: [first, second] }, faces)).toEqual([
      { kind: 'adopt', observationId: first.id, assetId: 'a1', immichFaceId: 'f1', immichPersonId: 'im-alice' },
      { kind: 'reassign', observationId: second.id, assetId: 'a1', immichFaceId: 'f2', immichPersonId: 'im-alice' },
    ]);
  });

  it('lets two observations both record the same user-assigned face (it is the user’s label, not a claim)', () => {
    const first = observation('alice', 'a1', LEFT);
    const second = observation('alice', 'a1', [105, 100, 205, 220]);
    const faces = new Map([['a1', [immichFace('f1', LEFT, 'im-user')]]]);
    expect(planFaces({ people: [ALICE], observations: [first, second] }, faces).map((op) => op.kind)).toEqual([
      'leaveToUser',
      'leaveToUser',
    ]);
  });

  it('refuses to plan an asset whose faces were not given', () => {
    expect(() => planFaces({ people: [ALICE], observations: [observation('alice', 'a1', LEFT)] }, new Map())).toThrow(
      /no Immich faces given for asset a1/,
    );
  });
});

describe('planPendingPeople', () => {
  const three = (personId: string) => [1, 2, 3].map(() => observation(personId, 'a', LEFT));

  it('adopts the first person found for one we still need, naming it ours, and removes every other', () => {
    const ops = planPendingPeople(
      [
        { marker: 'm1', personId: 'p', immichId: 'i1' },
        { marker: 'm2', personId: 'p', immichId: 'i2' },
        { marker: 'm3', personId: 'gone', immichId: 'i3' },
        { marker: 'm4', personId: 'linked', immichId: 'i4' },
        { marker: 'm5', personId: 'few', immichId: 'i5' },
        { marker: 'm6', personId: 'named', immichId: 'i6' },
      ],
      {
        people: [person('p'), person('linked', { immichId: 'i0' }), person('few'), person('named', { name: 'Ann' })],
        observations: [...three('p'), ...three('linked'), observation('few', 'a', LEFT)],
        minFaces: 3,
      },
    );
    expect(ops).toEqual([
      { kind: 'adoptPerson', marker: 'm1', personId: 'p', immichId: 'i1', name: null },
      { kind: 'removePerson', marker: 'm2', immichId: 'i2' },
      { kind: 'removePerson', marker: 'm3', immichId: 'i3' },
      { kind: 'removePerson', marker: 'm4', immichId: 'i4' },
      { kind: 'removePerson', marker: 'm5', immichId: 'i5' },
      { kind: 'adoptPerson', marker: 'm6', personId: 'named', immichId: 'i6', name: 'Ann' },
    ]);
  });
});

describe('orphanCandidates', () => {
  it('names linked people with no clear face left to write and no face link of ours on them', () => {
    const input: FacesPlanInput = {
      people: [
        person('busy', { immichId: 'i1' }),
        person('blurred', { immichId: 'i2' }),
        person('empty', { immichId: 'i3' }),
        person('used', { immichId: 'i4' }),
        person('unlinked'),
      ],
      observations: [
        observation('busy', 'a', LEFT),
        observation('blurred', 'a', RIGHT, { clear: false }),
        observation('unlinked', 'b', LEFT),
      ],
    };
    expect(orphanCandidates(input, new Set(['i4']))).toEqual([
      { personId: 'blurred', immichId: 'i2' },
      { personId: 'empty', immichId: 'i3' },
    ]);
  });

  it('names a linked person whose every clear face the user holds on other people, not one holding its own', () => {
    const user = (holder: string | null) => ({ link: { immichPersonId: holder, origin: 'user' as const } });
    const input: FacesPlanInput = {
      people: [person('left-to-user', { immichId: 'i1' }), person('kept-by-user', { immichId: 'i2' })],
      observations: [
        observation('left-to-user', 'a', LEFT, user('im-users-own')),
        observation('left-to-user', 'b', LEFT, user(null)),
        observation('kept-by-user', 'a', RIGHT, user('i2')),
      ],
    };
    expect(orphanCandidates(input, new Set())).toEqual([{ personId: 'left-to-user', immichId: 'i1' }]);
  });
});

describe('displacedCreations', () => {
  const MIDDLE: Box = [350, 100, 450, 220];
  it('gives each created face that another face covers the operation planFaces plans for that face', () => {
    const free = observation('alice', 'a1', LEFT);
    const users = observation('alice', 'a1', RIGHT);
    const alone = observation('alice', 'a1', MIDDLE);
    const input: FacesPlanInput = { people: [ALICE], observations: [free, users, alone] };
    const created = new Map([
      [free.id, 'ours-1'],
      [users.id, 'ours-2'],
      [alone.id, 'ours-3'],
    ]);
    const faces = [
      immichFace('ours-1', LEFT, 'im-alice'),
      immichFace('ours-2', RIGHT, 'im-alice'),
      immichFace('ours-3', MIDDLE, 'im-alice'),
      immichFace('detected', LEFT, null),
      immichFace('users', RIGHT, 'im-bob'),
    ];
    expect(displacedCreations(input, created, faces, new Set())).toEqual([
      {
        observationId: free.id,
        createdFaceId: 'ours-1',
        instead: {
          kind: 'reassign',
          observationId: free.id,
          assetId: 'a1',
          immichFaceId: 'detected',
          immichPersonId: 'im-alice',
        },
      },
      {
        observationId: users.id,
        createdFaceId: 'ours-2',
        instead: {
          kind: 'leaveToUser',
          observationId: users.id,
          assetId: 'a1',
          immichFaceId: 'users',
          immichPersonId: 'im-bob',
        },
      },
    ]);
  });

  it('never takes a face another observation of ours holds', () => {
    const o = observation('alice', 'a1', LEFT);
    const faces = [immichFace('ours', LEFT, 'im-alice'), immichFace('held', LEFT, null)];
    const input: FacesPlanInput = { people: [ALICE], observations: [o] };
    expect(displacedCreations(input, new Map([[o.id, 'ours']]), faces, new Set(['held']))).toEqual([]);
  });
});
