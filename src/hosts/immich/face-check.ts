/**
 * The rotation through the library that finds faces the user moved or deleted in Immich (which leaves an asset's
 * updatedAt as it was): each cycle lists one page of photos in capture order with their people, resuming where the
 * last one stopped, the timeline first, then the archive, then round again. Pure; the reader asks Immich.
 */

/** Photos looked at per cycle: 400 cycles cover 100,000 photos, at one request each (two on 2.x at a tie). */
export const FACE_CHECK_PAGE = 250;

export interface FaceCheckPosition {
  visibility: 'timeline' | 'archive';
  /** The capture time (ISO) the next page starts at, inclusive; null from the beginning. */
  after: string | null;
}

export const FACE_CHECK_START: FaceCheckPosition = { visibility: 'timeline', after: null };

/** A stored position; the start for anything else (none yet, or written by an older version). */
export function parseFaceCheckPosition(json: string | undefined): FaceCheckPosition {
  try {
    const value = JSON.parse(json ?? '') as unknown;
    if (typeof value !== 'object' || value === null) return FACE_CHECK_START;
    const { visibility, after } = value as Record<string, unknown>;
    if (visibility !== 'timeline' && visibility !== 'archive') return FACE_CHECK_START;
    if (after !== null && (typeof after !== 'string' || Number.isNaN(Date.parse(after)))) return FACE_CHECK_START;
    return { visibility, after };
  } catch {
    return FACE_CHECK_START;
  }
}

/**
 * Where the page after this one starts. `captureTimes`: the page's fileCreatedAt values in order; `more`: Immich
 * said another page follows. The next page starts at the last time seen, inclusive, so photos that share it with
 * the next page are not skipped; a full page of one single time would never move on, so it resumes a millisecond
 * later (the rest of such a burst waits for the next round, and is then still skipped: a burst of more than
 * FACE_CHECK_PAGE photos taken in one millisecond).
 */
export function nextFaceCheckPosition(
  position: FaceCheckPosition,
  captureTimes: readonly string[],
  more: boolean,
): FaceCheckPosition {
  const last = captureTimes.at(-1);
  if (!more || last === undefined) {
    return position.visibility === 'timeline' ? { visibility: 'archive', after: null } : FACE_CHECK_START;
  }
  const stuck = position.after !== null && Date.parse(last) <= Date.parse(position.after);
  const after = stuck ? new Date(Date.parse(last) + 1).toISOString() : last;
  return { visibility: position.visibility, after };
}
