import type { EditResult } from '../../ports.js';
import type { PersonRow } from '../../store/people.js';
import type { Store } from '../../store/store.js';
import type { ImmichClient, PersonResponseDto } from './client.js';
import type { ImmichEditRecord } from './review-faces.js';

/** `"Ann"`, or `p12` for a person without a name. */
export const personLabel = (person: Pick<PersonRow, 'id' | 'name'>) => (person.name ? `"${person.name}"` : person.id);

/** What a merge from the review page needs of its editor. */
export interface MergeContext {
  store: Store;
  client: ImmichClient;
  mode: 'manage' | 'suggest';
  /** POST /people/merge (3.2.1+), else the legacy route. */
  modernMerge: boolean;
  /** Runs the store's edit and keeps the record of Immich's side under its journal entry. */
  journal: <T>(work: () => Promise<T>, record: () => ImmichEditRecord) => Promise<{ result: T }>;
}

/** Immich's person as it is now; refused when Immich no longer has it. */
export async function currentPerson(client: ImmichClient, immichId: string): Promise<PersonResponseDto> {
  const person = await client.person(immichId);
  if (!person) {
    throw new Error(
      `Immich no longer has this person (${immichId}): merged or deleted there; the next sync brings that here`,
    );
  }
  return person;
}

function person(store: Store, id: string): PersonRow {
  const found = store.people.get(id);
  if (!found) throw new Error(`no person with id ${id}`);
  return found;
}

/**
 * `from` goes into `into`, in Immich first (POST /people/merge on 3.2.1+, the legacy route before; the survivor
 * takes a name only where it has none, as ours does), then in the store with `mergeHere`. The faces we linked to
 * the merged person are relinked to the survivor, where Immich moved them, so nothing reads as the user's change.
 * Immich refusing changes nothing, and its reason is kept.
 */
export async function mergeThroughImmich(
  ctx: MergeContext,
  into: string,
  from: string,
  mergeHere: () => Promise<EditResult>,
): Promise<EditResult> {
  const { store, client } = ctx;
  if (into === from) throw new Error('cannot merge a person with itself');
  const [target, source] = [person(store, into), person(store, from)];
  const [survivor, absorbed] = [into, from].map((id) => store.immich.person(id)?.immichId ?? null);
  if (survivor && absorbed) {
    const before = await currentPerson(client, absorbed);
    const [result] = await client.merge(survivor, [absorbed], ctx.modernMerge);
    if (result && !result.success) {
      throw new Error(
        `Immich refused the merge: ${result.error ?? 'unknown'}${result.errorMessage ? ` (${result.errorMessage})` : ''}` +
          (result.error === 'validation' ? '; give both the same name first, or clear one of them' : ''),
      );
    }
    const merged = await currentPerson(client, survivor);
    store.transaction(() => {
      for (const link of store.immich.faces()) {
        if (link.immichPersonId === absorbed) store.immich.linkFace({ ...link, immichPersonId: survivor });
      }
      store.immich.unlinkPerson(from);
      store.immich.linkPerson(into, survivor, merged.name || null, merged.isHidden);
    });
    await ctx.journal(mergeHere, () => ({
      merge: { survivor, absorbed, from, name: before.name || null, hidden: before.isHidden },
    }));
    return { note: 'in Immich too' };
  }
  if (absorbed) return takeOver(ctx, target, source, absorbed, mergeHere);
  await mergeHere();
  if (ctx.mode === 'suggest') {
    return {
      note: `${personLabel(survivor ? source : target)} is not in Immich, and suggest mode writes no faces: merged here only`,
    };
  }
  return survivor
    ? { note: `${personLabel(source)} was not in Immich: the next sync puts its faces on ${personLabel(target)}` }
    : { note: 'neither is in Immich yet: merged here; the next sync writes them as one' };
}

/** Only `from` is in Immich: `into` takes its Immich person over, named as `into` ends up. */
async function takeOver(
  ctx: MergeContext,
  target: PersonRow,
  source: PersonRow,
  immichId: string,
  mergeHere: () => Promise<EditResult>,
): Promise<EditResult> {
  const { store, client } = ctx;
  const before = await currentPerson(client, immichId);
  const name = target.name ?? source.name;
  const renamed = (before.name || null) === name ? before : await client.updatePerson(immichId, { name: name ?? '' });
  store.transaction(() => {
    store.immich.unlinkPerson(source.id);
    store.immich.linkPerson(target.id, immichId, renamed.name || null, renamed.isHidden);
  });
  await ctx.journal(mergeHere, () => ({
    takeover: { immichId, from: source.id, into: target.id, name: before.name || null },
  }));
  return { note: `in Immich, ${personLabel(source)}'s person is ${personLabel(target)} now` };
}
