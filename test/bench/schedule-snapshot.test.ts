/**
 * The schedule a seed gives, pinned: each named scenario as `--quick` runs it (steps, workloads,
 * variants with their knobs), how its clients are spread over generators, and the send plan of the
 * first generator. A refactor of options, scenarios or the transport registry must leave all of
 * this unchanged (issue 9: "the same seed gives the same schedule").
 */
import { describe, expect, it } from 'vitest';
import { QUICK_PRESET } from '../../bench/run/options.ts';
import { SCENARIOS, applyOverrides, resolveScenario } from '../../bench/run/scenarios.ts';
import { planBursts, planSenders, seededRandom } from '../../bench/generator/schedule.ts';
import { assignClients, drainMs, settleMs } from '../../bench/run/trial.ts';

const QUICK = { rounds: QUICK_PRESET.rounds, durationMs: QUICK_PRESET.durationMs, warmupMs: QUICK_PRESET.warmupMs };

describe('the schedule of a seed', () => {
  for (const name of Object.keys(SCENARIOS)) {
    it(`scenario ${name} under --quick runs the same steps, variants and send plan`, () => {
      const scenario = applyOverrides(resolveScenario(name), QUICK);
      const plans = scenario.steps.map((step) => {
        const generators = assignClients(step.workload, scenario.generators);
        const first = generators[0] ?? [];
        // The seed a generator is given for `--seed 7`, round 0, generator 0 (bench/run/trial.ts), plus one for its senders.
        const random = seededRandom(7 * 1000 + 1);
        const { burst } = step.workload;
        const senders = burst
          ? planBursts(first.slice(0, 20).map((a) => a.room), step.workload.ratePerMember, burst.spacingMs * 1000, random)
          : planSenders(Math.min(first.length, 20), step.workload.ratePerMember, random);
        return {
          clientsPerGenerator: generators.map((list) => list.length),
          drainMs: step.variants.map((v) => drainMs(v, step.lossPct)),
          settleMs: step.variants.map((v) => settleMs(v, step.lossPct)),
          senders: senders.map((s) => [s.intervalUs, Math.round(s.phaseUs)]),
        };
      });
      expect({ scenario, plans }).toMatchSnapshot();
    });
  }
});
