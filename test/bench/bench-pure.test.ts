import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatBytes, formatNumber, formatRatio, formatShare, formatUs } from '../../bench/model/format.ts';
import type { ClientAssignment } from '../../bench/generator/ipc.ts';
import { makeBody, readBody, stampsIn } from '../../bench/generator/message-body.ts';
import type { Workload } from '../../bench/model/results.ts';
import { describeTrials, runBench, type RunEvent } from '../../bench/run/run.ts';
import { resolveScenario } from '../../bench/run/scenarios.ts';
import { assignClients, drainMs } from '../../bench/run/trial.ts';
import { leadsRoom } from '../../bench/generator/ipc.ts';
import { copyAsLatest, defaultResultsPath, displayPath, RESULTS_DIR } from '../../bench/run/write-results.ts';

// No real server in this file: a trial fails at once, which is all the listener test needs.
vi.mock('../../bench/run/spawn-server.ts', () => ({
  spawnServer: vi.fn(() => Promise.reject(new Error('no server in this test'))),
  serverEntry: vi.fn(() => '/no/server/in/this/test.ts'),
}));

describe('runBench and the run\'s abort signal', () => {
  it('leaves no abort listener behind after more than 10 trials, and Node warns of none', async () => {
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    const events: RunEvent[] = [];
    try {
      const outcome = await runBench(
        {
          scenario: {
            name: 'listeners',
            description: 'twelve trials that fail at once',
            rounds: 12,
            generators: 1,
            steps: [{ label: 'one', workload: workload(1, 1), variants: [{ id: 'websocket', transport: 'websocket' }] }],
          },
          seed: 1,
          pin: false,
          micro: null,
          ceiling: null,
        },
        (event) => events.push(event),
        controller.signal,
      );
      expect(events.filter((e) => e.type === 'trial-start')).toHaveLength(12);
      expect(outcome.warnings.filter((w) => w.includes('no server in this test'))).toHaveLength(12);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      // A warning is emitted on the next tick: let it through before looking.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('makeBody and readBody', () => {
  it('pads the stamp to exactly the body size', () => {
    const body = makeBody('r3m7', 42, 123_456_789, 64);
    expect(body).toHaveLength(64);
    expect(body).toBe(`r3m7|42|123456789|${'.'.repeat(46)}`);
  });

  it('gives the stamp alone when it is exactly the body size', () => {
    expect(makeBody('r0m0', 1, 5, 9)).toBe('r0m0|1|5|');
    expect(makeBody('r0m0', 1, 5, 10)).toBe('r0m0|1|5|.');
  });

  it('keeps a stamp longer than the body size whole', () => {
    const body = makeBody('r12m345', 6789, 1_000_000_000_000, 4);
    expect(body).toBe('r12m345|6789|1000000000000|');
    expect(readBody(body)).toEqual({ sender: 'r12m345', k: 6789, meantUs: 1_000_000_000_000 });
  });

  it('finds every stamp among other bytes, as readBody reads each', () => {
    const a = makeBody('r1m2', 3, 456_789, 24);
    const b = makeBody('r10m0', 0, 12_345_678_901, 32);
    const text = `data: {"messages":[{"body":"${a}"},{"body":"${b}"}]}\n\n`;
    expect([...stampsIn(text)]).toEqual([readBody(a), readBody(b)]);
    expect([...stampsIn('no|stamp|here')]).toEqual([]);
  });

  it('reads back what it wrote', () => {
    for (const [sender, k, meantUs, bytes] of [
      ['r0m0', 0, 0, 1],
      ['r9m99', 17, 987_654_321, 256],
      ['x', 1_000_000, 15, 4096],
    ] as const) {
      expect(readBody(makeBody(sender, k, meantUs, bytes))).toEqual({ sender, k, meantUs });
    }
  });

  it('stamps a fractional meant time as whole µs, which it reads back', () => {
    expect(readBody(makeBody('r1m2', 3, 1_234_567.6, 64))).toEqual({ sender: 'r1m2', k: 3, meantUs: 1_234_568 });
  });

  it('refuses stamps whose numbers are empty, fractional or signed', () => {
    for (const body of ['a||5|', 'a|1||', 'a|1|1.5|', 'a|-1|5|', 'a|1|-5|']) expect(readBody(body), body).toBeUndefined();
  });

  it('gives undefined for bodies this harness did not make', () => {
    for (const foreign of ['', 'hello', 'a|b', 'a|1|', '|1|2|', 'a|one|2|', 'a|1.5|2|', 'a|1|soon|', 'see|this|thing|']) {
      expect(readBody(foreign), foreign).toBeUndefined();
    }
  });
});

function workload(rooms: number, members: number): Workload {
  return { rooms, members, ratePerMember: 1, bodyBytes: 16, durationMs: 1000, warmupMs: 0 };
}

function pairs(plans: readonly (readonly ClientAssignment[])[]): string[] {
  return plans.flat().map((c) => `${c.room}/${c.sender}`);
}

function expectEveryMemberOnce(plans: readonly (readonly ClientAssignment[])[], rooms: number, members: number): void {
  const all = pairs(plans);
  const expected: string[] = [];
  for (let r = 0; r < rooms; r++) for (let m = 0; m < members; m++) expected.push(`room-${r}/r${r}m${m}`);
  expect([...all].sort()).toEqual([...expected].sort());
  const senders = plans.flat().map((c) => c.sender);
  expect(new Set(senders).size).toBe(rooms * members);
}

describe('assignClients', () => {
  it('gives each room one lead, however its members are dealt out over generators (what the soak\'s bystanders are made once a room by)', () => {
    for (const [rooms, generators] of [[10, 3], [10, 20], [3, 7]] as const) {
      const leads = assignClients(workload(rooms, 4), generators).flat().filter(leadsRoom).map((a) => a.room);
      expect(leads.sort()).toEqual(Array.from({ length: rooms }, (_, r) => `room-${r}`).sort());
    }
  });

  it('gives whole rooms to each generator when there are at least as many rooms', () => {
    const plans = assignClients(workload(5, 2), 2);
    expect(plans).toEqual([
      [
        { room: 'room-0', sender: 'r0m0' },
        { room: 'room-0', sender: 'r0m1' },
        { room: 'room-2', sender: 'r2m0' },
        { room: 'room-2', sender: 'r2m1' },
        { room: 'room-4', sender: 'r4m0' },
        { room: 'room-4', sender: 'r4m1' },
      ],
      [
        { room: 'room-1', sender: 'r1m0' },
        { room: 'room-1', sender: 'r1m1' },
        { room: 'room-3', sender: 'r3m0' },
        { room: 'room-3', sender: 'r3m1' },
      ],
    ]);
    for (const plan of plans) {
      const rooms = new Set(plan.map((c) => c.room));
      for (const other of plans.filter((p) => p !== plan)) expect(other.some((c) => rooms.has(c.room))).toBe(false);
    }
  });

  it('splits the members of a room when there are fewer rooms than generators', () => {
    const plans = assignClients(workload(1, 5), 2);
    expect(plans).toEqual([
      [
        { room: 'room-0', sender: 'r0m0' },
        { room: 'room-0', sender: 'r0m2' },
        { room: 'room-0', sender: 'r0m4' },
      ],
      [
        { room: 'room-0', sender: 'r0m1' },
        { room: 'room-0', sender: 'r0m3' },
      ],
    ]);
  });

  it('drops generators left without a client', () => {
    const plans = assignClients(workload(1, 2), 4);
    expect(plans).toEqual([[{ room: 'room-0', sender: 'r0m0' }], [{ room: 'room-0', sender: 'r0m1' }]]);
  });

  it.each([
    [10, 10, 1],
    [10, 10, 3],
    [3, 7, 4],
    [1, 1000, 16],
    [16, 5, 16],
  ])('assigns each of %i rooms × %i members exactly once over %i generators, with unique senders', (rooms, members, generators) => {
    const plans = assignClients(workload(rooms, members), generators);
    expect(plans.length).toBe(Math.min(generators, rooms * members));
    expectEveryMemberOnce(plans, rooms, members);
  });
});

describe('drainMs', () => {
  it('waits 3 s, or three poll intervals when longer', () => {
    expect(drainMs({ id: 'ws', transport: 'websocket' })).toBe(3000);
    expect(drainMs({ id: 'long', transport: 'long-polling', waitMs: 25_000 })).toBe(3000);
    expect(drainMs({ id: 'short', transport: 'short-polling', pollIntervalMs: 1000 })).toBe(3000);
    expect(drainMs({ id: 'short', transport: 'short-polling', pollIntervalMs: 1001 })).toBe(3003);
    expect(drainMs({ id: 'short', transport: 'short-polling', pollIntervalMs: 5000 })).toBe(15_000);
  });
});

describe('formatUs', () => {
  it('writes µs below 1 ms, ms below 1 s and s above, at each boundary', () => {
    expect(formatUs(0)).toBe('0 µs');
    expect(formatUs(830.4)).toBe('830 µs');
    expect(formatUs(999)).toBe('999 µs');
    expect(formatUs(1000)).toBe('1.00 ms');
    expect(formatUs(1_600)).toBe('1.60 ms');
    expect(formatUs(9_990)).toBe('9.99 ms');
    expect(formatUs(10_000)).toBe('10.0 ms');
    expect(formatUs(99_900)).toBe('99.9 ms');
    expect(formatUs(100_000)).toBe('100 ms');
    expect(formatUs(999_000)).toBe('999 ms');
    expect(formatUs(1_000_000)).toBe('1.00 s');
    expect(formatUs(2_345_000)).toBe('2.35 s');
  });

  it('writes – for NaN and infinities', () => {
    expect(formatUs(Number.NaN)).toBe('–');
    expect(formatUs(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatUs(Number.NEGATIVE_INFINITY)).toBe('–');
  });
});

describe('formatBytes', () => {
  it('writes B, KiB, MiB and GiB (IEC, powers of 1024, labelled so), at each boundary', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1023.6)).toBe('1.00 KiB');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(12.3 * 1024)).toBe('12.3 KiB');
    expect(formatBytes(106.9 * 1024)).toBe('107 KiB');
    expect(formatBytes(1023.9 * 1024)).toBe('1.00 MiB');
    expect(formatBytes(1024 ** 2)).toBe('1.00 MiB');
    expect(formatBytes(98.1 * 1024 ** 2)).toBe('98.1 MiB');
    expect(formatBytes(1024 ** 3)).toBe('1.00 GiB');
    expect(formatBytes(2.5 * 1024 ** 3)).toBe('2.50 GiB');
  });

  it('keeps the sign of a negative size', () => {
    expect(formatBytes(-512)).toBe('-512 B');
    expect(formatBytes(-2048)).toBe('-2.00 KiB');
  });

  it('writes – for NaN and infinities', () => {
    expect(formatBytes(Number.NaN)).toBe('–');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatBytes(Number.NEGATIVE_INFINITY)).toBe('–');
  });
});

