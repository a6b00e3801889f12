/** `npm run report` and `npm run bench:compare`, run as a person or a CI job would. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/results.ts';
import { defaultStep, results } from './fixture.ts';

async function run(script: string, args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(`../../report/${script}`, import.meta.url).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

let dir: string;
const file = (name: string, value: BenchResults): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};
const slower = (): BenchResults => {
  const r = results([defaultStep()]);
  const ws = r.steps[0]?.variants.find((v) => v.variant.id === 'websocket');
  if (ws) Object.assign(ws.summary.figures, { 'latency.p50': { median: 1600, min: 1600, max: 1600 } });
  return r;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run report', () => {
  it('writes the report beside the results file and prints its path', async () => {
    const path = file('run.json', results([defaultStep()]));
    const { code, out } = await run('cli.ts', [path]);
    expect(code).toBe(0);
    expect(out.trim()).toBe(`report: ${join(dir, 'run.html')}`);
    const html = readFileSync(join(dir, 'run.html'), 'utf8');
    expect(html).toContain('<canvas id="latency-0-');
    // chart.js itself is inlined.
    expect(html.length).toBeGreaterThan(150_000);
  });

  it('refuses a missing file, a file that is not results, and a wrong command line', async () => {
    const missing = await run('cli.ts', [join(dir, 'nope.json')]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.err).toContain('no such file');
    writeFileSync(join(dir, 'other.json'), '{"hello":1}');
    expect((await run('cli.ts', [join(dir, 'other.json')])).err).toContain('is not a results file of npm run bench');
    const usage = await run('cli.ts', []);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('give exactly one results file');
  });
});

describe('npm run bench:compare', () => {
  it('passes a file compared with itself', async () => {
    const path = file('same.json', results([defaultStep()]));
    const { code, out } = await run('compare-cli.ts', [path, path]);
    expect(code).toBe(0);
    expect(out).toContain('No regression in scenario default');
  });

  it('exits 1 on a regression and writes the Markdown table when asked', async () => {
    const markdown = join(dir, 'summary.md');
    const { code, out } = await run('compare-cli.ts', [file('base.json', results([defaultStep()])), file('slow.json', slower()), '--markdown', markdown]);
    expect(code).toBe(1);
    expect(out).toContain('REGRESSED');
    expect(readFileSync(markdown, 'utf8')).toContain('| 10 rooms × 10 members, 1 msg/s each | websocket | latency p50 | 800 µs | 1.60 ms | +100% worse | 25% | **REGRESSED** |');
  });

  it('refuses results of different scenarios with a clear error and exit 2', async () => {
    const { code, err } = await run('compare-cli.ts', [file('a.json', results([defaultStep()], 'default')), file('b.json', results([defaultStep()], 'scale'))]);
    expect(code).toBe(2);
    expect(err).toContain('the baseline ran scenario "default" and the current run "scale"');
  });

  it('refuses an unknown figure and a missing file', async () => {
    const path = file('x.json', results([defaultStep()]));
    expect((await run('compare-cli.ts', [path, path, '--figures', 'speed'])).err).toContain('unknown figure "speed"');
    const missing = await run('compare-cli.ts', [path]);
    expect(missing.code).toBe(2);
    expect(existsSync(join(dir, 'nothing.md'))).toBe(false);
  });
});
