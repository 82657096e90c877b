/**
 * What write-back should do, decided without any I/O: plain inputs (our people, our observations, what Immich shows
 * on each asset) in, a list of operations out. `WriteBackService` gathers the inputs and carries the operations out.
 *
 * Planning runs in two phases because a face needs the Immich id of its person, which exists only once that person
 * has been created: `planPeople` first, the executor creates and links them, then `planFaces`.
 */

import type { AssetFaceCreateDto, AssetFaceResponseDto } from '@immich/sdk';
import type { FaceOrigin } from '../../store/immich.js';
import type { Box } from '../../types.js';
import { matchFace } from './face-match.js';

/** One of our people as the planner sees it. */
export interface PlanPerson {
  id: string;
  name: string | null;
  hidden: boolean;
  /** The Immich person we created or adopted for it; null while it has none. */
  immichId: string | null;
}

/** What we recorded about an observation's Immich face on an earlier run. */
export interface PlanFaceLink {
  immichPersonId: string | null;
  origin: FaceOrigin;
}

/** One of our assigned face observations on an Immich asset. */
export interface PlanObservation {
  id: number;
  personId: string;
  /** Only clear faces are counted for people and written as faces. */
  clear: boolean;
  /** The face's quality score (0–1): the best face of a person becomes its picture in Immich. */
  score: number;
  /** Immich's asset id. */
  assetId: string;
  /** The preview's size: our box lives in its pixels, and Immich's faces are scaled into them to be compared. */
  imageWidth: number;
  imageHeight: number;
  box: Box;
  link: PlanFaceLink | null;
}

export interface FacesPlanInput {
  people: readonly PlanPerson[];
  observations: readonly PlanObservation[];
}

export interface PeoplePlanInput extends FacesPlanInput {
  /** An unnamed person is created in Immich once it has this many clear faces (see WriteBackOptions.minFaces). */
  minFaces: number;
}

/** Create an Immich person for one of ours (then link the two at once). */
export interface CreatePersonOp {
  kind: 'createPerson';
  personId: string;
  name: string | null;
}

export type PersonOp = CreatePersonOp;

/** The body of Immich's `POST /faces`: a manual face on the preview's pixels. */
export type ManualFace = AssetFaceCreateDto;

interface FaceOpBase {
  observationId: number;
  assetId: string;
}

/** The matching Immich face already shows the target person: only record the link. */
export interface AdoptFaceOp extends FaceOpBase {
  kind: 'adopt';
  immichFaceId: string;
  immichPersonId: string;
}

/** The matching Immich face is free, or on a person where we put it earlier: move it to the target person. */
export interface ReassignFaceOp extends FaceOpBase {
  kind: 'reassign';
  immichFaceId: string;
  immichPersonId: string;
}

/** Someone else put the matching face on `immichPersonId`: never move it, record it as the user's label. */
export interface LeaveToUserFaceOp extends FaceOpBase {
  kind: 'leaveToUser';
  immichFaceId: string;
  immichPersonId: string;
}

/** No Immich face matches: create a manual one; the executor finds its id again by matching `box`. */
export interface CreateFaceOp extends FaceOpBase {
  kind: 'create';
  immichPersonId: string;
  box: Box;
  face: ManualFace;
}

export type FaceOp = AdoptFaceOp | ReassignFaceOp | LeaveToUserFaceOp | CreateFaceOp;

/** Our clear observations by person, in the order each person first appears (the order writes happen in). */
function clearByPerson(observations: readonly PlanObservation[]): Map<string, PlanObservation[]> {
  const byPerson = new Map<string, PlanObservation[]>();
  for (const o of observations) {
    if (!o.clear) continue;
    const members = byPerson.get(o.personId);
    if (members) members.push(o);
    else byPerson.set(o.personId, [o]);
  }
  return byPerson;
}

/**
 * The user holds this face in Immich on another person than `immichId` (or on nobody): no write of ours puts it on
 * our person, so it does not count towards showing that person in Immich.
 */
function heldByUserElsewhere(o: PlanObservation, immichId: string | null): boolean {
  return o.link?.origin === 'user' && (immichId === null || o.link.immichPersonId !== immichId);
}

/**
 * People to create in Immich: those without an Immich person that are named, or not hidden and with at least
 * `minFaces` clear faces (Immich hides unnamed people with fewer faces, so creating them would show nobody). Faces
 * the user holds on other Immich people do not count, and a person all of whose clear faces they hold is not
 * created: it would stay without a face in Immich.
 */
