/**
 * Telling a user's deletions from a loss. A user deletes or merges a few people and faces at a time; when most of
 * what we wrote vanishes in one cycle, Immich was restored from an older backup, its database replaced, or cleaned
 * up by something else. Taking that for the user's deletions would hide each such person for good and never write
 * it again, silently. So the read-back stops instead, and the user says which it was (LossPolicy).
 */

/** What the read-back does when most of what we wrote is gone. */
export type LossPolicy =
  /** stop with ImmichLossError, changing nothing (the default) */
  | 'stop'
  /** forget what vanished, as if never written: the write-back writes it again (`run --readopt`) */
  | 'readopt'
  /** take it as the user's deletions, as for a few (`run --accept-deletions`) */
  | 'accept';

/** A loss is at least this many people … (a user deleting two of three people in one poll interval is no loss) */
export const LOSS_MIN_PEOPLE = 3;
/** … or this many written faces, checked this cycle … */
export const LOSS_MIN_FACES = 10;
/** … and more than this share of them. */
export const LOSS_SHARE = 0.5;

export interface LossInput {
  /** Our people linked to an Immich person at the start of the cycle. */
  linkedPeople: number;
  /** Linked people gone from Immich whose faces are not on another of our people (deleted, not merged). */
  deletedPeople: number;
  /** Faces we wrote whose asset was read back this cycle. */
  checkedFaces: number;
  /** Of those, the faces Immich no longer has (or whose asset it no longer has). */
  missingFaces: number;
}

/** Pure: whether this cycle's read-back looks like a loss rather than the user's edits. */
export function isLoss(input: LossInput): boolean {
  const people = input.deletedPeople >= LOSS_MIN_PEOPLE && input.deletedPeople > LOSS_SHARE * input.linkedPeople;
  const faces = input.missingFaces >= LOSS_MIN_FACES && input.missingFaces > LOSS_SHARE * input.checkedFaces;
  return people || faces;
}

/** Most of what we wrote vanished at once: the sidecar stops, changing nothing, until the user says what it was. */
export class ImmichLossError extends Error {
  constructor(input: LossInput, storePath: string) {
    super(
      'most of what immich-people wrote to Immich vanished at once: ' +
        `${input.deletedPeople} of ${input.linkedPeople} of its people are no longer in Immich (none of their faces ` +
        `went to another person, so these are no merges), and ${input.missingFaces} of the ${input.checkedFaces} ` +
        'faces it wrote and checked this cycle are gone. That looks like Immich restored from an older backup, its ' +
        'database replaced, or a cleanup, not like your edits, so the cycle stopped before taking any of it: no ' +
        'person was hidden or forgotten, nothing was written to Immich. If Immich lost them: immich-people run --once --readopt writes them again (names and your edits ' +
        'in the store are kept). If you deleted them on purpose: immich-people run --once --accept-deletions takes ' +
        'them as your deletions, as usual (those people stay hidden and are never written again). To start over ' +
        `instead, move the store (${storePath}) away: a new one analyses every photo again.`,
    );
    this.name = 'ImmichLossError';
  }
}
