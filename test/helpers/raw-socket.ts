import { once } from 'node:events';
import { expect, vi } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { onCleanup, WAIT_BOUND_MS } from './servers.ts';

/** A raw WebSocket (plain `ws`, not this project's client) that keeps every frame it receives. */
export interface RawSocket {
  readonly ws: WebSocket;
  readonly frames: Record<string, unknown>[];
  /** Waits for the first frame after `from` (an index into `frames`) that matches. */
  next(match: (frame: Record<string, unknown>) => boolean, from?: number): Promise<Record<string, unknown>>;
  sendJson(value: unknown): void;
}

export function wsUrl(baseUrl: string, path = '/ws'): string {
  return baseUrl.replace(/^http/, 'ws') + path;
}

/** Opens a raw socket and waits for 'open'; closed after the test. */
export async function openRaw(baseUrl: string, options: ClientOptions = {}, path = '/ws'): Promise<RawSocket> {
  const ws = new WebSocket(wsUrl(baseUrl, path), options);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(String(data)) as Record<string, unknown>);
  });
  ws.on('error', () => undefined);
  onCleanup(async () => {
    if (ws.readyState === WebSocket.CLOSED) return;
    const closed = once(ws, 'close');
    ws.terminate();
    await closed;
  });
  await once(ws, 'open');
  return {
    ws,
    frames,
    async next(match, from = 0) {
      let found: Record<string, unknown> | undefined;
      await vi.waitFor(
        () => {
          found = frames.slice(from).find(match);
          expect(found).toBeDefined();
        },
        { timeout: WAIT_BOUND_MS, interval: 5 },
      );
      return found as Record<string, unknown>;
    },
    sendJson(value) {
      ws.send(JSON.stringify(value));
    },
  };
}

/** The HTTP status a refused handshake got. */
export async function handshakeStatus(baseUrl: string, options: ClientOptions = {}, path = '/ws'): Promise<{ status: number; body: unknown }> {
  const ws = new WebSocket(wsUrl(baseUrl, path), options);
  ws.on('error', () => undefined);
  const outcome = await Promise.race([
    once(ws, 'open').then(() => ({ status: 101, body: undefined })),
    once(ws, 'unexpected-response').then(async ([, res]) => {
      const response = res as import('node:http').IncomingMessage;
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      return { status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
    }),
  ]);
  ws.terminate();
  return outcome;
}
