import type { Logger } from 'pino';
import { describeProgress, ProgressMeter } from './progress.js';
import { cycleError, newStatus, type DaemonStatus } from './status.js';

export interface CycleResult {
  analysed: number;
  failed: number;
  peopleCreated: number;
  facesWritten: number;
}

export interface DaemonOptions {
  pollSeconds: number;
  /** HH:MM, local time: the first cycle after it each day re-clusters from scratch. */
  reclusterAt: string;
  /** How often a long cycle logs where it stands (default PROGRESS_LOG_SECONDS). */
  progressLogSeconds?: number;
}

/** A cycle in flight logs its progress this often, so a first cycle over a big library is never silent. */
export const PROGRESS_LOG_SECONDS = 10;

type Cycle = (options: {
  recluster: boolean;
  progress: (stage: string, done: number, total: number) => void;
}) => Promise<CycleResult>;

/**
 * A failure that no retry will fix (bad key, missing permission), or that the user must decide (the store belongs to
 * another Immich library; most of what we wrote vanished): the daemon stops instead of polling on.
 */
export function isFatal(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return ['ImmichAuthError', 'ImmichSetupError', 'ImmichIdentityError', 'ImmichLossError'].includes(name ?? '');
}

/** Polls: one cycle, then sleep; a nightly full re-cluster; a clean stop after the cycle in flight. */
export class Daemon {
  readonly status: DaemonStatus = newStatus();
  private stopping = false;
  private wake: (() => void) | null = null;
  private lastReclusterDay: string | null = null;
  private readonly meter: ProgressMeter;

  constructor(
    private readonly cycle: Cycle,
    private readonly counts: () => DaemonStatus['counts'],
    private readonly options: DaemonOptions,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.meter = new ProgressMeter(() => this.now().getTime());
  }

  /** True once per day, for the first cycle at or after reclusterAt. */
  nightlyDue(): boolean {
    const now = this.now();
    const [hours, minutes] = this.options.reclusterAt.split(':').map(Number);
    const day = `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`;
    const past = now.getHours() * 60 + now.getMinutes() >= hours * 60 + minutes;
    if (!past || this.lastReclusterDay === day) return false;
    this.lastReclusterDay = day;
    return true;
  }

  async run(once: boolean): Promise<void> {
    this.status.counts = this.counts();
    while (!this.stopping) {
      const started = performance.now();
      this.status.state = 'syncing';
      const ticker = setInterval(
        () => this.logProgress(started),
        (this.options.progressLogSeconds ?? PROGRESS_LOG_SECONDS) * 1000,
      );
      try {
        const result = await this.cycle({
          recluster: !once && this.nightlyDue(),
          progress: (stage, done, total) => (this.status.progress = this.meter.update(stage, done, total)),
        });
        this.status.cycles++;
        this.status.totals.analysed += result.analysed;
        this.status.totals.failed += result.failed;
        this.status.totals.peopleCreated += result.peopleCreated;
        this.status.totals.facesWritten += result.facesWritten;
        this.status.lastError = null;
        this.status.consecutiveFailures = 0;
      } catch (error) {
        this.status.lastError = cycleError(error);
        this.status.consecutiveFailures++;
        if (isFatal(error) || once) throw error;
        this.log.error(
          { error: (error as Error).message, failedInARow: this.status.consecutiveFailures },
          'cycle failed; trying again at the next poll',
        );
      } finally {
        clearInterval(ticker);
        this.meter.reset();
        this.status.progress = null;
        this.status.lastCycleAt = new Date().toISOString();
        this.status.lastCycleSeconds = (performance.now() - started) / 1000;
        this.status.counts = this.counts();
      }
      if (once || this.stopping) break;
      this.status.state = 'idle';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollSeconds * 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    this.status.state = this.stopping ? 'stopping' : 'idle';
  }

  /** Where the cycle in flight stands, for the log between "connected" and "cycle done". */
  private logProgress(started: number): void {
    const seconds = Math.round((performance.now() - started) / 1000);
    const progress = this.meter.current;
    if (progress) this.log.info({ progress, seconds }, describeProgress(progress));
    else this.log.info({ seconds }, `cycle running for ${seconds} s: listing, or no photo analysed yet`);
  }

  /** Asks the loop to end after the cycle in flight (its writes finish and are recorded). */
  stop(): void {
    this.stopping = true;
    this.status.state = 'stopping';
    this.wake?.();
  }
}
