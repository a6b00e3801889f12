/**
 * A trial's processes started ahead, during the last trial's warm-up (bench/run/run.ts,
 * `startAhead`): kept only when loaded before that window, killed otherwise, and a run that uses
 * them measures what a run that does not would.
 */
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../bench/model/results.ts';
import { AHEAD_MARGIN_US, runBench, startAhead, type RunEvent } from '../../bench/run/run.ts';
import { liveChildren } from '../../bench/run/spawn.ts';
import { runTrial, startTrialProcesses, type TrialOptions } from '../../bench/run/trial.ts';
import { monotonicUs } from '../../servers/common/self-report.ts';

const WORKLOAD = { rooms: 2, members: 3, ratePerMember: 2, bodyBytes: 64, durationMs: 1500, warmupMs: 2500 };
const OPTIONS: TrialOptions = { variant: { id: 'websocket', transport: 'websocket' }, workload: WORKLOAD, round: 0, position: 0, generators: 1, seed: 7, pin: false };

/** A start whose loading ends when `loaded` settles, recording whether it was stopped and its signal. */
function fakeStart(loaded: Promise<void>) {
  const seen = { stopped: 0, signal: undefined as AbortSignal | undefined };
  const start = (signal: AbortSignal) => {
    seen.signal = signal;
    return Promise.resolve({ loaded, stop: () => Promise.resolve(void seen.stopped++) });
  };
  return { start, seen };
}

describe('startAhead', () => {
  it('keeps what is loaded before the margin ahead of the window, and stops nothing', async () => {
    const { start, seen } = fakeStart(Promise.resolve());
    const kept = await startAhead(start, monotonicUs() + AHEAD_MARGIN_US + 5_000_000);
    expect(kept).toBeDefined();
    expect(seen.stopped).toBe(0);
    expect(seen.signal?.aborted).toBe(false);
  });

  it('aborts what is still loading at the margin ahead of the window, and stops it', async () => {
    // Loading that ends only when its processes are killed, as a spawned child's does.
    let fail: (error: Error) => void = () => undefined;
    const { start, seen } = fakeStart(new Promise<void>((_, reject) => (fail = reject)));
    const done = startAhead(async (signal) => {
      signal.addEventListener('abort', () => fail(new Error('killed')));
      return start(signal);
    }, monotonicUs() + AHEAD_MARGIN_US + 50_000);
    expect(await done).toBeUndefined();
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.stopped).toBe(1);
  });

  it('with a window that begins on an event: kills what is still loading then, never what it handed over', async () => {
    let begin: () => void = () => undefined;
    const window = new Promise<void>((resolve) => (begin = resolve));
    const { start, seen } = fakeStart(Promise.resolve());
    expect(await startAhead(start, window)).toBeDefined();
    begin();
    await window;
    expect(seen.signal?.aborted).toBe(false);
    expect(seen.stopped).toBe(0);

    let fail: (error: Error) => void = () => undefined;
    const slow = fakeStart(new Promise<void>((_, reject) => (fail = reject)));
    let open: () => void = () => undefined;
    const done = startAhead(async (signal) => {
      signal.addEventListener('abort', () => fail(new Error('killed')));
      return slow.start(signal);
    }, new Promise<void>((resolve) => (open = resolve)));
    open();
    expect(await done).toBeUndefined();
    expect(slow.seen.signal?.aborted).toBe(true);
    expect(slow.seen.stopped).toBe(1);
  });

  it('gives nothing back for a start that fails, and stops what it started', async () => {
    const { start, seen } = fakeStart(Promise.reject(new Error('no such server')));
    expect(await startAhead(start, monotonicUs() + 5_000_000)).toBeUndefined();
    expect(seen.stopped).toBe(1);
  });

  it('kills real processes that could not be loaded in time, leaving none', async () => {
    const before = liveChildren();
    // A window already begun: the processes are killed as soon as they are spawned.
    expect(await startAhead((signal) => startTrialProcesses(OPTIONS, {}, signal), monotonicUs())).toBeUndefined();
    expect(liveChildren()).toBe(before);
  });

  it('hands over real processes, loaded: the server listens, each generator has its client', async () => {
    const processes = await startAhead((signal) => startTrialProcesses(OPTIONS, {}, signal), monotonicUs() + 30_000_000);
    expect(processes).toBeDefined();
    const server = await processes?.server;
    const answer = await fetch(new URL('/healthz', server?.url));
    expect(answer.status).toBe(200);
    expect(processes?.generators.every((g) => g.connected)).toBe(true);
    await processes?.stop();
    expect(liveChildren()).toBe(0);
  });
});

describe('a trial given its processes started ahead', () => {
  it('uses them: it delivers everything, reads its server idle first, says so in its timing, and stops them', async () => {
    const processes = await startTrialProcesses(OPTIONS);
    await processes.loaded;
    const trial = await runTrial({ ...OPTIONS, workload: { ...WORKLOAD, warmupMs: 300, durationMs: 1000 }, ahead: processes });
    expect(trial.problems).toEqual([]);
    expect(trial.delivery.delivered).toBe(trial.delivery.expected);
    expect(trial.delivery.delivered).toBeGreaterThan(0);
    expect(trial.server?.perClientHeapBytes).not.toBeNull();
    expect(trial.timing?.startedAhead).toBe(true);
    expect(liveChildren()).toBe(0);
  });
});

describe('a run', () => {
  const scenario: Scenario = {
    name: 'ahead',
    description: 'trials started during the last one’s warm-up',
    rounds: 1,
    generators: 1,
    steps: [{ label: 'ahead', workload: WORKLOAD, variants: [{ id: 'websocket', transport: 'websocket' }, { id: 'raw-ws', transport: 'raw-ws' }] }],
  };

  it('starts the first trial’s processes while the micro-benchmarks warm up, the next trial’s during each warm-up, the ceilings’ servers during the last, and leaves nothing running', async () => {
    const events: RunEvent[] = [];
    const ceiling = { durationMs: 200, warmupMs: 0, connections: 4, rounds: 1 };
    const outcome = await runBench({ scenario, seed: 7, pin: false, micro: { timeMs: 10 }, ceiling }, (event) => events.push(event));
    // A busy machine (the rest of the suite) may flag a generator; any other warning is a trial that failed.
    expect(outcome.warnings.filter((w) => !w.includes('the generator was the bottleneck'))).toEqual([]);
    expect(outcome.status).toBe('complete');
    const ahead = events.flatMap((e) => (e.type === 'ahead' ? [{ index: e.index, what: e.what }] : []));
    expect(ahead).toEqual([
      { index: 0, what: 'trial' },
      { index: 1, what: 'trial' },
      { index: 2, what: 'ceilings' },
    ]);
    // Kept or killed (a busy machine may load them too slowly), each trial says which.
    for (const [i, v] of (outcome.steps[0]?.variants ?? []).entries()) {
      const kept = events.some((e) => e.type === 'ahead' && e.index === i && e.kept);
      expect(v.trials[0]?.timing?.startedAhead === true, v.variant.id).toBe(kept);
    }
    for (const v of outcome.steps[0]?.variants ?? []) expect(v.trials[0]?.problems, v.variant.id).toEqual([]);
    expect(outcome.ceilings.map((c) => c.target)).toHaveLength(4);
    expect(liveChildren()).toBe(0);
  });
});
