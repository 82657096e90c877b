import type { AssetRow } from '../store/assets.js';

/**
 * A scan stops before removing anything when more than this share of a library's photos, and more than `atLeast` of
 * them, are gone at once. Deleting a few photos between scans is ordinary housekeeping; a fifth of a library gone at
 * once is far more often a drive half mounted, a sync still running or the wrong folder than a decision, and what it
 * would take with it (observations, the user's names and merges) is the user's work. `atLeast` lets a small library
 * lose a handful of photos without asking.
 */
export const REMOVAL_GUARD = { share: 0.2, atLeast: 5 } as const;

/** A scan that would remove too much of a library: nothing was removed. */
export class RemovalGuardError extends Error {
  constructor(
    readonly root: string,
    readonly gone: number,
    readonly stored: number,
  ) {
    super(
      `${gone} of the ${stored} photos stored for ${root} are no longer there; nothing was removed. ` +
        'If they were deleted on purpose, re-run with --prune.',
    );
    this.name = 'RemovalGuardError';
  }
}

/** Whether removing `gone` of a library's `stored` photos needs the user's --prune. */
export function exceedsRemovalGuard(gone: number, stored: number): boolean {
  return gone > REMOVAL_GUARD.atLeast && gone > REMOVAL_GUARD.share * stored;
}

/** Is a stored id under one of the listing's unlisted ids or folder prefixes? */
export function isUnlisted(id: string, unlisted: readonly string[]): boolean {
  return unlisted.some((u) => id === u || id.startsWith(`${u}/`));
}

/** Stored photos of a library that a complete listing no longer shows (photos the listing could not see stay). */
export function missingFromListing(
  stored: readonly AssetRow[],
  listed: ReadonlySet<string>,
  unlisted: readonly string[],
): AssetRow[] {
  return stored.filter((a) => !listed.has(a.sourceId) && !isUnlisted(a.sourceId, unlisted));
}
