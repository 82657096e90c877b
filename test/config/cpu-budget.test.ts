import { describe, expect, it } from 'vitest';
import { cgroupCpuDirs, quotaCpus } from '../../src/config/cpu-budget.js';

describe('a container’s CPU quota', () => {
  it('reads cgroup v2 cpu.max and v1 quota and period', () => {
    expect(quotaCpus({ cpuMax: '150000 100000\n' })).toBe(1.5);
    expect(quotaCpus({ cpuMax: '50000 100000' })).toBe(0.5);
    expect(quotaCpus({ cpuMax: 'max 100000\n' })).toBeNull();
    expect(quotaCpus({ quotaUs: '200000\n', periodUs: '100000\n' })).toBe(2);
    expect(quotaCpus({ quotaUs: '-1\n', periodUs: '100000\n' })).toBeNull();
    expect(quotaCpus({ cpuMax: null, quotaUs: null, periodUs: null })).toBeNull();
    expect(quotaCpus({ cpuMax: 'garbage' })).toBeNull();
  });

  it('looks in the process’s own cgroup and every parent, v2 or v1', () => {
    expect(cgroupCpuDirs('0::/docker/abc\n')).toEqual([
      '/sys/fs/cgroup/docker/abc',
      '/sys/fs/cgroup/docker',
      '/sys/fs/cgroup',
    ]);
    expect(cgroupCpuDirs('0::/\n')).toEqual(['/sys/fs/cgroup']);
    const v1 = '4:memory:/x\n2:cpuacct:/\n1:cpu:/test-quota\n0::/\n';
    expect(cgroupCpuDirs(v1)).toEqual([
      '/sys/fs/cgroup/cpu/test-quota',
      '/sys/fs/cgroup/cpu',
      '/sys/fs/cgroup/cpu,cpuacct/test-quota',
      '/sys/fs/cgroup/cpu,cpuacct',
      '/sys/fs/cgroup',
    ]);
  });
});
