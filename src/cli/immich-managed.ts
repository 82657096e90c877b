import { twinId } from '../hosts/immich/twins.js';
import { readIdentity } from '../hosts/immich/server-identity.js';
import type { Store } from '../store/store.js';
import { UsageError } from './command-runner.js';
import { describePerson, findPerson } from './person-ref.js';

/** Where Immich's web pages are: the recorded API base without its `/api`. */
function webUrl(apiUrl: string): string {
  return apiUrl.replace(/\/api\/?$/, '');
}

/**
 * The Immich library whose people this store mirrors in manage mode (the sidecar last ran on it in manage mode), or
 * null. A store synced before it recorded its library counts as managed when the sidecar created people from it
 * (only manage mode does; suggest mode links only Immich's own people, as local twins).
 */
export function immichManaging(store: Store): { web: string | null; email: string | null } | null {
  const identity = readIdentity(store);
  if (identity) return identity.mode === 'manage' ? { web: webUrl(identity.url), email: identity.email } : null;
  const created = store.immich.people().some((link) => link.immichId && link.personId !== twinId(link.immichId));
  return created ? { web: null, email: null } : null;
}

/** Each person's Immich person, as a link a user can open: `p3 "Ann" is http://immich/people/<id>`. */
export function immichPersonRef(store: Store, personId: string, web: string | null): string | null {
  const immichId = store.immich.person(personId)?.immichId;
  if (!immichId) return null;
  return web ? `${web}/people/${immichId}` : `Immich person ${immichId}`;
}

const HOW: Record<'name' | 'unname' | 'merge' | 'split' | 'move' | 'dismiss', string> = {
  name: 'rename the person in Immich (People, open the person, click its name)',
  unname: "clear the person's name in Immich (People, open the person, click its name)",
  merge: 'merge them in Immich (People, open the person who stays, "Merge people")',
  split: 'in Immich, open the photo, "Edit faces", and move that face to another person or remove it',
  move: 'in Immich, open the photo, "Edit faces", and move that face to the other person',
  dismiss: 'in Immich, open the photo, "Edit faces", and remove that face',
};

/** Edits of faces: refused only for a face that is in Immich; the others' people may be in Immich or not. */
const FACE_EDITS = new Set<keyof typeof HOW>(['split', 'move', 'dismiss']);

/**
 * In manage mode Immich holds the truth about people: an edit of a person (or face) that is in Immich, made only in
 * the store, would never reach Immich. So the CLI refuses it and says where to make it instead; the sidecar's next
 * cycle brings Immich's change into the store. An edit of people not in Immich yet goes on: the write-back takes it
 * there (a named person is created with its name), and it is the only way to name a person Immich does not show
 * (fewer faces than its minFaces). Does nothing for a store Immich does not manage.
 */
export function refuseWhenImmichManages(
  store: Store,
  edit: keyof typeof HOW,
  subject: { people?: readonly string[]; observations?: readonly number[] },
): void {
  const managing = immichManaging(store);
  if (!managing) return;
  const everyone = store.people.list();
  const people = (subject.people ?? []).map((ref) => findPerson(everyone, ref));
  const photos: string[] = [];
  const observations = store.observations.byIds([...(subject.observations ?? [])], { vectors: false });
  for (const observation of observations) {
    if (!store.immich.face(observation.id)?.immichPersonId) continue;
    const owner = everyone.find((p) => p.id === observation.personId);
    if (owner && !people.includes(owner)) people.push(owner);
    const asset = store.assets.list().find((a) => a.id === observation.assetId);
    if (asset) photos.push(managing.web ? `${managing.web}/photos/${asset.sourceId}` : asset.sourceId);
  }
  const refs = people.map((p) => ({ person: p, ref: immichPersonRef(store, p.id, managing.web) }));
  const inImmich = FACE_EDITS.has(edit) ? photos.length > 0 : refs.some(({ ref }) => ref !== null);
  if (!inImmich) return;
  const where = refs.map(
    ({ person, ref }) => `${describePerson(person)} is ${ref ?? 'not in Immich yet (the next cycle writes it)'}`,
  );
  const library = managing.web ? ` at ${managing.web}${managing.email ? ` (${managing.email})` : ''}` : '';
  throw new UsageError(
    `people ${edit}: this store's people are managed in Immich${library}, so they are edited there, not here: ` +
      `${HOW[edit]}. The sidecar's next cycle brings the change into this store. ${where.join('; ')}` +
      `${photos.length > 0 ? `; ${photos.length === 1 ? 'the face is on the photo' : 'the faces are on'} ${photos.join(', ')}` : ''}.`,
  );
}
