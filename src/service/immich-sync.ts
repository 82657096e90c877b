import type { Logger } from 'pino';
import type { ImmichClient } from '../hosts/immich/client.js';
import type { ServerInfo } from '../hosts/immich/connection.js';
import { ImmichHost } from '../hosts/immich/host.js';
import type { LabelSummary } from '../hosts/immich/labels.js';
import { ImmichSource } from '../hosts/immich/source.js';
import type { UserChangesSummary } from '../hosts/immich/user-changes.js';
import type { WriteBackOptions, WriteBackSummary } from '../hosts/immich/write-back.js';
import type { Store } from '../store/store.js';
import type { Perception } from '../types.js';
import { Engine } from './engine.js';
import type { RecognitionSummary } from './recognition.js';

export interface SyncOptions {
  mode: 'manage' | 'suggest';
  writeBack: WriteBackOptions;
  /** Previews downloaded and decoded at once; inference runs one image at a time. */
  downloads: number;
  /** Where the HNSW caches live (beside the store); null keeps them in memory. */
  indexPath: string | null;
}

export interface CycleSummary {
  listed: number;
  analysed: number;
  unchanged: number;
  failed: number;
  removed: number;
  labels: LabelSummary;
  reclustered: boolean;
  recognition: RecognitionSummary;
  userChanges: UserChangesSummary | null;
  writeBack: WriteBackSummary | null;
}

export type CycleProgress = (stage: string, done: number, total: number) => void;

/** The sidecar's cycle: the one engine over Immich as both the source of photos and the host of people. */
export class ImmichSync {
  private readonly engine: Engine;
  private readonly source: ImmichSource;
  private readonly host: ImmichHost;

  constructor(
    store: Store,
    client: ImmichClient,
    info: ServerInfo,
    perception: Perception,
    options: SyncOptions,
    log: Logger,
  ) {
    this.engine = new Engine(store, perception, { concurrency: options.downloads, indexPath: options.indexPath, log });
    this.source = new ImmichSource(store, client, info);
    const writeBack = { ...options.writeBack, deletePeople: info.canDeletePeople };
    this.host = new ImmichHost(options.mode, store, client, this.source.listed, writeBack, log);
  }

  async cycle(options: { recluster?: boolean; progress?: CycleProgress } = {}): Promise<CycleSummary> {
    const progress = options.progress;
    const cycle = await this.engine.cycle(this.source, this.host, {
      recluster: options.recluster ?? false,
      ...(progress ? { progress: (done: number, total: number) => progress('analyse', done, total) } : {}),
    });
    return {
      listed: cycle.listed,
      analysed: cycle.analysed,
      unchanged: cycle.unchanged,
      failed: cycle.failed,
      removed: cycle.removed,
      labels: cycle.edits?.labels ?? { fromFaces: 0, fromTags: 0 },
      reclustered: cycle.reclustered,
      recognition: cycle.recognition,
      userChanges: cycle.edits?.userChanges ?? null,
      writeBack: cycle.applied,
    };
  }
}
