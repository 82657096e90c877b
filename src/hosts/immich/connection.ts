import { Permission } from '@immich/sdk';
import type { ImmichClient } from './client.js';

export type ImmichMode = 'manage' | 'suggest';

/** What each mode needs from the API key (immich.md §2f). Tags are asked for only when tag write-back is on. */
export function requiredPermissions(mode: ImmichMode, tags: boolean): Permission[] {
  const read = [
    Permission.AssetRead,
    Permission.AssetView,
    Permission.FaceRead,
    Permission.PersonRead,
    Permission.UserRead,
  ];
  const manage = [
    Permission.FaceCreate,
    Permission.FaceUpdate,
    Permission.PersonCreate,
    Permission.PersonUpdate,
    Permission.PersonMerge,
  ];
  const tagging = tags ? [Permission.TagCreate, Permission.TagAsset] : [];
  return mode === 'manage' ? [...read, ...manage, ...tagging] : [...read, Permission.PersonMerge];
}

/**
 * Permissions a mode works better with but can do without, and what is lost without each: manage mode deletes the
 * people it created and no longer needs, and on 3.x a face it made where Immich had one (write-back.ts); the review page (`serve`) deletes a face in Immich for "not this person" and
 * "not a face" (manage mode), and puts a proposed face on its person (suggest mode).
 */
const RECOMMENDED: Record<ImmichMode, [Permission, string][]> = {
  manage: [
    [
      Permission.PersonDelete,
      'people immich-people created and no longer needs stay in Immich (hidden, since they have no faces) instead of ' +
        'being deleted',
    ],
    [
      Permission.FaceDelete,
      'the review page cannot remove a face in Immich ("not this person", "not a face"), and on Immich 3.x a face ' +
        'immich-people adds where Immich already had one stays beside it',
    ],
  ],
  suggest: [
    [Permission.FaceUpdate, 'the review page cannot put a proposed face on its person in Immich'],
    [Permission.FaceCreate, 'the review page cannot add a proposed face Immich never found'],
  ],
};

export function recommendedPermissions(mode: ImmichMode): Permission[] {
  return RECOMMENDED[mode].map(([permission]) => permission);
}

export interface ServerInfo {
  version: { major: number; minor: number; patch: number };
  /** 3.x pages with a cursor; 2.x with page numbers. */
  cursorPaging: boolean;
  /** POST /people/merge exists from 3.2.1. */
  modernMerge: boolean;
  facialRecognition: boolean;
  /** Face import (`metadata.faces.import`): with it or facial recognition on, Immich draws people's pictures. */
  importFaces: boolean;
  /** The key may delete people (person.delete): our unneeded people go instead of staying, hidden. */
  canDeletePeople: boolean;
  ownerId: string;
  /** The key owner's e-mail and creation time: with its id, what tells this Immich library from another. */
  ownerEmail: string;
  ownerCreatedAt: string;
  warnings: string[];
}

export class ImmichSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImmichSetupError';
  }
}

/** The start-up checks, in order: ping, version, face recognition feature, the key's permissions, the key's user. */
export async function checkServer(client: ImmichClient, mode: ImmichMode, tags: boolean): Promise<ServerInfo> {
  try {
    await client.ping();
  } catch (error) {
    throw new ImmichSetupError(`cannot reach Immich at ${client.baseUrl}: ${(error as Error).message}`);
  }
  const { major, minor, patch } = await client.version();
  if (major < 2) {
    throw new ImmichSetupError(
      `Immich ${major}.${minor}.${patch} is too old: immich-people supports Immich 2.x and 3.x`,
    );
  }
  const features = await client.features();
  const key = await client.myApiKey();
  const granted = new Set<string>(key.permissions);
  if (!granted.has(Permission.All)) {
    const missing = requiredPermissions(mode, tags).filter((p) => !granted.has(p));
    if (missing.length > 0) {
      throw new ImmichSetupError(
        `the API key "${key.name}" lacks these permissions: ${missing.join(', ')}. ` +
          'Edit the key in Immich (Account settings → API keys) and tick them.',
      );
    }
  }
  const warnings: string[] = [];
  for (const [permission, loss] of RECOMMENDED[mode]) {
    if (granted.has(Permission.All) || granted.has(permission)) continue;
    warnings.push(`the API key "${key.name}" lacks ${permission}: ${loss}. Tick it in the key's permissions.`);
  }
  if (features.facialRecognition && mode === 'manage') {
    warnings.push(
      "Immich's own facial recognition is on while immich-people manages people. Both will assign faces: " +
        "immich-people never moves a face Immich or you assigned, so Immich's clusters stay as they are and ours fill " +
        'in the rest. For one consistent set of people, turn facial recognition off in Administration → Settings → ' +
        "Machine Learning, or run immich-people in 'suggest' mode.",
    );
  }
  if (mode === 'manage' && !features.facialRecognition && !features.importFaces) {
    warnings.push(
      "Immich draws a person's picture only while its facial recognition or face import is on, so the people " +
        'immich-people creates would show as empty circles. Turn on face import in Administration → Settings → ' +
        'Metadata ("Import faces"): it only reads face regions other programs wrote into your photos. immich-people ' +
        'sets each picture again once it can be drawn; nothing else to run.',
    );
  }
  const me = await client.me();
  return {
    version: { major, minor, patch },
    cursorPaging: major >= 3,
    modernMerge: major > 3 || (major === 3 && (minor > 2 || (minor === 2 && patch >= 1))),
    facialRecognition: features.facialRecognition,
    importFaces: features.importFaces,
    canDeletePeople: granted.has(Permission.All) || granted.has(Permission.PersonDelete),
    ownerId: me.id,
    ownerEmail: me.email,
    ownerCreatedAt: me.createdAt,
    warnings,
  };
}
