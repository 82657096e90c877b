/** What the daemon is doing, for /status and /metrics. */
export interface DaemonStatus {
  state: 'starting' | 'syncing' | 'idle' | 'stopping';
  startedAt: string;
  cycles: number;
  lastCycleAt: string | null;
  lastCycleSeconds: number | null;
  lastError: string | null;
  progress: { stage: string; done: number; total: number } | null;
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
    progress: null,
    totals: { analysed: 0, failed: 0, peopleCreated: 0, facesWritten: 0 },
    counts: { images: 0, faces: 0, people: 0, unknown: 0, suggestions: 0 },
  };
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
  return `${lines.join('\n')}\n`;
}