export function planPeople(input: PeoplePlanInput): PersonOp[] {
  const byPerson = clearByPerson(input.observations);
  const ops: PersonOp[] = [];
  for (const person of input.people) {
    if (person.immichId) continue;
    const clear = byPerson.get(person.id) ?? [];
    const ours = clear.filter((o) => !heldByUserElsewhere(o, null)).length;
    if (person.hidden || (person.name === null && ours < input.minFaces)) continue;
    if (clear.length > 0 && ours === 0) continue;
    ops.push({ kind: 'createPerson', personId: person.id, name: person.name });
  }
  return ops;
}

/** Clear observations that still need work: their person has an Immich person, and no link settles them. */
function pendingFaceWork(input: FacesPlanInput): { observation: PlanObservation; target: string }[] {
  const immichIdOf = new Map(input.people.map((p) => [p.id, p.immichId]));
  const pending: { observation: PlanObservation; target: string }[] = [];
  for (const [personId, members] of clearByPerson(input.observations)) {
    const target = immichIdOf.get(personId);
    if (!target) continue;
    for (const o of members) {
      if (o.link && (o.link.origin === 'user' || o.link.immichPersonId === target)) continue;
      pending.push({ observation: o, target });
    }
  }
  return pending;
}

/** The Immich assets whose faces `planFaces` needs, each once, in the order it needs them. */
export function assetsNeedingFaces(input: FacesPlanInput): string[] {
  return [...new Set(pendingFaceWork(input).map(({ observation }) => observation.assetId))];
}

/**
 * The face operations, in the order they are to be carried out. `immichFacesByAsset` holds what Immich shows on
 * each asset named by `assetsNeedingFaces`, read before any of these operations runs.
 *
 * Each observation is matched against its asset's Immich faces (IoU ≥ 0.5 in the preview's pixels). A face that an
 * earlier operation of this plan adopts, reassigns or creates is taken: later observations on the same asset do
 * not see it, so two observations never claim one Immich face (nor does a second one move it away again).
 */
export function planFaces(
  input: FacesPlanInput,
  immichFacesByAsset: ReadonlyMap<string, readonly AssetFaceResponseDto[]>,
): FaceOp[] {
  const ourImmichPeople = new Set(input.people.flatMap((p) => (p.immichId ? [p.immichId] : [])));
  const taken = new Set<string>();
  const ops: FaceOp[] = [];
  for (const { observation: o, target } of pendingFaceWork(input)) {
    const faces = immichFacesByAsset.get(o.assetId);
    if (!faces) throw new Error(`planFaces: no Immich faces given for asset ${o.assetId}`);
    const available = faces.filter((face) => !taken.has(face.id));
    const existing = matchFace(o.box, available, o.imageWidth, o.imageHeight);
    const base = { observationId: o.id, assetId: o.assetId };
    if (!existing) {
      // The created face has no id yet; nothing Immich showed before can be it, so there is nothing to mark taken.
      ops.push({ kind: 'create', ...base, immichPersonId: target, box: o.box, face: manualFace(o, target) });
      continue;
    }
    const holder = existing.person?.id ?? null;
    if (holder === target) {
      taken.add(existing.id);
      ops.push({ kind: 'adopt', ...base, immichFaceId: existing.id, immichPersonId: target });
    } else if (holder === null || (o.link?.immichPersonId === holder && ourImmichPeople.has(holder))) {
      // free, or on a person where we ourselves put it earlier
      taken.add(existing.id);
      ops.push({ kind: 'reassign', ...base, immichFaceId: existing.id, immichPersonId: target });
    } else {
      ops.push({ kind: 'leaveToUser', ...base, immichFaceId: existing.id, immichPersonId: holder });
    }
  }
  return ops;
}

/** A face we created where Immich already had one, and what the planner does with that one instead. */
export interface DisplacedFace {
  observationId: number;
  /** Our face: deleted, since `instead` takes its place. */
  createdFaceId: string;
  instead: AdoptFaceOp | ReassignFaceOp | LeaveToUserFaceOp;
}

