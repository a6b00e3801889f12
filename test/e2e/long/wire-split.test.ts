/**
 * `npm run bench:wire` end to end: a short run of WebSocket and the raw `ws` baseline with the
 * loopback captured by tcpdump, split by the wire. Asserts that every transport of the run is in
 * the split, each message with one copy per member, and its times in order (the first copy before
 * the last; the chat's ack after its post arrived; none for the rebroadcast). Skipped, saying why,
 * without root or tcpdump.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../../../bench/model/results.ts';
import { checkWireSupport } from '../../../bench/network/wire-split-cli.ts';

const CLI = fileURLToPath(new URL('../../../bench/network/wire-split-cli.ts', import.meta.url));

const missing = await checkWireSupport();
if (missing) console.warn(`bench:wire e2e test skipped: ${missing}`);

describe.skipIf(missing !== undefined)('bench:wire', () => {
  it('splits a short run of WebSocket and raw ws by the wire', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wire-e2e-'));
    const args = ['--transports', 'websocket,raw-ws', '--rounds', '1', '--duration-ms', '1500', '--warmup-ms', '500', '--rooms', '2', '--members', '5', '--out', join(dir, 'run.json')];
    const run = await execa(process.execPath, ['--import', 'tsx', CLI, ...args], { reject: false, all: true });
    expect(run.exitCode, run.all).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as BenchResults;
    rmSync(dir, { recursive: true, force: true });
    const sent = new Map(results.steps[0]?.variants.map((v) => [v.variant.id, v.trials[0]?.delivery.sent ?? 0]));
    const lines = String(run.stdout).split('\n');
    const header = lines.findIndex((line) => line.startsWith('transport '));
    expect(header, run.all).toBeGreaterThan(0);
    const rows = new Map(lines.slice(header + 1, header + 3).map((line) => {
      const [transport, ...cells] = line.trim().split(/\s+/);
      return [transport, cells];
    }));
    expect([...rows.keys()].sort()).toEqual(['raw-ws', 'websocket']);
    for (const [transport, [messages, copies, sentLate, first, last, answer]] of rows) {
      // 2 rooms of 5, each sending once a second for a 1.5 s window: about 15 messages, each copied
      // to 5 members. The split's window starts late by the smallest of 10 random phases (and so
      // may miss a message or two); the run's last ones must be in the capture.
      const inWindow = sent.get(transport as string) ?? 0;
      expect(inWindow, transport).toBeGreaterThanOrEqual(10);
      expect(Number(messages), transport).toBeGreaterThanOrEqual(inWindow - 3);
      expect(Number(messages), transport).toBeLessThanOrEqual(inWindow);
      expect(Number(copies), transport).toBe(5);
      expect(Number(sentLate), transport).toBeGreaterThanOrEqual(0);
      expect(Number(first), transport).toBeGreaterThan(0);
      expect(Number(last), transport).toBeGreaterThanOrEqual(Number(first));
      if (transport === 'websocket') expect(Number(answer)).toBeGreaterThan(0);
      else expect(answer).toBe('–');
    }
  });
});
