/**
 * A capacity step's verdict from its rounds (judgeStep), a step that could not run
 * (failureOfError), and the capacity in words.
 */
import { describe, expect, it } from 'vitest';
import { SERVER_CPU_SATURATED, failureOfError, judgeStep } from '../../bench/capacity/judge.ts';
import { capacityFigure, resultLine, stepLine, stopWords } from '../../bench/model/capacity-words.ts';
import type { CapacityResult, TrialLimit, VariantResult } from '../../bench/model/results.ts';
import { LONG, variant } from '../report/fixture.ts';

const SLO_MS = 250;

/** The fixture's long-polling variant with a p99 of `p99Us`, and what else is given. */
function rounds(p99Us: number, o: { ok?: boolean; sendLagUs?: number; loopDelayUs?: number; generatorCpu?: number; cpuShare?: number; limit?: TrialLimit } = {}): VariantResult {
  // The trial's own flag (10 ms, 85%) is set as the trial would; the capacity judge reads the figures.
  const bound = (o.sendLagUs ?? 0) > 10_000 || (o.generatorCpu ?? 0) >= 0.85;
  const v = variant(LONG, { 'server.cpuShare': o.cpuShare ?? 0.2 }, [1000, 2000, p99Us], { ok: o.ok ?? true, generatorBound: bound });
  const trials = v.trials.map((t) => ({
    ...t,
    generator: { ...t.generator, cpuShare: o.generatorCpu ?? 0.2, sendLagP99: o.sendLagUs ?? 1000, eventLoopDelayP99: o.loopDelayUs ?? 1000, bound },
    ...(o.limit ? { limit: o.limit } : {}),
  }));
  return { ...v, trials };
}

describe('judgeStep', () => {
  it('passes a step with p99 under the SLO, nothing lost, the generator and the server not saturated', () => {
    expect(judgeStep(rounds(240_000), SLO_MS)).toEqual({ pass: true, failures: [] });
  });

  it('fails on latency past the SLO, naming the p99', () => {
    expect(judgeStep(rounds(400_000), SLO_MS)).toEqual({ pass: false, failures: [{ kind: 'latency', detail: 'p99 400 ms > SLO 250 ms' }] });
  });

  it('fails on loss with the problems of its rounds', () => {
    expect(judgeStep(rounds(5000, { ok: false }), SLO_MS).failures).toEqual([{ kind: 'loss', detail: '10 of 7000 deliveries lost' }]);
  });

  it('fails on a server that saturated a core', () => {
    expect(judgeStep(rounds(5000, { cpuShare: SERVER_CPU_SATURATED }), SLO_MS).failures).toEqual([
      { kind: 'server-cpu', detail: 'the server used 95% of a core (saturated at 95%)' },
    ]);
  });

  it('names every failure, the ones that cannot be judged first: fd limit, generator, then the verdicts', () => {
    const limit = { kind: 'fd', needed: 21_000, available: 19_900 } as const;
    expect(judgeStep(rounds(400_000, { generatorCpu: 0.95, ok: false }), SLO_MS).failures.map((f) => f.kind)).toEqual(['generator', 'loss', 'latency']);
    // A step not run for its sockets is that alone, not also a loss of what it never sent.
    expect(judgeStep(rounds(400_000, { generatorCpu: 0.95, ok: false, limit }), SLO_MS).failures.map((f) => f.kind)).toEqual(['fd-limit']);
    expect(judgeStep(rounds(5000, { limit }), SLO_MS).failures).toEqual([{ kind: 'fd-limit', detail: 'needs 21000 sockets; one server process holds at most 19900 (fd limit)' }]);
  });

  it('calls the generator the bottleneck at 85% of a core, not for a send lag that the step passed in spite of', () => {
    // 30 ms late: a trial flags its generator, but the step's p99 is well under a 250 ms SLO.
    expect(judgeStep(rounds(40_000, { sendLagUs: 30_000 }), SLO_MS)).toEqual({ pass: true, failures: [] });
    expect(judgeStep(rounds(40_000, { generatorCpu: 0.9 }), SLO_MS).failures).toEqual([
      { kind: 'generator', detail: 'the generator was the bottleneck: a generator used 90% of a core (limit 85%)' },
    ]);
  });

  it('leaves a latency failure to the generator too when the p99 is over the SLO by less than its own delay', () => {
    const over = judgeStep(rounds(262_000, { sendLagUs: 20_000 }), SLO_MS);
    expect(over.failures.map((f) => f.kind)).toEqual(['generator', 'latency']);
    expect(over.failures[0]?.detail).toBe("the generator was the bottleneck: p99 262 ms is over the SLO by less than the generator's own delay (20.0 ms at p99)");
    // The event loop's delay holds receipts back as much as a late send.
    expect(judgeStep(rounds(262_000, { loopDelayUs: 15_000 }), SLO_MS).failures.map((f) => f.kind)).toEqual(['generator', 'latency']);
    // Over by more than the delay: the transport's own failure.
    expect(judgeStep(rounds(300_000, { sendLagUs: 20_000 }), SLO_MS).failures.map((f) => f.kind)).toEqual(['latency']);
  });
});

