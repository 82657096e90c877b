import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** A cgroup's CPU limit as its files give it: v2 `cpu.max`, or v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`. */
export interface CgroupCpuFiles {
  cpuMax?: string | null;
  quotaUs?: string | null;
  periodUs?: string | null;
}

/** The CPUs one cgroup's quota allows (1.5 for "150000 100000"); null when it sets none ("max", -1) or is unreadable. */
export function quotaCpus(files: CgroupCpuFiles): number | null {
  if (files.cpuMax) {
    const [quota, period] = files.cpuMax.trim().split(/\s+/);
    const q = Number(quota);
    const p = Number(period ?? 100000);
    return quota !== 'max' && q > 0 && p > 0 ? q / p : null;
  }
  const q = Number(files.quotaUs);
  const p = Number(files.periodUs);
  return files.quotaUs && files.periodUs && q > 0 && p > 0 ? q / p : null;
}

/**
 * The cgroup directories that limit this process's CPU, innermost first, from /proc/self/cgroup: the v2 group
 * ("0::/path") under /sys/fs/cgroup, or the v1 cpu controller's ("N:cpu,cpuacct:/path") under its mount; then each
 * parent up to the root, whose limits bind too.
 */
export function cgroupCpuDirs(procSelfCgroup: string): string[] {
  const dirs: string[] = [];
  for (const line of procSelfCgroup.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined) continue;
    const v1 = controllers.split(',').includes('cpu');
    if (!v1 && controllers !== '') continue;
    const mounts = v1
      ? [`/sys/fs/cgroup/${controllers}`, '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']
      : ['/sys/fs/cgroup'];
    const parts = path.split('/').filter(Boolean);
    for (const mount of [...new Set(mounts)]) {
      for (let n = parts.length; n >= 0; n--) dirs.push([mount, ...parts.slice(0, n)].join('/'));
    }
  }
  return dirs;
}

const readOrNull = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/**
 * How many threads this process can keep busy: the cores it may run on (`os.availableParallelism`, which sees CPU
 * affinity but not a container's quota), fewer when a cgroup quota allows less (`docker run --cpus 1` on a 2-core
 * machine: 1), at least one. Under a 1-CPU quota on the 2-core EPYC, `scan` of the 39 1440-px previews took
 * 6.4–6.5 s with one ONNX Runtime thread against 7.5–8.0 s with two (docs/perception-speed.md).
 */
export function cpuBudget(): number {
  const cores = availableParallelism();
  const groups = readOrNull('/proc/self/cgroup');
  if (groups === null) return cores;
  let budget = cores;
  for (const dir of cgroupCpuDirs(groups)) {
    const cpus = quotaCpus({
      cpuMax: readOrNull(`${dir}/cpu.max`),
      quotaUs: readOrNull(`${dir}/cpu.cfs_quota_us`),
      periodUs: readOrNull(`${dir}/cpu.cfs_period_us`),
    });
    if (cpus !== null) budget = Math.min(budget, Math.max(1, Math.floor(cpus)));
  }
  return budget;
}
