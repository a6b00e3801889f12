/**
 * `npm run conformance` end to end: the command, in its own process, against the project's servers
 * over TLS (every promise kept, exit 0) and against a server broken on purpose (the promise named,
 * exit 1); bad arguments (exit 2). The suite itself runs in process against every server
 * (conformance.test.ts) and against 21 broken ones (conformance-broken.test.ts): here only what the
 * command adds, its arguments, its output and its exit codes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Transport } from '../../servers/contract/index.ts';
import { toFlag } from '../../servers/common/command-line/index.ts';
import { RoomLog, type ChatServer } from '../../servers/index.ts';
import { UsageError } from '../../servers/common/command-line/index.ts';
import { CONFORMANCE_OPTIONS, EXIT, parseConformanceArgs } from '../../servers/contract/conformance/options.ts';
import { PROMISES } from '../../servers/contract/conformance/promises.ts';
import { startServer } from '../../servers/contract/conformance/servers.ts';
import { BROKEN_HISTORY_SIZE, RetryForgettingLog } from '../helpers/broken-servers.ts';

const CLI = new URL('../../servers/contract/conformance/cli.ts', import.meta.url).pathname;
/** The servers here keep this many messages per room, so that the expired-cursor check is quick. */
const HISTORY_SIZE = BROKEN_HISTORY_SIZE;
/** A command run starts tsx and vitest and runs the whole suite: seconds, not this long; this only ends a hang. */
const RUN_BOUND_MS = 120_000;

