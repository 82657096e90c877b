import type { Store } from '../../store/store.js';
import { FOLDER_SOURCE } from '../../ports.js';

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
  suggestions: { a: string; b: string; score: number }[];
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The folder library as JSON: people, each image's observations (upright pixel boxes) and merge suggestions. */
export function libraryJson(store: Store): LibraryJson {
  return {
    people: store.people.list().map((p) => ({ id: p.id, name: p.name, observations: p.observations })),
    images: store.assets
      .list(FOLDER_SOURCE)
      .filter((a) => a.status === 'done')
      .map((asset) => ({
        file: asset.sourceId,
        observations: store.observations.forAsset(asset.id).map((s) => {
          const face = s.observation.face;
          return {
            box: (face ? face.box : s.observation.upperBody!.box).map(round1),
            kind: face ? ('face' as const) : ('body' as const),
            personId: s.personId,
            clear: face ? face.quality.clear : false,
          };
        }),
      })),
    suggestions: store.suggestions
      .list()
      .map((s) => ({ a: s.personA, b: s.personB, score: Math.round(s.score * 1000) / 1000 })),
  };
}
