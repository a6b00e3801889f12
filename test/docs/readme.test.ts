/**
 * The documents are part of the interface: what they show must be what the code does. The bench's
 * option and scenario tables live in bench/README.md, the WebRTC scenario file in
 * servers/webrtc/README.md, the comparison's options in report/README.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_OPTIONS } from '../../bench/run/options.ts';
import { SCENARIOS, loadScenarioFile } from '../../bench/run/scenarios.ts';
import { toFlag } from '../../servers/common/command-line/index.ts';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const benchDoc = read('bench/README.md');
const webrtcDoc = read('servers/webrtc/README.md');
const reportDoc = read('report/README.md');

describe('bench/README.md', () => {
  it('documents every bench option in its table', () => {
    for (const name of Object.keys(BENCH_OPTIONS)) expect(benchDoc, name).toContain(`| \`${toFlag(name)}\``);
  });

  it('describes every named scenario', () => {
    for (const name of Object.keys(SCENARIOS)) expect(benchDoc, name).toContain(`| \`${name}\``);
  });

  it('shows a scenario file that loads', () => {
    const example = /A scenario file[\s\S]*?```json\n([\s\S]*?)```/.exec(benchDoc)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'readme-'));
    try {
      const file = join(dir, 'example.json');
      writeFileSync(file, example ?? '');
      const scenario = loadScenarioFile(file);
      expect(scenario.steps[0]?.variants.map((v) => v.transport)).toEqual(['short-polling', 'long-polling', 'websocket']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('servers/webrtc/README.md', () => {
  it('shows a scenario file with both data channels that loads', () => {
    const example = /\*\*Running it\.\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(webrtcDoc)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'readme-'));
    try {
      const file = join(dir, 'webrtc.json');
      writeFileSync(file, example ?? '');
      const variants = loadScenarioFile(file).steps[0]?.variants;
      expect(variants).toEqual([
        { id: 'websocket', transport: 'websocket' },
        { id: 'webrtc', transport: 'webrtc' },
        { id: 'webrtc/lossy', transport: 'webrtc', channel: 'lossy' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report/README.md on comparing runs', () => {
  it('documents every bench:compare option', async () => {
    const { COMPARE_OPTIONS } = await import('../../report/compare-options.ts');
    for (const name of Object.keys(COMPARE_OPTIONS)) expect(reportDoc, name).toContain(`| \`${toFlag(name)}\``);
  });
});
