/** Where a long stage of a cycle stands, for the log and /status. */
export interface ProgressReport {
  stage: string;
  done: number;
  total: number;
  /** Items per second since the stage's first report, to 2 decimals; null until a second report has moved on. */
  perSecond: number | null;
  /** Whole seconds left at that rate (rounded up); null while the rate is unknown. */
  etaSeconds: number | null;
}

/**
 * Rate and time left of the stage in progress. The rate runs from the stage's first report, not from the cycle's
 * start: the engine first reports once a photo is done, after the listing, which would otherwise count as analysis.
 * Pure but for the clock, which is injected (milliseconds).
 */
export class ProgressMeter {
  private stage: string | null = null;
  private firstAt = 0;
  private firstDone = 0;
  private last: ProgressReport | null = null;

  constructor(private readonly nowMs: () => number) {}

  update(stage: string, done: number, total: number): ProgressReport {
    const now = this.nowMs();
    if (stage !== this.stage || done < this.firstDone) {
      this.stage = stage;
      this.firstAt = now;
      this.firstDone = done;
    }
    const seconds = (now - this.firstAt) / 1000;
    const rate = seconds > 0 && done > this.firstDone ? (done - this.firstDone) / seconds : null;
    this.last = {
      stage,
      done,
      total,
      perSecond: rate === null ? null : Math.round(rate * 100) / 100,
      etaSeconds: rate === null ? null : Math.ceil(Math.max(0, total - done) / rate),
    };
    return this.last;
  }

  /** The last report, or null before the first one (or after `reset`). */
  get current(): ProgressReport | null {
    return this.last;
  }

  reset(): void {
    this.stage = null;
    this.last = null;
  }
}

/** 45 s, 12 min, 2 h 5 min. */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** One log line: "analyse: 9/100 photos, 2 photos/s, about 46 s left". */
export function describeProgress(report: ProgressReport): string {
  const head = `${report.stage}: ${report.done}/${report.total} photos`;
  if (report.done >= report.total) return `${head}; recognition and write-back under way`;
  if (report.perSecond === null || report.etaSeconds === null) return head;
  return `${head}, ${report.perSecond} photos/s, about ${formatDuration(report.etaSeconds)} left`;
}
