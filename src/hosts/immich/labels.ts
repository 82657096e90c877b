import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';
import type { AssetResponseDto, ImmichClient, PersonResponseDto } from './client.js';
import type { AssetFaceReader } from './asset-faces.js';
import { matchFace } from './face-match.js';
import { IMMICH_SOURCE } from '../../ports.js';

/** A tag under this root names the person in the photo (digiKam, Lightroom and Immich's own People/<Name>). */
export const PEOPLE_TAG = /^People\/([^/]+)$/;

/** Our id for the local twin of an Immich person someone else made (the user, Immich's clustering, a face import). */
export function twinId(immichId: string): string {
  return `immich-${immichId}`;
}

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
  private immichPeople: Map<string, PersonResponseDto> | null = null;

  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    /** Reads the assets' faces in bulk where Immich allows (asset-faces.ts). */
    private readonly faces: AssetFaceReader,
    private readonly log: Logger,
  ) {}

  private async twinOf(immichId: string): Promise<string | null> {
    const linked = this.store.immich.byImmichId(immichId);
    if (linked) return linked.personId;
    this.immichPeople ??= new Map((await this.client.allPeople()).map((p) => [p.id, p]));
    const person = this.immichPeople.get(immichId) ?? (await this.client.person(immichId));
    if (!person) return null;
    const id = twinId(immichId);
    if (!this.store.people.get(id)) this.store.people.create({ id, name: person.name || null });
    this.store.immich.linkPerson(id, immichId, person.name || null, person.isHidden);
    return id;
  }

  private async personNamed(name: string): Promise<string> {
    const local = this.store.people.list().find((p) => p.name === name);
    if (local) return local.id;
    this.immichPeople ??= new Map((await this.client.allPeople()).map((p) => [p.id, p]));
    const remote = [...this.immichPeople.values()].find((p) => p.name === name);
    if (remote) return (await this.twinOf(remote.id))!;
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
        const twin = await this.twinOf(face.person.id);
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
