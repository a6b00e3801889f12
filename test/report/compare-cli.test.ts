/** `npm run bench:compare`, run as a CI job would: its exit codes, output and errors. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/model/results.ts';
import { runOf, type Rounds } from './rounds.ts';
import { runScript } from './run-script.ts';

const FIVE = [10_000, 10_100, 9900, 10_200, 9800];
const base: Rounds = { 'latency.p50': FIVE, 'latency.p99': FIVE.map((v) => v * 4), 'perDelivered.connections': [0, 0, 0, 0, 0] };
const slower: Rounds = { ...base, 'latency.p50': FIVE.map((v) => v * 1.8) };

let dir: string;
const file = (name: string, value: BenchResults): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};
const compare = (args: readonly string[]): ReturnType<typeof runScript> => runScript('compare-cli.ts', args);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'compare-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Side by side: each case is its own process reading its own files.
describe.concurrent('npm run bench:compare exit codes', () => {
  it('0: a file compared with itself', async () => {
    const path = file('same.json', runOf({ websocket: base, 'short-polling': base }));
    const { code, out } = await compare([path, path]);
    expect(code).toBe(0);
    expect(out).toContain('No regression in scenario default.');
    expect(out).toContain('Every figure is within its limit.');
  });

  it('0: one extra TCP connection in 5000 messages where there were none', async () => {
    const some = runOf({ 'short-polling': { ...base, 'perDelivered.connections': [0.0002, 0.0002, 0.0002, 0.0002, 0.0002] } });
    const { code } = await compare([file('zero.json', runOf({ 'short-polling': base })), file('some.json', some)]);
    expect(code).toBe(0);
  });

  it('1: a real 80% regression of latency p50 over 5 rounds, also written as Markdown', async () => {
    const markdown = join(dir, 'summary.md');
    writeFileSync(markdown, '# earlier step\n');
    const { code, out } = await compare([file('base.json', runOf({ websocket: base })), file('slow.json', runOf({ websocket: slower })), '--markdown', markdown]);
    expect(code).toBe(1);
    expect(out).toMatch(/websocket\s+latency p50\s+10\.0 ms\s+18\.0 ms\s+\+80% worse\s+max\(60%, 500 µs\)\s+0\.0040\s+REGRESSED/);
    const md = readFileSync(markdown, 'utf8');
    expect(md.startsWith('# earlier step\n### Chat transport benchmark: default')).toBe(true);
    expect(md).toContain('| step | websocket | latency p50 | 10.0 ms | 18.0 ms | +80% worse | max(60%, 500 µs) | 0.0040 | **REGRESSED** |');
  });

  it('--paired: the sides of one paired job judged pair by pair, where the two-file test cannot tell', async () => {
    // Seven pairs drifting together by up to ±20%, the change 20% slower in each: the rounds of
    // the two sides overlap, but every pair says the change is slower.
    const drift = [1, 1.2, 0.8, 1.1, 0.9, 1.15, 0.85];
    const cpu = (factor: number): Rounds => ({ 'perDelivered.serverCpuUs': drift.map((d) => 100 * d * factor) });
    const [b, c] = [file('job-base.json', runOf({ websocket: cpu(1) })), file('job-change.json', runOf({ websocket: cpu(1.2) }))];
    const unpaired = await compare([b, c]);
    expect(unpaired.code).toBe(0);
    const paired = await compare([b, c, '--paired']);
    expect(paired.code).toBe(1);
    expect(paired.out).toMatch(/websocket\s+server CPU per delivered message\s+100 µs\s+120 µs\s+\+20% worse.*REGRESSED/);
  });

  it('1 still when the Markdown cannot be written: the failure is on stderr, the regression keeps its code', async () => {
    // A directory cannot be appended to (EISDIR).
    const { code, out, err } = await compare([file('base-m.json', runOf({ websocket: base })), file('slow-m.json', runOf({ websocket: slower })), '--markdown', dir]);
    expect(code).toBe(1);
    expect(out).toContain('REGRESSED');
    expect(err).toContain(`error: --markdown: cannot write ${dir}: EISDIR`);
    expect(err).toContain('the comparison above stands; exit code 1');
    const clean = file('clean-m.json', runOf({ websocket: base }));
    const quiet = await compare([clean, clean, '--markdown', dir]);
    expect(quiet.code).toBe(0);
    expect(quiet.err).toContain('exit code 0');
  });

  it('1: a transport or a step of the baseline missing from the current run, named, also in the Markdown', async () => {
    const markdown = join(dir, 'missing.md');
    const both = file('both-t.json', runOf({ websocket: base, 'short-polling': base }));
    const { code, out } = await compare([both, file('ws-only.json', runOf({ websocket: base })), '--markdown', markdown]);
    expect(code).toBe(1);
    expect(out.split('\n')[0]).toBe('1 transport(s) of the baseline missing from the current run (step: short-polling): not judged, and that fails.');
    expect(out).toMatch(/^step\s+short-polling\s+not in the current run\s+–\s+–\s+missing\s+–\s+–\s+MISSING$/m);
    expect(readFileSync(markdown, 'utf8')).toContain('❌ 1 transport(s) of the baseline missing');
    // A transport new in the current run is listed and does not fail.
    expect((await compare([file('ws-only2.json', runOf({ websocket: base })), both])).code).toBe(0);
  });

  it('0: the same regression over 2 rounds, saying "not enough rounds"', async () => {
    const two = (r: Rounds): Rounds => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.slice(0, 2)]));
    const { code, out } = await compare([file('b2.json', runOf({ websocket: two(base) })), file('s2.json', runOf({ websocket: two(slower) }))]);
    expect(code).toBe(0);
    expect(out).toContain('Not enough rounds to call a regression (2 in the baseline, 2 now');
    expect(out).toMatch(/latency p50 .*not enough rounds\s+not enough rounds$/m);
  });

  it('2: an interrupted run on either side, naming the file and why', async () => {
    const done = file('done.json', runOf({ websocket: base }));
    const cut = file('cut.json', runOf({ websocket: base }, 'interrupted'));
    const current = await compare([done, cut]);
    expect(current.code).toBe(2);
    expect(current.err).toContain(`error: the current run ${cut} was interrupted (stopped before every round ran), so its figures cover only part of the run (status "interrupted"): compare complete runs only`);
    const baseline = await compare([file('failed.json', runOf({ websocket: base }, 'failed')), done]);
    expect(baseline.code).toBe(2);
    expect(baseline.err).toContain(`error: the baseline ${join(dir, 'failed.json')} failed`);
  });

  it('2: different scenarios', async () => {
    const a = runOf({ websocket: base });
    const b = { ...a, config: { ...a.config, scenario: { ...a.config.scenario, name: 'scale' } } };
    const { code, err } = await compare([file('a.json', a), file('b.json', b)]);
    expect(code).toBe(2);
    expect(err).toContain('the baseline ran scenario "default" and the current run "scale"');
  });

  it('3: only a limit the user set was crossed (--max), 1 when a built-in one was too', async () => {
    const b = file('ub.json', runOf({ websocket: base }));
    const tail = file('tail.json', runOf({ websocket: { ...base, 'latency.p99': FIVE.map((v) => v * 4 * 1.2) } }));
    expect((await compare([b, tail])).code).toBe(0);
    const user = await compare([b, tail, '--max', 'latency.p99=+10%', '--max=latency.p50=+50%']);
    expect(user.code).toBe(3);
    expect(user.out).toMatch(/latency p99 .*\+20% worse\s+10% \(yours\)\s+0\.0040\s+OVER YOUR LIMIT/);
    const both = await compare([b, file('both.json', runOf({ websocket: { ...slower, 'latency.p99': FIVE.map((v) => v * 4 * 1.2) } })), '--max', 'latency.p99=+10%']);
    expect(both.code).toBe(1);
    expect(both.out).toContain('OVER YOUR LIMIT');
  });

  it('3: a limit from a --thresholds file', async () => {
    const limits = join(dir, 'limits.json');
    writeFileSync(limits, JSON.stringify({ 'latency.p99': ['+10%', '+1ms'] }));
    const b = file('tb.json', runOf({ websocket: base }));
    const { code, out } = await compare([b, file('tt.json', runOf({ websocket: { ...base, 'latency.p99': FIVE.map((v) => v * 4 * 1.2) } })), '--thresholds', limits]);
    expect(code).toBe(3);
    expect(out).toContain('max(10%, 1.00 ms) (yours)');
  });

  it('2: a bad limit, naming the entry and listing the valid figures', async () => {
    const path = file('x.json', runOf({ websocket: base }));
    const unknown = await compare([path, path, '--max', 'latency.p95=+10%']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/error: --max: unknown figure "latency\.p95"; valid figures: latency\.p50, .*wire\.emptyPollShare/);
    const negative = await compare([path, path, '--max', 'latency.p99=-10%']);
    expect(negative.code).toBe(2);
    expect(negative.err).toContain('latency.p99=-10% is not a limit');
    const dangling = await compare([path, path, '--max']);
    expect(dangling.code).toBe(2);
    expect(dangling.err).toContain('--max needs a value');
    const limits = join(dir, 'bad-limits.json');
    writeFileSync(limits, '{"latency.p99": 15}');
    const file2 = await compare([path, path, '--thresholds', limits]);
    expect(file2.code).toBe(2);
    expect(file2.err).toContain(`--thresholds ${limits}: "latency.p99" must be a limit string`);
    const missing = await compare([path, path, '--thresholds', join(dir, 'none.json')]);
    expect(missing.err).toContain(`--thresholds: cannot read ${join(dir, 'none.json')}: no such file`);
  });

  it('2: an unknown figure, a missing file and a bad --alpha', async () => {
    const path = file('y.json', runOf({ websocket: base }));
    expect((await compare([path, path, '--figures', 'speed'])).err).toContain('unknown figure "speed"');
    const one = await compare([path]);
    expect(one.code).toBe(2);
    expect(one.err).toContain('give a baseline and a current results file, got 1 file(s)');
    const alpha = await compare([path, path, '--alpha', '0.5']);
    expect(alpha.code).toBe(2);
    expect(alpha.err).toContain('--alpha must be a number from 0.0001 to 0.2');
  });

  it('prints the exit codes in --help', async () => {
    const { code, out } = await compare(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Exit codes: 0 clean; 1 a regression past a built-in limit');
    expect(out).toContain('--max <s>');
  });
});
