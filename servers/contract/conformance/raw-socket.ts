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
  let closeCode: number | undefined;
  let closeReason = '';
  ws.on('close', (code: number, reason: Buffer) => {
    closeCode = code;
    closeReason = reason.toString('utf8');
  });
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
      const sent = (): string => JSON.stringify(frames.slice(from)).slice(0, 300);
      // A socket the server closed will bring no more frames: say so at once rather than at the
      // bound, unless the frame came before the close.
      let settle = (): void => undefined;
      const closed = new Promise<Record<string, unknown>>((resolve, reject) => {
        settle = (): void => {
          const frame = frames.slice(from).find(match);
          if (frame) resolve(frame);
          else reject(new Error(`the server closed the socket (${closeCode ?? ''} ${closeReason}) before the frame came; it sent ${sent()}`));
        };
        if (ws.readyState === WebSocket.CLOSED) settle();
        else ws.once('close', settle);
      });
      closed.catch(() => undefined);
      const waited = vi
        .waitFor(
          () => {
            found = frames.slice(from).find(match);
            expect(found, `no matching frame came within ${WAIT_BOUND_MS} ms; the server sent ${sent()}`).toBeDefined();
          },
          { timeout: WAIT_BOUND_MS, interval: 5 },
        )
        .then(() => found as Record<string, unknown>);
      try {
        return await Promise.race([closed, waited]);
      } finally {
        ws.off('close', settle);
      }
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
