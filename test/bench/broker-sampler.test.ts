/** The broker's figures from Redis INFO: parsing, window arithmetic across a restart, and one real read. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { brokerMeasure, parseInfo, readInfo, sampleOf, type BrokerSample } from '../../bench/cluster/broker-sampler.ts';

const INFO = [
  '# Server',
  'redis_version:7.0.15',
  'run_id:abc',
  '',
  '# Stats',
  'total_commands_processed:1200',
  'instantaneous_ops_per_sec:40',
  '# Memory',
  'used_memory:1048576',
  '# CPU',
  'used_cpu_sys:0.250000',
  'used_cpu_user:0.500000',
].join('\r\n');

function sample(tUs: number, runId: string, cpuUs: number, totalCommands: number): BrokerSample {
  return { tUs, runId, cpuUs, totalCommands, usedMemoryBytes: 1000 + tUs / 1000, opsPerSecond: 10 };
}

describe('broker sampler', () => {
  it('reads CPU, commands, memory and ops from an INFO answer', () => {
    const fields = parseInfo(INFO);
    expect(fields.redis_version).toBe('7.0.15');
    expect(sampleOf(fields, 5)).toEqual({ tUs: 5, runId: 'abc', cpuUs: 750_000, totalCommands: 1200, usedMemoryBytes: 1_048_576, opsPerSecond: 40 });
    expect(() => sampleOf(parseInfo('run_id:x\r\nused_cpu_sys:1'), 0)).toThrow(/no numeric used_cpu_user/);
  });

  it('measures the window from the sample before its start to the one after its end, per message', () => {
    const samples = [sample(0, 'a', 0, 0), sample(1_000_000, 'a', 100, 10), sample(2_000_000, 'a', 300, 30), sample(3_000_000, 'a', 600, 60), sample(4_000_000, 'a', 1000, 100)];
    const m = brokerMeasure(samples, 1_500_000, 2_500_000, 10);
    // From the sample at 1 s to the one at 3 s: 500 µs of CPU and 50 commands for 10 messages.
    expect(m).toMatchObject({ cpuUs: 500, commands: 50, cpuUsPerMessage: 50, commandsPerMessage: 5, restarts: 0, samples: 3 });
    expect(m?.cpuShare).toBeCloseTo(500 / 2_000_000);
    expect(brokerMeasure(samples.slice(0, 1), 0, 1, 1)).toBeNull();
  });

  it('counts across a restart: the new run starts its counters from zero', () => {
    const samples = [sample(0, 'a', 1000, 100), sample(1_000_000, 'a', 1500, 150), sample(2_000_000, 'b', 40, 4), sample(3_000_000, 'b', 140, 14)];
    const m = brokerMeasure(samples, 0, 3_000_000, 2);
    // 500 before the restart, 40 of the new run at its first reading, 100 after.
    expect(m).toMatchObject({ cpuUs: 640, commands: 64, restarts: 1 });
  });

  it('fails with the socket error when no Redis listens', async () => {
    // A port nothing listens on: taken, then closed.
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    await expect(readInfo(`redis://127.0.0.1:${port}`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
