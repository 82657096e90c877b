import type { ProgressReport } from './progress.js';

/**
 * Cycles that must fail in a row before /health answers 503. One failed cycle is ordinary: Immich restarting for an
 * upgrade, or its database busy, outlasts the client's own retries (about 15 s a request). Three in a row is at least
 * two whole poll intervals (10 minutes at the default 5) without one good cycle: no blip, but an outage or a problem
 * that stays (a full disk, a broken store) that Docker's health check should make visible.
 */
export const UNHEALTHY_AFTER_FAILED_CYCLES = 3;

/**
 * Why the last cycle failed, without the error's text: a message can hold a person's name ("people named …", a
 * People/<Name> tag) or a file path, and /status and /metrics may be read by anyone who reaches the port. The full
 * message is in the log.
 */
export interface CycleError {
  /** The error's class name, e.g. ImmichUnavailableError. */
  kind: string;
  /** The HTTP status Immich answered, where there was one. */
  status: number | null;
}

/** What the daemon is doing, for /status and /metrics. */
export interface DaemonStatus {
  state: 'starting' | 'syncing' | 'idle' | 'stopping';
  startedAt: string;
  cycles: number;
  lastCycleAt: string | null;
  lastCycleSeconds: number | null;
  lastError: CycleError | null;
  /** Cycles failed since the last good one. */
  consecutiveFailures: number;
  progress: ProgressReport | null;
  totals: {
    analysed: number;
    failed: number;
    peopleCreated: number;
    facesWritten: number;
  };
  counts: { images: number; faces: number; people: number; unknown: number; suggestions: number };
}

export function newStatus(): DaemonStatus {
  return {
    state: 'starting',
    startedAt: new Date().toISOString(),
    cycles: 0,
    lastCycleAt: null,
    lastCycleSeconds: null,
    lastError: null,
    consecutiveFailures: 0,
    progress: null,
    totals: { analysed: 0, failed: 0, peopleCreated: 0, facesWritten: 0 },
    counts: { images: 0, faces: 0, people: 0, unknown: 0, suggestions: 0 },
  };
}

/** An error's kind and HTTP status, never its message. */
export function cycleError(error: unknown): CycleError {
  const { name, status } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    status?: unknown;
  };
  return {
    kind: typeof name === 'string' && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name) ? name : 'Error',
    status: typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : null,
  };
}

/** /health: 503 while stopping or after UNHEALTHY_AFTER_FAILED_CYCLES failed cycles in a row, with the reason. */
export function health(status: DaemonStatus): { healthy: boolean; body: { status: string; reason?: string } } {
  if (status.state === 'stopping') return { healthy: false, body: { status: 'stopping' } };
  if (status.consecutiveFailures >= UNHEALTHY_AFTER_FAILED_CYCLES) {
    const last = status.lastError;
    const cause = last ? `, the last with ${last.kind}${last.status === null ? '' : ` (HTTP ${last.status})`}` : '';
    const reason = `${status.consecutiveFailures} cycles in a row failed${cause}; the log has the details`;
    return { healthy: false, body: { status: 'failing', reason } };
  }
  return { healthy: true, body: { status: 'ok' } };
}

/** Prometheus text exposition (version 0.0.4). */
export function metricsText(status: DaemonStatus): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  metric('immich_people_cycles_total', 'counter', 'Sync cycles completed.', status.cycles);
  metric('immich_people_assets_analysed_total', 'counter', 'Previews analysed.', status.totals.analysed);
  metric('immich_people_assets_failed_total', 'counter', 'Per-asset failures (retried later).', status.totals.failed);
  metric('immich_people_people_created_total', 'counter', 'People created in Immich.', status.totals.peopleCreated);
  metric(
    'immich_people_faces_written_total',
    'counter',
    'Faces created or reassigned in Immich.',
    status.totals.facesWritten,
  );
  metric('immich_people_images', 'gauge', 'Images in the store.', status.counts.images);
  metric('immich_people_faces', 'gauge', 'Faces in the store.', status.counts.faces);
  metric('immich_people_people', 'gauge', 'People in the store.', status.counts.people);
  metric('immich_people_unknown_observations', 'gauge', 'Observations assigned to no one.', status.counts.unknown);
  metric('immich_people_suggestions', 'gauge', 'Open merge suggestions.', status.counts.suggestions);
  metric('immich_people_last_cycle_seconds', 'gauge', 'Duration of the last cycle.', status.lastCycleSeconds ?? 0);
  metric('immich_people_up', 'gauge', '1 while the last cycle succeeded.', status.lastError ? 0 : 1);
  metric(
    'immich_people_failed_cycles_in_a_row',
    'gauge',
    `Cycles failed since the last good one; /health fails at ${UNHEALTHY_AFTER_FAILED_CYCLES}.`,
    status.consecutiveFailures,
  );
  return `${lines.join('\n')}\n`;
}
