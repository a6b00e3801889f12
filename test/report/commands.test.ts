/** `npm run report`, run as a person would (`npm run bench:compare`: compare-cli.test.ts). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/model/results.ts';
import { defaultStep, results } from './fixture.ts';
import { runScript as run } from './run-script.ts';

let dir: string;
const file = (name: string, value: BenchResults): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
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
