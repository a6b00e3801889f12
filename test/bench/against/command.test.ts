/**
 * The paired gate's command without load: the command line each round runs with, the progress
 * lines, and the usage errors the bench gives before anything starts.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jobFolder } from '../../../cli/bench-against.ts';
import { roundArgs } from '../../../bench/against/options.ts';
import { createAgainstProgress, formatDuration } from '../../../bench/against/progress.ts';
import { bench, exitOf } from '../../helpers/bench-cli.ts';

describe('roundArgs', () => {
  it('keeps the bench options, drops the gate\'s and those set per round, and adds one round and its file', () => {
    expect(roundArgs(['--ci', '--against', 'origin/main', '--transports', 'websocket', '--max=latency.p99=+10%', '--max', 'perDelivered.serverCpuUs=+5%', '--out', 'x', '--rounds=9', '--alpha', '0.05', '--markdown', 's.md', '--thresholds', 't.json'], 'r/pair01-base.json')).toEqual([
      '--ci',
      '--transports',
      'websocket',
      '--rounds',
      '1',
      '--out',
      'r/pair01-base.json',
    ]);
  });

  it('passes everything after -- as it is, after its own options', () => {
    expect(roundArgs(['--quick', '--', '--out', 'y'], 'f.json')).toEqual(['--quick', '--rounds', '1', '--out', 'f.json', '--', '--out', 'y']);
  });
});

describe('the paired job\'s progress', () => {
  it('says which pair and side runs, the time so far and about how long is left', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    const show = createAgainstProgress(stream, { base: 'base main (1a2b3c4)', change: 'change (this tree)' });
    show({ type: 'round-start', round: { pair: 0, side: 'change', index: 0 }, total: 14, elapsedMs: 0, leftMs: undefined });
    show({ type: 'round-end', round: { pair: 0, side: 'change', index: 0 }, total: 14, tookMs: 13_140 });
    show({ type: 'round-start', round: { pair: 2, side: 'base', index: 5 }, total: 14, elapsedMs: 65_400, leftMs: 117_720 });
    expect(text).toBe(
      ['[1/14] pair 1/7 · change (this tree) · 0.0 s so far', '[1/14] done in 13.1 s', '[6/14] pair 3/7 · base main (1a2b3c4) · 1 min 05 s so far, about 1 min 58 s left', ''].join('\n'),
    );
  });

  it('writes durations in seconds under a minute, in minutes and seconds above', () => {
    expect([formatDuration(999), formatDuration(59_940), formatDuration(60_000), formatDuration(185_500)]).toEqual(['1.0 s', '59.9 s', '1 min 00 s', '3 min 06 s']);
  });
});

describe('npm run bench --against, refused before anything runs', () => {
  const refused = async (args: readonly string[]): Promise<{ code: number | null; err: string }> => {
    const run = bench(args);
    const code = await exitOf(run.child);
    return { code, err: run.stderr() };
  };

  it('2: the gate\'s options without --against', async () => {
    const { code, err } = await refused(['--ci', '--max', 'latency.p99=+10%']);
    expect(code).toBe(2);
    expect(err).toContain('--max is for --against (the paired gate); to compare two results files, use npm run bench:compare');
  });

  it('2: --json and --target with --against', async () => {
    expect((await refused(['--ci', '--against', 'HEAD', '--json'])).err).toContain("--against writes both sides' results and the comparison to a folder (--out); --json is for a single run");
    const target = await refused(['--ci', '--against', 'HEAD', '--target', 'http://127.0.0.1:1', '--transports', 'websocket']);
    expect(target.code).toBe(2);
    expect(target.err).toContain('--against measures servers each side starts from its own code, round by round: not --target');
  });

  it('2: a reference that is not a commit, named', async () => {
    const { code, err } = await refused(['--ci', '--against', 'no-such-branch-for-the-test']);
    expect(code).toBe(2);
    expect(err).toContain('--against "no-such-branch-for-the-test" is not a commit of this repository');
  });

  it('2: a bad limit, before the base is checked out', async () => {
    const { code, err } = await refused(['--ci', '--against', 'no-such-branch-for-the-test', '--max', 'latency.p95=+10%']);
    expect(code).toBe(2);
    expect(err).toContain('--max: unknown figure "latency.p95"');
  });

  it('lists the gate\'s options in --help under their own heading', async () => {
    const run = bench(['--help']);
    expect(await exitOf(run.child)).toBe(0);
    expect(run.stdout()).toMatch(/The paired CI gate \(docs\/ci\.md\):\n\s+--against <s>/);
  });
});

describe('jobFolder', () => {
  it('is absolute, from the working directory: --out as given, else results/<time>-<scenario>-against-<commit>', () => {
    expect(jobFolder('gate', '2026-12-07T00:30:00.123Z', 'default', '1a2b3c4d5e6f', '/work/x')).toBe('/work/x/gate');
    expect(jobFolder('', '2026-12-07T00:30:00.123Z', 'default', '1a2b3c4d5e6f', '/work/x')).toBe('/work/x/results/2026-12-07T00-30-00-default-against-1a2b3c4');
    expect(jobFolder('/tmp/gate', '2026-12-07T00:30:00.123Z', 'default', '1a2b3c4d5e6f', '/work/x')).toBe('/tmp/gate');
  });
});
