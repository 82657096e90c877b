import type { Store } from '../../store/store.js';
import { FOLDER_SOURCE, type SkippedEntry } from '../../ports.js';

export interface LibraryJson {
  people: { id: string; name: string | null; observations: number }[];
  images: {
    file: string;
    observations: {
      box: number[];
      kind: 'face' | 'body';
      personId: string | null;
      clear: boolean;
    }[];
  }[];
  /** Every photo that could not be analysed, and why (the store keeps the last error of each). */
  failures: { file: string; error: string }[];
  /** What the last scan's walk passed over (unreadable folders, FIFOs, devices, broken links), and why. */
  skipped: { path: string; reason: string }[];
  suggestions: { a: string; b: string; score: number }[];
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * The folder library as JSON: people, each image's observations (upright pixel boxes), the photos that failed and
 * the entries skipped, and merge suggestions. `root`: only the photos of the library at that folder (a store may
 * hold several); left out, every folder photo.
 */
export function libraryJson(
  store: Store,
  options: { root?: string; skipped?: readonly SkippedEntry[] } = {},
): LibraryJson {
  const library = options.root === undefined ? undefined : store.libraries.find(FOLDER_SOURCE, options.root);
  const assets = options.root !== undefined && !library ? [] : store.assets.list(FOLDER_SOURCE, library?.id);
  return {
    people: store.people.list().map((p) => ({ id: p.id, name: p.name, observations: p.observations })),
    images: assets
      .filter((a) => a.status === 'done')
      .map((asset) => ({
        file: asset.sourceId,
        // a dismissed observation is not a face: the user never sees it again
        observations: store.observations
          .forAsset(asset.id)
          .filter((s) => !s.dismissed)
          .map((s) => {
            const face = s.observation.face;
            return {
              box: (face ? face.box : s.observation.upperBody!.box).map(round1),
              kind: face ? ('face' as const) : ('body' as const),
              personId: s.personId,
              clear: face ? face.quality.clear : false,
            };
          }),
      })),
    failures: assets
      .filter((a) => a.status === 'failed')
      .map((a) => ({ file: a.sourceId, error: a.error ?? 'unknown error' })),
    skipped: (options.skipped ?? []).map((s) => ({ path: s.path, reason: s.reason })),
    suggestions: store.suggestions
      .list()
      .map((s) => ({ a: s.personA, b: s.personB, score: Math.round(s.score * 1000) / 1000 })),
  };
}