describe('formatNumber', () => {
  it('keeps sensible precision at each boundary', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(0.0099)).toBe('0.0099');
    expect(formatNumber(0.005)).toBe('0.0050');
    expect(formatNumber(0.01)).toBe('0.010');
    expect(formatNumber(0.0123)).toBe('0.012');
    expect(formatNumber(0.099)).toBe('0.099');
    expect(formatNumber(0.25)).toBe('0.25');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(9.99)).toBe('9.99');
    expect(formatNumber(10)).toBe('10.0');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(99.9)).toBe('99.9');
    expect(formatNumber(100)).toBe('100');
    expect(formatNumber(1234.4)).toBe('1,234');
    expect(formatNumber(1_234_567)).toBe('1,234,567');
  });

  it('keeps the sign of a negative number', () => {
    expect(formatNumber(-0.005)).toBe('-0.0050');
    expect(formatNumber(-1.5)).toBe('-1.50');
    expect(formatNumber(-1234)).toBe('-1,234');
  });

  it('writes – for NaN and infinities', () => {
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('–');
  });
});

describe('formatShare', () => {
  it('writes a percentage, with a decimal below 10%', () => {
    expect(formatShare(0)).toBe('0.0%');
    expect(formatShare(0.05)).toBe('5.0%');
    expect(formatShare(0.099)).toBe('9.9%');
    expect(formatShare(0.1)).toBe('10%');
    expect(formatShare(0.37)).toBe('37%');
    expect(formatShare(1)).toBe('100%');
    expect(formatShare(1.5)).toBe('150%');
  });

  it('writes – for NaN and infinities', () => {
    expect(formatShare(Number.NaN)).toBe('–');
    expect(formatShare(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatShare(Number.NEGATIVE_INFINITY)).toBe('–');
  });
});

describe('formatRatio', () => {
  it('writes two decimals below 2, one below 10 and none above', () => {
    expect(formatRatio(0)).toBe('0.00×');
    expect(formatRatio(0.5)).toBe('0.50×');
    expect(formatRatio(1.99)).toBe('1.99×');
    expect(formatRatio(2)).toBe('2.0×');
    expect(formatRatio(3.2)).toBe('3.2×');
    expect(formatRatio(9.9)).toBe('9.9×');
    expect(formatRatio(10)).toBe('10×');
    expect(formatRatio(12.4)).toBe('12×');
    expect(formatRatio(12.5)).toBe('13×');
  });

  it('writes – for NaN and infinities', () => {
    expect(formatRatio(Number.NaN)).toBe('–');
    expect(formatRatio(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatRatio(Number.NEGATIVE_INFINITY)).toBe('–');
  });
});

describe('defaultResultsPath', () => {
  it('names the file after the start time, without colons or fractions of a second, and the scenario', () => {
    const path = defaultResultsPath('2026-11-26T01:02:03.456Z', 'default');
    expect(path).toBe(join(RESULTS_DIR, '2026-11-26T01-02-03-default.json'));
    expect(path).not.toContain(':');
  });

  it('reduces a scenario file path to a safe name', () => {
    expect(defaultResultsPath('2026-11-26T01:02:03.000Z', 'scenarios/nested/my run (v2).json')).toBe(
      join(RESULTS_DIR, '2026-11-26T01-02-03-my_run__v2_.json'),
    );
    expect(defaultResultsPath('2026-11-26T01:02:03.000Z', '/abs/path/fan-out_1.json')).toBe(join(RESULTS_DIR, '2026-11-26T01-02-03-fan-out_1.json'));
  });

  it('leaves no colon even from a Windows-style scenario path', () => {
    const path = defaultResultsPath('2026-11-26T01:02:03.000Z', 'C:\\bench\\mine.json');
    expect(path).toBe(join(RESULTS_DIR, '2026-11-26T01-02-03-C__bench_mine.json'));
    expect(path.slice(RESULTS_DIR.length + 1)).not.toMatch(/[:\\/]/);
  });
});

describe('describeTrials', () => {
  it('prints the real counts of a run', () => {
    expect(describeTrials(resolveScenario('default'))).toBe('1 step × 5 transports × 3 rounds = 15 trials');
    expect(describeTrials({ ...resolveScenario('default'), rounds: 1 })).toBe('1 step × 5 transports × 1 round = 5 trials');
    expect(describeTrials(resolveScenario('scale'))).toBe('6 steps, 26 transports in all × 2 rounds = 52 trials');
    // Five short-polling variants in one step, two each of long polling and SSE in the next: variants, not transports.
    expect(describeTrials(resolveScenario('handshake'))).toBe('2 steps, 9 variants in all × 3 rounds = 27 trials');
    // Steps of different sizes: the variants are summed.
    expect(describeTrials(resolveScenario('interval'))).toBe('7 steps, 9 transports in all × 2 rounds = 18 trials');
  });
});

describe('displayPath', () => {
  it('prints a path inside the working directory relative to it, any other absolute', () => {
    expect(displayPath('results/x.json', '/work/p')).toBe(join('results', 'x.json'));
    expect(displayPath('/work/p/results/x.json', '/work/p')).toBe(join('results', 'x.json'));
    expect(displayPath('/tmp/run.json', '/work/p')).toBe('/tmp/run.json');
    expect(displayPath('../other/run.json', '/work/p')).toBe('/work/other/run.json');
    expect(displayPath('..hidden.json', '/work/p')).toBe('..hidden.json');
  });
});

describe('copyAsLatest', () => {
  it('copies a results file or a report to latest with its extension, and leaves latest itself alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latest-'));
    try {
      writeFileSync(join(dir, 'run.html'), '<p>report</p>');
      expect(await copyAsLatest(join(dir, 'run.html'))).toBe(join(dir, 'latest.html'));
      expect(readFileSync(join(dir, 'latest.html'), 'utf8')).toBe('<p>report</p>');
      writeFileSync(join(dir, 'latest.json'), '{}');
      expect(await copyAsLatest(join(dir, 'latest.json'))).toBe(join(dir, 'latest.json'));
      expect(readFileSync(join(dir, 'latest.json'), 'utf8')).toBe('{}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