/** Runs the command; resolves with its exit code and output once it has exited. */
async function conformance(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  // The command starts vitest itself: this test's own vitest variables must not reach it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_ENV'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

function args(url: string, transport: Transport): string[] {
  return ['--url', url, '--transport', transport, '--history-size', String(HISTORY_SIZE)];
}

/** The `BROKEN:` lines of the output. */
function brokenLines(out: string): string[] {
  return out.split('\n').filter((line) => line.startsWith('BROKEN: '));
}

/** A server of the project, listening, whose room log is `log`. */
async function serverWith(transport: Transport, log: RoomLog): Promise<{ server: ChatServer; url: string }> {
  return startServer(transport, { historySize: HISTORY_SIZE }, log);
}

describe('npm run conformance', () => {
  describe.each(['short-polling', 'websocket'] as const)("against the project's %s server over TLS", (transport) => {
    it(
      'trusts the certificate given with --ca, checks every promise over https/wss, and exits 0',
      async () => {
        const { server, url } = await startServer(transport, { historySize: HISTORY_SIZE, tls: true });
        expect(url).toMatch(/^https:/);
        const run = await conformance([...args(url, transport), '--ca', server.tls?.certFile ?? '']);
        expect(run.err).toBe('');
        expect(brokenLines(run.out)).toEqual([]);
        for (const promise of [PROMISES.order, PROMISES.noLoss, PROMISES.noSilentGap, PROMISES.stored, PROMISES.retries, PROMISES.everyone]) {
          expect(run.out).toContain(`\n${promise}\n  ok      `);
        }
        expect(run.out).toContain(transport === 'websocket' ? PROMISES.wsErrors : PROMISES.httpErrors);
        expect(run.out).toContain('Not checked here');
        expect(run.out).toMatch(/\d+ checks: \d+ kept, 0 broken/);
        expect(run.code).toBe(EXIT.KEPT);
      },
      RUN_BOUND_MS,
    );

    it('without --ca, refuses to check a server it cannot trust, and exits 2', async () => {
      const { url } = await startServer(transport, { tls: true });
      const run = await conformance(args(url, transport));
      expect(run.err).toMatch(/cannot check https:\/\/127\.0\.0\.1:\d+ \(GET \/healthz: .*(SELF_SIGNED|self[- ]signed)/i);
      expect(run.code).toBe(EXIT.USAGE);
    });
  });

  it(
    'names "5. Retries are safe" for a server that stores a retry again, and exits 1',
    async () => {
      const { url } = await serverWith('websocket', new RetryForgettingLog({ historySize: HISTORY_SIZE }));
      const run = await conformance(args(url, 'websocket'));
      expect(brokenLines(run.out)).toEqual([
        `BROKEN: ${PROMISES.retries} — a retry with the same from/id stored a second message (seq 2): expected 2 to be 1`,
        `BROKEN: ${PROMISES.retries} — the retry should be answered with the original seq 1, was 3: expected 3 to be 1`,
      ]);
      expect(run.code).toBe(EXIT.BROKEN);
    },
    RUN_BOUND_MS,
  );

  it(
    'with --also-url, checks instances that share their rooms across both, and breaks on two that do not',
    async () => {
      const shared = new RoomLog({ historySize: HISTORY_SIZE });
      const [a, b] = [await serverWith('websocket', shared), await serverWith('websocket', shared)];
      const together = await conformance([...args(a.url, 'websocket'), '--also-url', b.url]);
      expect(together.out).toContain(`server at ${a.url} and ${b.url} (each connection and request to the next in turn)`);
      expect(brokenLines(together.out)).toEqual([]);
      expect(together.code).toBe(EXIT.KEPT);
      // Two servers with rooms of their own: what is posted on one is never read on the other.
      const apart = await serverWith('websocket', new RoomLog({ historySize: HISTORY_SIZE }));
      const split = await conformance([...args(a.url, 'websocket'), '--also-url', apart.url]);
      expect(brokenLines(split.out).length).toBeGreaterThan(0);
      expect(split.code).toBe(EXIT.BROKEN);
    },
    2 * RUN_BOUND_MS,
  );

  it('refuses bad arguments with a message naming the option, and exit 2', async () => {
    const missing = await conformance(['--transport', 'websocket']);
    expect(missing.err).toContain('--url is required');
    expect(missing.code).toBe(EXIT.USAGE);
    const wrong = await conformance(['--url', 'http://127.0.0.1:1', '--transport', 'carrier-pigeon']);
    expect(wrong.err).toContain('--transport must be one of short-polling, long-polling, websocket, sse, webrtc, socketio, got "carrier-pigeon"');
    expect(wrong.code).toBe(EXIT.USAGE);
  });

  it('exits 2 without checking anything when the server wants a token that was not given', async () => {
    const { url } = await startServer('websocket', { token: 's3cret' });
    const run = await conformance(['--url', url, '--transport', 'websocket']);
    expect(run.err).toContain('answered 401: the server requires a token; give it with --token');
    expect(run.out).not.toContain('checks:');
    expect(run.code).toBe(EXIT.USAGE);
  });

  it('exits 2 without checking anything when the server cannot be reached', async () => {
    const port = await closedPort();
    const run = await conformance(['--url', `http://127.0.0.1:${port}`, '--transport', 'short-polling']);
    expect(run.err).toContain(`cannot check http://127.0.0.1:${port} (GET /healthz: ECONNREFUSED)`);
    expect(run.out).not.toContain('checks:');
    expect(run.code).toBe(EXIT.USAGE);
  });
});

describe('the conformance command line', () => {
  it('turns its options into a target, with the contract defaults', () => {
    expect(parseConformanceArgs(['--url', 'http://127.0.0.1:8080/', '--transport', 'websocket'])).toEqual({
      url: 'http://127.0.0.1:8080',
      transport: 'websocket',
      historySize: 10_000,
      maxBodyBytes: 4096,
    });
    expect(parseConformanceArgs(['--url', 'http://localhost:1', '--transport', 'long-polling', '--token', 't', '--history-size', '5', '--max-body-bytes', '9'])).toEqual({
      url: 'http://localhost:1',
      transport: 'long-polling',
      token: 't',
      historySize: 5,
      maxBodyBytes: 9,
    });
    expect(parseConformanceArgs(['--url', 'http://127.0.0.1:1', '--also-url', 'http://localhost:2/,http://127.0.0.2:3', '--transport', 'socketio'])).toEqual({
      url: 'http://127.0.0.1:1',
      others: ['http://localhost:2', 'http://127.0.0.2:3'],
      transport: 'socketio',
      engine: 'upgrade',
      historySize: 10_000,
      maxBodyBytes: 4096,
    });
    expect(parseConformanceArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--transport', 'websocket'], '--url is required'],
    [['--url', 'http://127.0.0.1:1'], '--transport is required: one of short-polling, long-polling, websocket, sse, webrtc, socketio'],
    [['--url', 'ftp://127.0.0.1:1', '--transport', 'websocket'], '--url must be an http:// or https:// URL'],
    [['--url', '127.0.0.1:1', '--transport', 'websocket'], '--url must be an http:// or https:// URL'],
    [['--url', 'http://127.0.0.1:1', '--transport', 'websocket', '--ca', '/tmp/c.pem'], '--ca is for an https:// URL; http://127.0.0.1:1 speaks no TLS'],
    [['--url', 'http://192.0.2.1:8080', '--transport', 'websocket'], '--url "http://192.0.2.1:8080" must be on this machine (localhost, 127.x.x.x or [::1])'],
    [['--url', 'http://127.0.0.1:1', '--transport', 'websocket', '--history-size', '-5'], '--history-size must be an integer from 1 to 1000000, got "-5"'],
    [['--url', 'http://127.0.0.1:1', '--also-url', 'http://192.0.2.1:8080', '--transport', 'websocket'], '--also-url "http://192.0.2.1:8080" must be on this machine (localhost, 127.x.x.x or [::1])'],
    [['--url', 'http://127.0.0.1:1', '--also-url', 'ws://127.0.0.1:2', '--transport', 'websocket'], '--also-url must be an http:// or https:// URL'],
    [['--url', 'http://127.0.0.1:1/chat', '--transport', 'websocket'], "--url must be the server's base URL, without a path or query, such as http://127.0.0.1:1"],
    [['--url', 'http://127.0.0.1:1', '--transport', 'server-sent-events'], '--transport must be one of short-polling, long-polling, websocket, sse, webrtc, socketio, got "server-sent-events"'],
    [['--url', 'http://127.0.0.1:1', '--transport', 'websocket', '--history-size', '0'], '--history-size must be an integer from 1 to 1000000, got "0"'],
    [['--url', 'http://127.0.0.1:1', '--transport', 'websocket', '--rounds', '3'], "Unknown option '--rounds'"],
    [['--url', 'http://127.0.0.1:1', '--transport', 'websocket', 'extra'], 'unexpected argument "extra"'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseConformanceArgs(argv)).toThrow(UsageError);
    expect(() => parseConformanceArgs(argv)).toThrow(message);
  });
});

describe('the docs of the conformance command', () => {
  it('name the promises as the contract does', () => {
    const contract = readFileSync(new URL('../../servers/contract/README.md', import.meta.url), 'utf8');
    const promises = Object.values(PROMISES).filter((p) => /^\d\. /.test(p));
    expect(promises).toHaveLength(6);
    for (const promise of promises) expect(contract, promise).toContain(`${promise.slice(0, 3)}**${promise.slice(3)}`);
  });

  it('list every option in servers/contract/conformance/README.md', () => {
    const doc = readFileSync(new URL('../../servers/contract/conformance/README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(CONFORMANCE_OPTIONS)) expect(doc, name).toContain(`| \`${toFlag(name)}\``);
  });
});

/** A port nothing listens on: bound, read back, and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
