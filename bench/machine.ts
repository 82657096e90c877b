import { readFileSync } from 'node:fs';

/**
 * Busy CPU time of the whole machine so far, in ms, from /proc/stat (null where there is none): with the bench's own
 * CPU time it tells how much other processes took from the cores while something ran.
 */
export function machineBusyMs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    // USER_HZ is 100 on every mainstream Linux build.
    return (user + nice + system + irq + softirq + (steal ?? 0)) * 10;
  } catch {
    return null;
  }
}

/** Measures this process's CPU time and other processes' CPU time from now until `stop()`. */
export function cpuMeter(): () => { wallMs: number; cpuMs: number; otherCpuMs: number } {
  const cpu = process.cpuUsage();
  const busy = machineBusyMs();
  const start = performance.now();
  return () => {
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const busyAfter = machineBusyMs();
    const otherCpuMs = busy === null || busyAfter === null ? Number.NaN : Math.max(0, busyAfter - busy - cpuMs);
    return { wallMs, cpuMs, otherCpuMs };
  };
}
