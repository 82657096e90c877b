import type { Logger } from 'pino';
import type { Host, PeopleEditor, UserEdits } from '../../ports.js';
import type { Store } from '../../store/store.js';
import type { AssetFaceReader } from './asset-faces.js';
import type { AssetResponseDto, ImmichClient } from './client.js';
import { ImmichLabelService, type LabelSummary } from './labels.js';
import type { LossPolicy } from './loss-guard.js';
import { UserChangesService, type UserChangesSummary } from './user-changes.js';
import { WriteBackService, type WriteBackOptions, type WriteBackSummary } from './write-back.js';

export interface ImmichEdits {
  labels: LabelSummary;
  /** Changes read back in manage mode; null in suggest mode, where Immich's people are the truth anyway. */
  userChanges: UserChangesSummary | null;
}

/**
 * Immich as the host people go back to. Before recognition it reads what the user already said: faces on Immich
 * people and `People/<Name>` tags on the analysed photos whose labels were not read yet, and (manage mode) renames,
 * merges, moves and deletions since the last cycle. After recognition it writes people and faces back (manage mode)
 * without overriding the user.
 */
export class ImmichHost implements Host<ImmichEdits, WriteBackSummary | null> {
  constructor(
    readonly mode: 'manage' | 'suggest',
    private readonly store: Store,
    private readonly client: ImmichClient,
    /** Reads assets' faces in bulk where Immich allows, and in parallel where it does not. */
    private readonly faces: AssetFaceReader,
    /** The listing's assets by id (the source's), so labels need no second read. */
    private readonly listed: ReadonlyMap<string, AssetResponseDto>,
    private readonly writeBack: WriteBackOptions,
    private readonly log: Logger,
    /** What the read-back does when most of what we wrote vanished at once (asked anew each cycle). */
    private readonly lossPolicy: () => LossPolicy = () => 'stop',
  ) {}

  async readUserEdits(unread: readonly string[], editor: PeopleEditor): Promise<UserEdits<ImmichEdits>> {
    // a photo analysed by a cycle that died before this read may be missing from this cycle's (incremental) listing
    const assets = unread.map((id) => this.listed.get(id) ?? { id });
    const labels = await new ImmichLabelService(this.store, this.client, this.faces, this.log).run(assets);
    const userChanges =
      this.mode === 'manage'
        ? await new UserChangesService(this.store, this.client, this.faces, editor, this.log, this.lossPolicy()).run()
        : null;
    return { relabelled: labels.fromFaces + labels.fromTags > 0, summary: { labels, userChanges } };
  }

  async apply(): Promise<WriteBackSummary | null> {
    if (this.mode === 'suggest') return null; // never changes anything in Immich
    return new WriteBackService(this.store, this.client, this.faces, this.writeBack, this.log).run();
  }
}
