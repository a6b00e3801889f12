import { describe, expect, it } from 'vitest';
import { checkPid, clockTicks, parseStatTicks, parseStatusRss, readProc } from '../../bench/run/proc-sampler.ts';

describe('reading a process from /proc', () => {
  it('takes utime + stime after the command name, even one holding spaces and parentheses', () => {
    // Fields 14 and 15 are 700 and 42; the name "(a) b)" must not shift them.
    const stat = '4242 ((a) b)) S 1 4242 4242 0 -1 4194560 100 0 0 0 700 42 0 0 20 0 1 0 100 1000000 250 18446744073709551615';
    expect(parseStatTicks(stat)).toBe(742);
    expect(() => parseStatTicks('4242 (x) S')).toThrow(/cannot read utime and stime/);
  });

  it('reads VmRSS in bytes, 0 when there is none', () => {
    expect(parseStatusRss('Name:\tnode\nVmRSS:\t   51200 kB\nThreads:\t7\n')).toBe(51_200 * 1024);
    expect(parseStatusRss('Name:\tzombie\nState:\tZ (zombie)\n')).toBe(0);
  });

  it('reads this process: CPU time grows with work, RSS is what the process reports', () => {
    expect(clockTicks()).toBeGreaterThan(0);
    const before = readProc(process.pid);
    // Burn CPU until the tick counter moves (ticks are 10 ms at 100 Hz).
    let after = readProc(process.pid);
    while (after.cpuUs === before.cpuUs) after = readProc(process.pid);
    expect(after.cpuUs).toBeGreaterThan(before.cpuUs);
    expect(after.rss).toBeGreaterThan(0);
    expect(Math.abs(after.rss - process.memoryUsage().rss) / after.rss).toBeLessThan(0.2);
  });

  it('checks a --target-pid, naming the bad value', () => {
    expect(checkPid(String(process.pid))).toBeUndefined();
    expect(checkPid('12a')).toContain('--target-pid "12a" is not a process id');
    expect(checkPid('0')).toContain('is not a process id');
    expect(checkPid('999999999')).toBe('--target-pid 999999999: no such process (nothing at /proc/999999999); give the id of the running server');
  });
});
