/** docs/ci.md is part of the interface: its options, its workflow's command and its patches must be what the code takes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGAINST_OPTIONS } from '../../bench/against/options.ts';
import { BENCH_OPTIONS } from '../../bench/run/options.ts';
import { parseCommandLine, toFlag } from '../../servers/common/command-line/index.ts';

const doc = readFileSync(new URL('../../docs/ci.md', import.meta.url), 'utf8');
const source = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** A sed `s|PATTERN|REPLACEMENT|` of the doc as a JavaScript regular expression and replacement (its patterns use only ^, $ and literals). */
function sedToJs(pattern: string, replacement: string): { re: RegExp; replace: (match: string) => string } {
  const anchoredStart = pattern.startsWith('^');
  const anchoredEnd = pattern.endsWith('$');
  const literal = pattern.slice(anchoredStart ? 1 : 0, anchoredEnd ? -1 : undefined).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { re: new RegExp(`${anchoredStart ? '^' : ''}${literal}${anchoredEnd ? '$' : ''}`, 'gm'), replace: (match) => replacement.replaceAll('&', match).replaceAll('\\n', '\n') };
}

describe('docs/ci.md', () => {
  it('documents every option of the paired gate in its table', () => {
    for (const name of Object.keys(AGAINST_OPTIONS)) expect(doc, name).toContain(`| \`${toFlag(name)}\``);
  });

  it('runs a bench command in its workflow that the bench parses', () => {
    const line = /run: npm run bench -- (.*)$/m.exec(doc)?.[1];
    expect(line).toBeDefined();
    const argv = (line ?? '').replace(/\$\{\{[^}]*\}\}/g, 'abc1234').replace('"$GITHUB_STEP_SUMMARY"', 'summary.md').split(' ');
    const parsed = parseCommandLine({ ...BENCH_OPTIONS, ...AGAINST_OPTIONS }, argv);
    expect(parsed.values).toMatchObject({ ci: true, against: 'abc1234', out: 'bench-gate', markdown: 'summary.md' });
    expect(parsed.positionals).toEqual([]);
  });

  it('injects each regression with a patch that still matches exactly one line and adds or changes one', () => {
    const patches = [...doc.matchAll(/^sed -i 's\|(.+?)\|(.+)\|' (servers\/\S+)$/gm)];
    expect(new Set(patches.map((p) => p[3]))).toEqual(new Set(['servers/websocket/ws-channel.ts', 'servers/short-polling/server.ts']));
    for (const [, pattern, replacement, path] of patches) {
      const text = source(path ?? '');
      const { re, replace } = sedToJs(pattern ?? '', replacement ?? '');
      expect([...text.matchAll(re)], path).toHaveLength(1);
      const patched = text.replace(re, replace);
      // 25 µs per WebSocket frame; 55 µs per message of a short poll's answer (about +30% of each server's CPU per message).
      expect(patched).toMatch(/for \(const end = performance\.now\(\) \+ (0\.025|0\.055 \* a\.messages\.length); performance\.now\(\) < end; \);/);
      expect(patched.split('\n').length - text.split('\n').length).toBeLessThanOrEqual(1);
    }
  });
});