describe('failureOfError', () => {
  it('reads an fd limit carried by the error, and names any other error', () => {
    expect(failureOfError(Object.assign(new Error('too many sockets'), { limit: { kind: 'fd', needed: 30_000, available: 19_900 } }))).toEqual({
      kind: 'fd-limit',
      detail: 'needs 30000 sockets; one server process holds at most 19900 (fd limit)',
    });
    expect(failureOfError(new Error('a generator failed while connecting 100 clients: EMFILE'))).toEqual({
      kind: 'error',
      detail: 'the trial could not run: a generator failed while connecting 100 clients: EMFILE',
    });
  });
});

describe('the capacity in words', () => {
  const base: CapacityResult = { variant: LONG, steps: [], lastPass: 5070, firstFail: 7600, cause: [{ kind: 'latency', detail: 'p99 400 ms > SLO 250 ms' }], stop: 'failed' };

  it('gives the capacity, a lower bound, or fewer than the start, and no figure when the first step could not be judged', () => {
    expect(capacityFigure(base)).toBe('5,070');
    expect(capacityFigure({ ...base, stop: 'generator', cause: [{ kind: 'generator', detail: 'x' }] })).toBe('≥ 5,070');
    expect(capacityFigure({ ...base, firstFail: null, cause: [], stop: 'max-clients' })).toBe('≥ 5,070');
    expect(capacityFigure({ ...base, lastPass: null, firstFail: 1000, stop: 'below-start' })).toBe('< 1,000');
    const unjudged = { ...base, lastPass: null, firstFail: 1000, stop: 'below-start' as const, cause: [{ kind: 'generator' as const, detail: 'x' }] };
    expect(capacityFigure(unjudged)).toBe('–');
    expect(stopWords(unjudged)).toBe('no step could be judged, down to a single room (generator): no figure for this transport');
  });

  it('prints a step and a search as the progress shows them', () => {
    const step = { clients: 3380, phase: 'up' as const, pass: true, failures: [], result: rounds(41_000) };
    expect(stepLine('long-polling', step)).toBe('long-polling: 3,380 clients… pass · p99 41.0 ms');
    expect(stepLine('long-polling', { ...step, phase: 'halving', pass: false, failures: base.cause })).toBe(
      'long-polling: 3,380 clients (halving)… FAIL latency (p99 400 ms > SLO 250 ms) · p99 41.0 ms',
    );
    expect(resultLine({ ...base, steps: [step] })).toBe(
      'long-polling: capacity 5,070 clients (the next step failed on the transport’s account; first failing step 7,600: latency; 1 step)',
    );
  });
});
