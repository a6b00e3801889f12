/**
 * `npm run bench:http-clients`: what one HTTP request costs the load generator, with node:http and
 * a keep-alive Agent per simulated user against undici with a Pool per user (what the polling
 * clients use). Both drive the same short-polling server (its own process, so that its CPU is not
 * counted) with the same users, each polling a room and posting to it in a closed loop, and the
 * figure is the generator process's CPU time (user + system) per request. Run it under the bench
 * lock: it is a load.
 *
 *   npm run bench:http-clients -- [--users 1000] [--requests 20000] [--rounds 3]
 */
import { Agent, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { messagesPath } from '../../servers/contract/index.ts';
import { spawnServer } from '../run/spawn-server.ts';

interface Side {
  readonly name: string;
  /** One simulated user: a request function and its teardown. */
  user(base: URL): { request(method: 'GET' | 'POST', path: string, body?: string): Promise<string>; close(): Promise<void> };
}

const NODE_HTTP: Side = {
  name: 'node:http + Agent per user',
  user(base) {
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' });
    return {
      request: (method, path, body) =>
        new Promise((resolve, reject) => {
          const headers: Record<string, string | number> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
          const req = httpRequest({ host: base.hostname, port: Number(base.port), method, path, headers, agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end(body);
        }),
      close: async () => agent.destroy(),
    };
  },
};

const UNDICI: Side = {
  name: 'undici Pool per user',
  user(base) {
    const pool = new Pool(base.origin, { pipelining: 1 });
    return {
      request: async (method, path, body) => {
        const answer = await pool.request({ method, path, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) });
        return answer.body.text();
      },
      close: () => pool.destroy(),
    };
  },
};

const UNDICI_DISPATCH: Side = {
  name: 'undici Pool, dispatch',
  user(base) {
    const pool = new Pool(base.origin, { pipelining: 1 });
    return {
      request: (method, path, body) =>
        new Promise((resolve, reject) => {
          const chunks: Buffer[] = [];
          pool.dispatch(
            { method, path, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) },
            {
              onRequestStart: () => undefined,
              onResponseStart: () => undefined,
              onResponseData: (_c, chunk: Buffer) => void chunks.push(chunk),
              onResponseEnd: () => resolve(Buffer.concat(chunks).toString('utf8')),
              onResponseError: (_c, error: Error) => reject(error),
            },
          );
        }),
      close: () => pool.destroy(),
    };
  },
};

/** Every `POST_EVERY`-th request of a user is a post, the rest polls. */
const POST_EVERY = 5;

async function measure(side: Side, base: URL, users: number, requests: number, round: number): Promise<number> {
  const clients = Array.from({ length: users }, () => side.user(base));
  const perUser = Math.ceil(requests / users);
  // Connect everyone first (one poll each), so that connecting is not measured.
  await Promise.all(clients.map((c, i) => c.request('GET', `${messagesPath(`r${round}-${i % 10}`)}`)));
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const room = `r${round}-${i % 10}`;
      for (let k = 0; k < perUser; k++) {
        if (k % POST_EVERY === POST_EVERY - 1) await c.request('POST', messagesPath(room), JSON.stringify({ id: `u${i}.${k}`, from: `u${i}`, body: 'x'.repeat(64) }));
        else await c.request('GET', `${messagesPath(room)}?limit=1`);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - started;
  await Promise.all(clients.map((c) => c.close()));
  const total = perUser * users;
  const us = (used.user + used.system) / total;
  process.stdout.write(`${side.name.padEnd(28)} ${total} requests in ${wallMs.toFixed(0)} ms: ${us.toFixed(1)} µs of generator CPU per request\n`);
  return us;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string', default: '1000' }, requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } } });
  const users = Number(values.users);
  const requests = Number(values.requests);
  const rounds = Number(values.rounds);
  for (const [name, n, max] of [['--users', users, 5000], ['--requests', requests, 1_000_000], ['--rounds', rounds, 20]] as const) {
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(String(n))}`);
  }
  const server = await spawnServer('short-polling');
  try {
    const base = new URL(server.url);
    const results = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so that neither always meets a warmer server.
      for (const side of round % 2 === 0 ? [NODE_HTTP, UNDICI, UNDICI_DISPATCH] : [UNDICI_DISPATCH, UNDICI, NODE_HTTP]) {
        const us = await measure(side, base, users, requests, round);
        results.set(side.name, [...(results.get(side.name) ?? []), us]);
      }
    }
    const med = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
    const [a, b, c] = [NODE_HTTP, UNDICI, UNDICI_DISPATCH].map((side) => med(results.get(side.name) ?? [])) as [number, number, number];
    process.stdout.write(`median over ${rounds} rounds, ${users} users: node:http ${a.toFixed(1)} µs, undici request ${b.toFixed(1)} µs (${(a / b).toFixed(2)}×), undici dispatch ${c.toFixed(1)} µs (${(a / c).toFixed(2)}×) per request\n`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
