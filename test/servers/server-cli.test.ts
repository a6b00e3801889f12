/** `npm run server`: the command a person types, run as a child process. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { onCleanup } from '../../servers/contract/conformance/servers.ts';
import { httpsFetch } from '../helpers/tls.ts';

const MAIN = new URL('../../servers/main.ts', import.meta.url).pathname;

function run(args: string[]): { child: ReturnType<typeof spawn>; out: () => string; err: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  return { child, out: () => out, err: () => err };
}

async function exitCode(child: ReturnType<typeof spawn>): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('npm run server', () => {
  it('lists every option with --help', async () => {
    const { child, out } = run(['--help']);
    expect(await exitCode(child)).toBe(0);
    expect(out()).toContain('--transport');
    expect(out()).toContain('--max-buffered-bytes');
  });

  it.each([
    [['--transport', 'server-sent-events'], '--transport must be one of short-polling, long-polling, websocket, sse, webrtc, socketio, got "server-sent-events"'],
    [['--port', 'x'], '--port must be an integer from 0 to 65535'],
    [['--histroy-size', '5'], "Unknown option '--histroy-size'"],
    [['--transport', 'long-polling', '--max-wait-ms', '90000'], '--max-wait-ms (90000) must be shorter than --idle-timeout-ms'],
    [['stray'], 'unexpected argument "stray"'],
    [['--tls', '--cert', '/nonexistent/c.pem', '--key', '/nonexistent/k.pem'], '--cert: cannot read "/nonexistent/c.pem"'],
    [['--http2'], '--http2 needs --tls'],
  ])('refuses %j with a message naming the option', async (args, message) => {
    const { child, err } = run(args);
    expect(await exitCode(child)).toBe(2);
    expect(err()).toContain(message);
  });

  it.each(['short-polling', 'long-polling', 'websocket', 'sse'])('starts %s, prints its URL, and stops on SIGTERM', async (transport) => {
    const { child, out } = run(['--transport', transport, '--port', '0']);
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line.toString())?.[0];
    expect(url, out()).toBeDefined();
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', transport });
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });

  it('with --tls, prints an https:// URL and the certificate file that a client can trust', async () => {
    const { child, out } = run(['--transport', 'long-polling', '--port', '0', '--tls', '--http2']);
    await vi.waitFor(() => expect(out()).toMatch(/certificate.*: (\S+cert\.pem);/), { timeout: 20_000, interval: 20 });
    const url = /https:\/\/127\.0\.0\.1:\d+/.exec(out())?.[0] ?? '';
    const certFile = /: (\S+cert\.pem);/.exec(out())?.[1] ?? '';
    expect(out()).toContain('(HTTP/2 and HTTP/1.1)');
    const answer = await httpsFetch(`${url}/healthz`, readFileSync(certFile, 'utf8'));
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok', transport: 'long-polling' });
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
    // The self-signed certificate lives as long as its server.
    expect(existsSync(certFile)).toBe(false);
  });
});

