import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import type { Machine } from '../model/results.ts';

function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The machine and the code a result was measured on. */
export function describeMachine(): Machine {
  const commit = git(['rev-parse', 'HEAD']);
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    osRelease: release(),
    commit: commit ?? 'unknown',
    dirty: commit !== undefined && (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
  };
}
