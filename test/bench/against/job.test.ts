/**
 * The paired job end to end, with no load: a throwaway git repository stands for this project,
 * and its node_modules/.bin/tsx is a fake bench that copies the tree's hand-made one-round
 * results (round.json) to the --out it is given and notes how it was called. The base (HEAD)
 * costs 100 µs of server CPU per message, the change (the working tree) 135 µs: the issue's
 * injected regression.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_DEPS, runAgainstCommand, type AgainstCommand, type AgainstDeps } from '../../../cli/bench-against.ts';
import { runOf } from '../../report/rounds.ts';

const run = promisify(execFile);
let dir: string;
let repo: string;
let calls: string;

const round = (cpu: number): string =>
  JSON.stringify(runOf({ 'short-polling': { 'perDelivered.serverCpuUs': [90] }, websocket: { 'perDelivered.serverCpuUs': [cpu], 'server.cpuShare': [cpu / 1000] } }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'against-job-'));
  repo = join(dir, 'repo');
  calls = join(dir, 'calls.log');
  mkdirSync(join(repo, 'node_modules', '.bin'), { recursive: true });
  const git = (...args: string[]): Promise<unknown> => run('git', ['-c', 'user.name=test', '-c', 'user.email=test@127.0.0.1', ...args], { cwd: repo });
  await git('init', '-q');
  writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
  writeFileSync(join(repo, 'package.json'), '{"name":"x"}\n');
  writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion":3}\n');
  writeFileSync(join(repo, 'side.txt'), 'base\n');
  writeFileSync(join(repo, 'round.json'), round(100));
  await git('add', '.');
  await git('commit', '-q', '-m', 'base');
  // The change: not committed, as in a checkout being worked on.
  writeFileSync(join(repo, 'side.txt'), 'change\n');
  writeFileSync(join(repo, 'round.json'), round(135));
  const tsx = join(repo, 'node_modules', '.bin', 'tsx');
  writeFileSync(
    tsx,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
const out = args[args.lastIndexOf('--out') + 1];
const side = fs.readFileSync('side.txt', 'utf8').trim();
fs.appendFileSync(${JSON.stringify(calls)}, side + ' ' + args.join(' ') + '\\n');
if (fs.existsSync(${JSON.stringify(join(dir, 'fail-'))} + side)) {
  console.error('the server could not start');
  process.exit(1);
}
fs.copyFileSync('round.json', out);
`,
  );
  chmodSync(tsx, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function job(out: string, markdown = ''): { input: AgainstCommand; deps: AgainstDeps; stdout: () => string; stderr: () => string } {
  const streams = { out: new PassThrough(), err: new PassThrough() };
  let stdout = '';
  let stderr = '';
  streams.out.on('data', (d: Buffer) => (stdout += d.toString()));
  streams.err.on('data', (d: Buffer) => (stderr += d.toString()));
  const argv = ['--ci', '--against', 'HEAD', '--out', out];
  return {
    input: { argv, ref: 'HEAD', scenario: { ...JSON.parse(round(100)).config.scenario, rounds: 6 }, rounds: undefined, out, max: [], thresholds: '', alpha: undefined, markdown },
    deps: { ...REAL_DEPS, repoRoot: repo, cacheDir: join(dir, 'cache'), stdout: streams.out, stderr: streams.err },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe('a paired job against HEAD, with a fake bench', () => {
  it('runs 8 pairs alternately in the two trees, writes both sides and the comparison, and exits 1 on the regression', async () => {
    const out = join(dir, 'first');
    const markdown = join(dir, 'summary.md');
    const j = job(out, markdown);
    const code = await runAgainstCommand(j.input, new AbortController().signal, j.deps);
    expect(code).toBe(1);
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['change', 'base', 'base', 'change', 'change', 'base', 'base', 'change', 'change', 'base', 'base', 'change', 'change', 'base', 'base', 'change']);
    expect(lines[1]).toBe(`base cli/bench.ts --ci --rounds 1 --out ${join(out, 'rounds', 'pair01-base.json')}`);
    for (const file of ['base.json', 'change.json', 'base.html', 'change.html', 'comparison.txt', 'comparison.md']) expect(existsSync(join(out, file)), file).toBe(true);
    const change = JSON.parse(readFileSync(join(out, 'change.json'), 'utf8'));
    expect(change.steps[0].variants.find((v: { variant: { id: string } }) => v.variant.id === 'websocket').trials.map((t: { round: number }) => t.round)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(j.stdout()).toMatch(/^2 regression\(s\) in scenario default: past the built-in limit, and a one-sided Wilcoxon signed-rank test over the paired rounds gives p ≤ 0\.01\./);
    expect(j.stdout()).toMatch(/websocket\s+server CPU per delivered message\s+100 µs\s+135 µs\s+\+35% worse\s+max\(15%, 10\.0 µs\)\s+0\.0039\s+REGRESSED/);
    expect(readFileSync(markdown, 'utf8')).toContain('❌ 2 regression(s)');
    expect(j.stderr()).toContain('paired job: 8 pairs of scenario default, change (this tree) against base HEAD (');
    expect(j.stderr()).toContain('[16/16] pair 8/8 · change (this tree)');
  });

  it('starts the next job with the base', async () => {
    rmSync(calls);
    const j = job(join(dir, 'second'));
    expect(await runAgainstCommand(j.input, new AbortController().signal, j.deps)).toBe(1);
    expect(readFileSync(calls, 'utf8').trim().split('\n').slice(0, 4).map((l) => l.split(' ')[0])).toEqual(['base', 'change', 'change', 'base']);
    expect(j.stderr()).toContain('the first pair starting with the base; base tree');
    expect(j.stderr()).toContain('(kept, dependencies this tree\'s)');
  });

  it('exits 2 naming the round and showing its log, when a round writes no results, and compares nothing', async () => {
    rmSync(calls);
    writeFileSync(join(dir, 'fail-base'), '');
    const broken = join(dir, 'broken');
    const j = job(broken);
    expect(await runAgainstCommand(j.input, new AbortController().signal, j.deps)).toBe(2);
    expect(readFileSync(calls, 'utf8').trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['change', 'base']);
    expect(j.stderr()).toMatch(
      new RegExp(`error: the paired job stopped after [0-9.]+ s: pair 1, base: its bench exited with code 1 and wrote no results; the end of its log \\(${broken}/rounds/pair01-base\\.log\\):\nthe server could not start; nothing is compared`),
    );
    expect(existsSync(join(broken, 'comparison.txt'))).toBe(false);
    expect(existsSync(join(broken, 'change.json'))).toBe(true);
  });
});
