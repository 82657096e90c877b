import type { Store } from '../../store/store.js';
import type { ImmichMode, ServerInfo } from './connection.js';

/**
 * Which Immich library a store belongs to. Immich has no instance id (GET /server/about and /server/config name the
 * build, not the installation), but every user gets a random UUID when created, kept by a restored or moved
 * database and by upgrades, and new for another user or a fresh installation. So the key owner's id tells one
 * library from another. The rest (e-mail, creation time, URL, version) may change or is only there to say, in a
 * message, which library the store belongs to.
 */
export interface ImmichIdentity {
  userId: string;
  email: string;
  userCreatedAt: string;
  url: string;
  version: string;
  /** The mode the sidecar last ran in: in manage mode Immich is where people are edited (the CLI refuses). */
  mode: ImmichMode;
}

/** The checkpoint that holds the store's ImmichIdentity (JSON). */
export const IDENTITY_CHECKPOINT = 'immich.identity';

/** The store belongs to another Immich library than the one the key opens: nothing may be read back or written. */
export class ImmichIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImmichIdentityError';
  }
}

export function identityOf(info: ServerInfo, url: string, mode: ImmichMode): ImmichIdentity {
  const { major, minor, patch } = info.version;
  return {
    userId: info.ownerId,
    email: info.ownerEmail,
    userCreatedAt: info.ownerCreatedAt,
    url,
    version: `${major}.${minor}.${patch}`,
    mode,
  };
}

export type IdentityVerdict =
  { kind: 'first' } | { kind: 'same'; changes: string[] } | { kind: 'other'; message: string };

/** The verdicts adoptIdentity returns (another library throws). */
export type AdoptedIdentity = Exclude<IdentityVerdict, { kind: 'other' }>;

const describe = (i: ImmichIdentity) => `user ${i.email} (id ${i.userId}, created ${i.userCreatedAt}) at ${i.url}`;

/** Pure: whether `current` is the library `stored` recorded, and if not, the message that stops the sidecar. */
export function compareIdentity(
  stored: ImmichIdentity | null,
  current: ImmichIdentity,
  storePath: string,
): IdentityVerdict {
  if (!stored) return { kind: 'first' };
  if (stored.userId === current.userId) {
    const changes: string[] = [];
    if (stored.url !== current.url) changes.push(`URL ${stored.url} → ${current.url}`);
    if (stored.version !== current.version) changes.push(`version ${stored.version} → ${current.version}`);
    if (stored.email !== current.email) changes.push(`e-mail ${stored.email} → ${current.email}`);
    if (stored.mode !== current.mode) changes.push(`mode ${stored.mode} → ${current.mode}`);
    return { kind: 'same', changes };
  }
  return {
    kind: 'other',
    message:
      `this store (${storePath}) belongs to another Immich library: it was synced with ${describe(stored)}, ` +
      `but the API key is of ${describe(current)}. Nothing was changed, in Immich or in the store. ` +
      'A restored, upgraded or moved Immich keeps its user ids; a new id means another user or another Immich ' +
      "installation, where this store's photos, people and faces mean nothing. If the key is the wrong one, use an " +
      `API key of ${stored.email}. To sync this Immich, start over with a new store: give --db (or IMMICH_PEOPLE_DB) ` +
      `a new file, or move ${storePath} away. The first cycle analyses every photo again and takes the people already ` +
      `in Immich as your labels. Names given only in the old store: immich-people people list --db ${storePath}`,
  };
}

export function readIdentity(store: Store): ImmichIdentity | null {
  const json = store.checkpoints.get(IDENTITY_CHECKPOINT);
  if (!json) return null;
  try {
    const value = JSON.parse(json) as Partial<ImmichIdentity>;
    const strings = ['userId', 'email', 'userCreatedAt', 'url', 'version'] as const;
    if (strings.some((key) => typeof value[key] !== 'string')) return null;
    if (value.mode !== 'manage' && value.mode !== 'suggest') return null;
    return value as ImmichIdentity;
  } catch {
    return null;
  }
}

/**
 * Checks that the store belongs to the library `current` names, and records it (first run, or a new URL, version
 * or mode). Throws ImmichIdentityError for another library, before anything is read back or written.
 * `record: false` only checks (a CLI command that is not the sidecar).
 */
export function adoptIdentity(
  store: Store,
  current: ImmichIdentity,
  options: { record: boolean } = { record: true },
): AdoptedIdentity {
  const verdict = compareIdentity(readIdentity(store), current, store.path);
  if (verdict.kind === 'other') throw new ImmichIdentityError(verdict.message);
  if (options.record && (verdict.kind === 'first' || verdict.changes.length > 0)) recordIdentity(store, current);
  return verdict;
}

export function recordIdentity(store: Store, identity: ImmichIdentity): void {
  store.checkpoints.set(IDENTITY_CHECKPOINT, JSON.stringify(identity));
}
