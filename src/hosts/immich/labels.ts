import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';
import type { AssetResponseDto, ImmichClient } from './client.js';
import type { AssetFaceReader } from './asset-faces.js';
import { matchFace } from './face-match.js';
import { IMMICH_SOURCE } from '../../ports.js';
import { ImmichTwins } from './twins.js';

/** A tag under this root names the person in the photo (digiKam, Lightroom and Immich's own People/<Name>). */
export const PEOPLE_TAG = /^People\/([^/]+)$/;

export interface LabelSummary {
  fromFaces: number;
  fromTags: number;
}

/**
 * Takes what Immich already knows about newly analysed photos as the user's word: a face on an Immich person
 * (assigned by the user, by Immich's clustering, or imported from XMP face regions) labels our matching observation
 * with that person; a `People/<Name>` tag labels the only clear face of a photo. Each Immich person gets a local
 * twin linked to it, so later clusters grow the same person instead of creating another.
 */
export class ImmichLabelService {
  private readonly twins: ImmichTwins;

  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    /** Reads the assets' faces in bulk where Immich allows (asset-faces.ts). */
    private readonly faces: AssetFaceReader,
    private readonly log: Logger,
  ) {
    this.twins = new ImmichTwins(store, client);
  }

  private async personNamed(name: string): Promise<string> {
    const local = this.store.people.list().find((p) => p.name === name);
    if (local) return local.id;
    const remote = [...(await this.twins.people()).values()].find((p) => p.name === name);
    if (remote) return (await this.twins.of(remote.id))!;
    return this.store.people.create({ name });
  }

  /** `assets`: as listed, or only the id of one not in this cycle's listing (its tags are then read when needed). */
  async run(assets: readonly Pick<AssetResponseDto, 'id' | 'tags'>[]): Promise<LabelSummary> {
    const summary: LabelSummary = { fromFaces: 0, fromTags: 0 };
    const analysed = assets.flatMap((asset) => {
      const row = this.store.assets.get(IMMICH_SOURCE, asset.id);
      if (!row || row.status !== 'done') return [];
      const observations = this.store.observations.forAsset(row.id).filter((o) => o.observation.face);
      return observations.length > 0 ? [{ asset, row, observations }] : [];
    });
    // only faces on a person say anything: on 3.x a photo without people needs no read of its own
    const facesByAsset = await this.faces.read(
      analysed.map(({ asset }) => asset.id),
      'assigned',
    );
    for (const { asset, row, observations } of analysed) {
      const faces = facesByAsset.get(asset.id);
      if (!faces) continue; // Immich no longer has it: the next full listing removes it
      for (const o of observations) {
        const face = matchFace(o.observation.face!.box, faces, row.width ?? 0, row.height ?? 0);
        if (!face?.person) continue;
        // a face we wrote, still linked from an analysis before this one: ours, not a label (a move of it by the
        // user is read as such by the user changes)
        const link = this.store.immich.face(o.id);
        if (link && link.origin !== 'user' && link.immichFaceId === face.id) continue;
        const twin = await this.twins.of(face.person.id);
        if (!twin) continue;
        this.store.observations.assign([{ id: o.id, personId: twin, assignedBy: 'user' }]);
        this.store.immich.linkFace({
          observationId: o.id,
          immichFaceId: face.id,
          immichPersonId: face.person.id,
          origin: 'user',
        });
        summary.fromFaces++;
      }
      const clear = observations.filter((o) => o.observation.face!.quality.clear);
      if (clear.length !== 1 || this.store.immich.face(clear[0].id)) continue;
      const tags = asset.tags ?? (await this.client.asset(asset.id)).tags ?? [];
      const names = tags.map((t) => PEOPLE_TAG.exec(t.value)?.[1]).filter((n): n is string => Boolean(n));
      if (names.length === 1) {
        this.store.observations.assign([
          { id: clear[0].id, personId: await this.personNamed(names[0]), assignedBy: 'user' },
        ]);
        summary.fromTags++;
      }
    }
    if (summary.fromFaces + summary.fromTags > 0) this.log.info(summary, 'took labels the user already made in Immich');
    return summary;
  }
}