/**
 * The faces created on one asset without its faces read first (write-back.ts: on 3.x, with Immich's facial
 * recognition off, a photo listed without people) that stand where Immich already had a face: one its detection
 * left before recognition was turned off, one of a deleted person, one the user drew meanwhile. The read that finds
 * ours shows the others too; each of ours that one of them covers (IoU ≥ 0.5) gets what `planFaces` would have
 * planned had it seen that face: take it, or leave it to the user. `created`: our new face by observation; `faces`:
 * the asset's faces read after the creations; `held`: faces that other observations of ours are linked to.
 */
export function displacedCreations(
  input: FacesPlanInput,
  created: ReadonlyMap<number, string>,
  faces: readonly AssetFaceResponseDto[],
  held: ReadonlySet<string>,
): DisplacedFace[] {
  const ours = new Set(created.values());
  const others = faces.filter((face) => !ours.has(face.id) && !held.has(face.id));
  const observations = input.observations.filter((o) => created.has(o.id)).map((o) => ({ ...o, link: null }));
  const facesByAsset = new Map(observations.map((o) => [o.assetId, others]));
  const displaced: DisplacedFace[] = [];
  for (const op of planFaces({ people: input.people, observations }, facesByAsset)) {
    if (op.kind === 'create') continue;
    displaced.push({ observationId: op.observationId, createdFaceId: created.get(op.observationId)!, instead: op });
  }
  return displaced;
}

/** Our box, rounded, on the preview's pixels (Immich stores faces in its preview's space). */
function manualFace(o: PlanObservation, personId: string): ManualFace {
  const [x1, y1, x2, y2] = o.box;
  return {
    assetId: o.assetId,
    personId,
    imageWidth: o.imageWidth,
    imageHeight: o.imageHeight,
    x: Math.round(x1),
    y: Math.round(y1),
    width: Math.round(x2 - x1),
    height: Math.round(y2 - y1),
  };
}

/** A person we may have created in Immich without linking it (its creation intent is still pending). */
export interface PendingPerson {
  marker: string;
  /** Our person it was created for. */
  personId: string;
  /** The Immich person read back, found by its id or its marker name. */
  immichId: string;
}

/** Link the pending Immich person to ours, giving it our name (or none): we still need it. */
export interface AdoptPersonOp {
  kind: 'adoptPerson';
  marker: string;
  personId: string;
  immichId: string;
  name: string | null;
}

/** Delete the pending Immich person: ours is gone, linked meanwhile, or no longer to be shown in Immich. */
export interface RemovePersonOp {
  kind: 'removePerson';
  marker: string;
  immichId: string;
}

export type PendingPersonOp = AdoptPersonOp | RemovePersonOp;

/**
 * What to do with people created for a creation intent that never got recorded: a person `planPeople` would create
 * now adopts the first one found for it instead; every other one (a second one for the same person, one whose person
 * was linked, removed or no longer qualifies) is removed. Only people the sidecar created reach this: each was found
 * by the intent's own id or unique marker name.
 */
export function planPendingPeople(pending: readonly PendingPerson[], input: PeoplePlanInput): PendingPersonOp[] {
  const wanted = new Map(planPeople(input).map((op) => [op.personId, op]));
  const ops: PendingPersonOp[] = [];
  for (const p of pending) {
    const op = wanted.get(p.personId);
    if (op) {
      wanted.delete(p.personId);
      ops.push({ kind: 'adoptPerson', marker: p.marker, personId: p.personId, immichId: p.immichId, name: op.name });
    } else {
      ops.push({ kind: 'removePerson', marker: p.marker, immichId: p.immichId });
    }
  }
  return ops;
}

/**
 * Linked Immich people that may be left empty by us: created and linked, then the process stopped before any face
 * went on them, or every clear face of ours turned out to be held by the user on other people; and our person has
 * no clear face to write any more (else `planFaces` fills them). The executor removes each only if Immich confirms
 * it has no name and no faces, so a person the user named or used stays.
 */
export function orphanCandidates(
  input: FacesPlanInput,
  linkedFacePeople: ReadonlySet<string>,
): { personId: string; immichId: string }[] {
  const immichIdOf = new Map(input.people.map((p) => [p.id, p.immichId]));
  const withClearFaces = new Set(
    input.observations
      .filter((o) => o.clear && !heldByUserElsewhere(o, immichIdOf.get(o.personId) ?? null))
      .map((o) => o.personId),
  );
  return input.people.flatMap((p) =>
    p.immichId && !withClearFaces.has(p.id) && !linkedFacePeople.has(p.immichId)
      ? [{ personId: p.id, immichId: p.immichId }]
      : [],
  );
}
