import type { PeopleEditor } from '../../ports.js';
import type { Store } from '../../store/store.js';
import type { ImmichClient } from './client.js';
import type { ServerInfo } from './connection.js';

/** The merge done in Immich: `absorbed` went into `survivor` (Immich person ids). */
export interface ImmichMerge {
  survivor: string;
  absorbed: string;
}

/**
 * Accepting a suggestion merges the two people in Immich too (POST /people/merge on 3.2.1+, the legacy route
 * before), the first one surviving, then in our store. Rejecting is remembered locally only: Immich has no notion of it.
 * Returns the merge done in Immich; null when one of the two is not in Immich (the store's merge then reaches Immich
 * through the write-back, which moves the faces).
 */
export async function acceptSuggestion(
  store: Store,
  client: ImmichClient,
  info: ServerInfo,
  id: number,
  people: PeopleEditor,
): Promise<ImmichMerge | null> {
  const suggestion = store.suggestions.list().find((s) => s.id === id);
  if (!suggestion) throw new Error(`no open suggestion with id ${id}`);
  const survivor = store.immich.person(suggestion.personA)?.immichId;
  const absorbed = store.immich.person(suggestion.personB)?.immichId;
  if (survivor && absorbed) {
    const [result] = await client.merge(survivor, [absorbed], info.modernMerge);
    if (result && !result.success) {
      throw new Error(
        `Immich refused the merge: ${result.error ?? 'unknown'}${result.errorMessage ? ` (${result.errorMessage})` : ''}`,
      );
    }
    // Immich moved the absorbed person's faces onto the survivor: so do our links, or the next cycle would read each
    // of them back as the user's reassignment
    store.transaction(() => {
      for (const link of store.immich.faces()) {
        if (link.immichPersonId === absorbed) store.immich.linkFace({ ...link, immichPersonId: survivor });
      }
      store.immich.unlinkPerson(suggestion.personB);
    });
  }
  people.accept(id);
  return survivor && absorbed ? { survivor, absorbed } : null;
}
