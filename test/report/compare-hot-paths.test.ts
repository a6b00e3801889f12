/**
 * The hot paths in the CI gate (issue 21): `--ci` runs the micro-benchmarks once a round, and a
 * hot path that got slower fails bench:compare like any figure, paired or not; one the current
 * run did not measure is missing.
 */
import { describe, expect, it } from 'vitest';
import { mergeRounds } from '../../bench/against/merge-rounds.ts';
import { MICRO_FIGURE, type BenchResults, type MicroResult } from '../../bench/model/results.ts';
import { MICRO_LIMIT } from '../../report/compare-limits.ts';
import { HOT_PATHS, compareResults } from '../../report/compare.ts';
import { comparePaired } from '../../report/compare-paired.ts';
import { exitCodeOf, EXIT } from '../../report/compare-gate.ts';
import { formatComparisonText } from '../../report/compare-format.ts';
import { runOf } from './rounds.ts';

/** Server CPU per message of six unchanged rounds: the trials give the gate nothing to fail on. */
const TRIALS = { websocket: { 'perDelivered.serverCpuUs': [70, 71, 69, 72, 70, 71] } };
/** A hot path's mean per round, ns, with a scatter of a few percent. */
const APPEND = [1500, 1530, 1480, 1510, 1495, 1520];

const micro = (name: string, means: readonly number[]): MicroResult[] =>
  means.map((meanNs, round) => ({ name, round, meanNs, opsPerSecond: 1e9 / meanNs, p99Ns: 2 * meanNs, rme: 2, samples: 1000 }));

const withMicro = (run: BenchResults, ...paths: MicroResult[][]): BenchResults => ({ ...run, micro: paths.flat() });

const row = (rows: ReturnType<typeof compareResults>['rows'], name: string) => rows.find((r) => r.step === HOT_PATHS && r.variant === name);

describe('hot paths in bench:compare', () => {
  it('passes the same hot paths, each judged on its rounds', () => {
    const a = withMicro(runOf(TRIALS), micro('room-log append', APPEND));
    const b = withMicro(runOf(TRIALS), micro('room-log append', APPEND.map((v) => v * 1.03)));
    const c = compareResults(a, b);
    const r = row(c.rows, 'room-log append');
    expect(r?.figure).toBe(MICRO_FIGURE.key);
    expect(r?.baseline).toEqual(APPEND);
    expect(r?.status).toBe('unchanged');
    expect(exitCodeOf(c)).toBe(EXIT.clean);
  });

  it('fails a hot path twice as slow, and names it', () => {
    const a = withMicro(runOf(TRIALS), micro('room-log append', APPEND));
    const b = withMicro(runOf(TRIALS), micro('room-log append', APPEND.map((v) => v * 2)));
    const c = compareResults(a, b);
    expect(row(c.rows, 'room-log append')?.status).toBe('regressed');
    expect(c.regressions.map((r) => r.variant)).toEqual(['room-log append']);
    expect(exitCodeOf(c)).toBe(EXIT.regressed);
    expect(formatComparisonText(c, false)).toMatch(/hot paths +room-log append .*REGRESSED/);
  });

  it('lets a hot path slower by less than half its limit pass two runs, as the drift between them', () => {
    const a = withMicro(runOf(TRIALS), micro('room-log append', APPEND));
    const b = withMicro(runOf(TRIALS), micro('room-log append', APPEND.map((v) => v * (1 + MICRO_LIMIT.relative / 2 - 0.05))));
    expect(row(compareResults(a, b).rows, 'room-log append')?.status).toBe('unchanged');
  });

  it('calls a hot path missing when the current run did not measure it, and new when the baseline did not', () => {
    const a = withMicro(runOf(TRIALS), micro('room-log append', APPEND));
    const b = withMicro(runOf(TRIALS), micro('cursor resolve', [60, 61, 59, 60, 62, 61]));
    const c = compareResults(a, b);
    expect(row(c.rows, 'room-log append')?.status).toBe('missing');
    expect(row(c.rows, 'cursor resolve')?.status).toBe('new');
    expect(exitCodeOf(c)).toBe(EXIT.regressed);
  });

  it('leaves the hot paths out when --figures names other figures only', () => {
    const a = withMicro(runOf(TRIALS), micro('room-log append', APPEND));
    const b = withMicro(runOf(TRIALS), micro('room-log append', APPEND.map((v) => v * 2)));
    expect(row(compareResults(a, b, { figures: ['perDelivered.serverCpuUs'] }).rows, 'room-log append')).toBeUndefined();
    expect(row(compareResults(a, b, { figures: [MICRO_FIGURE.key] }).rows, 'room-log append')?.status).toBe('regressed');
  });

  it('pairs a job\'s rounds by their pair: 30% slower in every pair fails, a drift both sides share does not', () => {
    // Seven pairs of a machine growing busier; one side's round files, merged as a job merges them.
    const drift = [1000, 1040, 1100, 1150, 1210, 1260, 1330];
    const side = (factor: number): BenchResults =>
      mergeRounds(
        drift.map((mean, pair) => ({ pair, results: withMicro(runOf({ websocket: { 'perDelivered.serverCpuUs': [70] } }), micro('room-log append', [mean * factor]).map((m) => ({ ...m, round: 0 }))) })),
        [],
      );
    const base = side(1);
    expect(base.micro.map((m) => m.round)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(row(comparePaired(base, side(1.3)).rows, 'room-log append')?.status).toBe('regressed');
    expect(row(comparePaired(base, side(1.02)).rows, 'room-log append')?.status).toBe('unchanged');
  });
});
