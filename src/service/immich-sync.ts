import type { Logger } from 'pino';
import { AssetFaceReader } from '../hosts/immich/asset-faces.js';
import type { ImmichClient } from '../hosts/immich/client.js';
import type { ServerInfo } from '../hosts/immich/connection.js';
import { ImmichHost } from '../hosts/immich/host.js';
import type { LabelSummary } from '../hosts/immich/labels.js';
import type { LossPolicy } from '../hosts/immich/loss-guard.js';
import {
  adoptIdentity,
  identityOf,
  readIdentity,
  recordIdentity,
  type AdoptedIdentity,
  type ImmichIdentity,
} from '../hosts/immich/server-identity.js';
import { ImmichSource } from '../hosts/immich/source.js';
import type { UserChangesSummary } from '../hosts/immich/user-changes.js';
import type { WriteBackOptions, WriteBackSummary } from '../hosts/immich/write-back.js';
import { IMMICH_SOURCE } from '../ports.js';
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
  /**
   * `run --readopt` / `--accept-deletions`: what the first cycle does if most of what we wrote vanished from Immich
   * (see loss-guard.ts); later cycles stop on such a loss again. Default 'stop'.
   */
  afterLoss?: LossPolicy;
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
  private lossPolicy: LossPolicy;
  private identity: AdoptedIdentity | null = null;
  /** The identity to record once a cycle went well (a store from before identities were recorded). */
  private unrecorded: ImmichIdentity | null = null;

  constructor(
    private readonly store: Store,
    private readonly client: ImmichClient,
    private readonly info: ServerInfo,
    perception: Perception,
    private readonly options: SyncOptions,
    private readonly log: Logger,
  ) {
    this.engine = new Engine(store, perception, { concurrency: options.downloads, indexPath: options.indexPath, log });
    this.source = new ImmichSource(store, client, info);
    const writeBack = { ...options.writeBack, deletePeople: info.canDeletePeople };
    this.lossPolicy = options.afterLoss ?? 'stop';
    const faces = new AssetFaceReader(client, info, () => store.assets.count(IMMICH_SOURCE));
    this.host = new ImmichHost(
      options.mode,
      store,
      client,
      faces,
      this.source.listed,
      writeBack,
      log,
      () => this.lossPolicy,
    );
  }

  /**
   * Checks, once, that the store belongs to the Immich library the key opens, and records it (ImmichIdentityError
   * for another one, before anything is read back or written).
   */
  checkIdentity(): AdoptedIdentity {
    if (this.identity) return this.identity;
    const current = identityOf(this.info, this.client.baseUrl, this.options.mode);
    // a store synced before stores recorded their library: recorded only after a good cycle, so that a first run
    // against the wrong Immich (stopped by the loss guard) does not make that one the store's library
    const legacy =
      readIdentity(this.store) === null &&
      (this.store.immich.people().length > 0 || this.store.assets.list(IMMICH_SOURCE).length > 0);
    this.identity = adoptIdentity(this.store, current, { record: !legacy });
    if (legacy) this.unrecorded = current;
    if (this.identity.kind === 'first') {
      const when = legacy ? 'once this cycle went well' : 'now';
      this.log.info({ user: this.info.ownerEmail }, `this store belongs to this Immich library and user from ${when}`);
    } else if (this.identity.changes.length > 0) {
      this.log.info({ changes: this.identity.changes }, 'the same Immich library as before');
    }
    return this.identity;
  }

  async cycle(options: { recluster?: boolean; progress?: CycleProgress } = {}): Promise<CycleSummary> {
    this.checkIdentity();
    const progress = options.progress;
    const cycle = await this.engine.cycle(this.source, this.host, {
      recluster: options.recluster ?? false,
      ...(progress ? { progress: (done: number, total: number) => progress('analyse', done, total) } : {}),
    });
    this.lossPolicy = 'stop'; // --readopt and --accept-deletions answer one loss, not every later one
    if (this.unrecorded) recordIdentity(this.store, this.unrecorded);
    this.unrecorded = null;
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
