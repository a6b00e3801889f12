/**
 * A tiny real run in a test, and what every such test asserts of it: it completed, only the
 * generator was flagged, and it left no child process and no network namespace behind. Shared by
 * the end-to-end tests of the lossy loopback and of a network with distance.
 */
import { execa } from 'execa';
import { expect } from 'vitest';
import { liveNamespaces, namespaceOwner } from '../../bench/network/lossy-net.ts';
import type { Scenario, TrialResult } from '../../bench/model/results.ts';
import { runBench, type RunOutcome } from '../../bench/run/run.ts';
import { liveChildren } from '../../bench/run/spawn.ts';

/** The namespaces `ip netns list` shows that the process `pid` made. */
export async function namespacesOf(pid: number): Promise<string[]> {
  const out = (await execa('ip', ['netns', 'list'])).stdout;
  return out
    .split('\n')
    .map((line) => line.split(/\s+/)[0] ?? '')
    .filter((name) => namespaceOwner(name) === pid);
}

/** Runs the scenario once, with no micro-benchmarks or ceilings, seed 7. */
export function runTiny(scenario: Scenario): Promise<RunOutcome> {
  return runBench({ scenario, seed: 7, pin: false, micro: null, ceiling: null }, () => undefined);
}

/** The first trial of a variant of the first step; throws with the run's warnings when it did not run. */
export function trialOf(outcome: RunOutcome, id: string): TrialResult {
  const t = outcome.steps[0]?.variants.find((v) => v.variant.id === id)?.trials[0];
  if (!t) throw new Error(`no trial for ${id}: ${outcome.warnings.join('; ')}`);
  return t;
}

/** It completed, no warning but a busy machine's flagged generator, and no process or namespace is left. */
export async function expectCleanRun(outcome: RunOutcome): Promise<void> {
  // A busy shared machine may flag the generator; any other warning is a trial that failed.
  expect(outcome.warnings.filter((w) => !w.includes('the generator was the bottleneck'))).toEqual([]);
  expect(outcome.status).toBe('complete');
  expect(liveChildren()).toBe(0);
  expect(liveNamespaces()).toBe(0);
  expect(await namespacesOf(process.pid)).toEqual([]);
}

/** The trial `id` of the run delivered every message it was to, in order, and timed each: no problem, nothing lost. */
export function expectEverythingDelivered(outcome: RunOutcome, id: string): TrialResult {
  const trial = trialOf(outcome, id);
  expect(trial.problems, id).toEqual([]);
  expect(trial.delivery.lost, id).toBe(0);
  expect(trial.delivery.reordered, id).toBe(0);
  expect(trial.delivery.delivered, id).toBe(trial.delivery.expected);
  expect(trial.delivery.delivered, id).toBeGreaterThan(0);
  expect(trial.latency.count, id).toBe(trial.delivery.delivered);
  return trial;
}
