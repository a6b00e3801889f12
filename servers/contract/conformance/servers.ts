import { expect, vi } from 'vitest';
import { createChatServer, type ChatServer, type RoomLog } from '../../index.ts';
import type { ChatMessage, Transport } from '../index.ts';
import { createClient, type ChatClient, type ClientOptions } from '../../clients/index.ts';

/** Short polls every this many ms in tests, so that a poll is never far away. */
export const TEST_POLL_INTERVAL_MS = 20;
/** Upper bound for a `vi.waitFor`: the event normally comes in milliseconds; this only ends a hang. */
export const WAIT_BOUND_MS = 20_000;

const cleanups: (() => Promise<void>)[] = [];

/** Runs the cleanups registered so far, last registered first. */
export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()?.();
}

/** Registers a cleanup that runs after the current test, last registered first. */
export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

/** Builds a server (on `log` when given), listens on port 0, and closes it after the test. */
export async function startServer(
  transport: Transport,
  options: Record<string, unknown> = {},
  log?: RoomLog,
): Promise<{ server: ChatServer; url: string }> {
  const server = await createChatServer(transport, { port: 0, ...options }, log);
  onCleanup(() => server.close());
  const url = await server.listen();
  return { server, url };
}

/** What one client received, by room, with helpers to wait for it. */
export interface Inbox {
  readonly rooms: Map<string, ChatMessage[]>;
  of(room: string): ChatMessage[];
  /** Waits until the room has at least `count` messages. */
  waitFor(room: string, count: number): Promise<ChatMessage[]>;
  /** Waits until a message of the room with `seq` or a later one has come: then whatever was skipped before it will not come. */
  waitForSeq(room: string, seq: number): Promise<ChatMessage[]>;
}

export function inbox(): Inbox & { onMessages: (room: string, messages: readonly ChatMessage[]) => void } {
  const rooms = new Map<string, ChatMessage[]>();
  const of = (room: string): ChatMessage[] => {
    let list = rooms.get(room);
    if (!list) rooms.set(room, (list = []));
    return list;
  };
  return {
    rooms,
    of,
    onMessages: (room, messages) => of(room).push(...messages),
    async waitFor(room, count) {
      await vi.waitFor(
        () => expect(of(room).length, `${count} messages expected in room ${room}; ${of(room).length} came within ${WAIT_BOUND_MS} ms`).toBeGreaterThanOrEqual(count),
        { timeout: WAIT_BOUND_MS, interval: 5 },
      );
      return of(room);
    },
    async waitForSeq(room, seq) {
      await vi.waitFor(
        () => expect(Math.max(0, ...of(room).map((m) => m.seq)), `seq ${seq} expected in room ${room}; it did not come within ${WAIT_BOUND_MS} ms`).toBeGreaterThanOrEqual(seq),
        { timeout: WAIT_BOUND_MS, interval: 5 },
      );
      return of(room);
    },
  };
}

/** A connected client of the server's transport, closed after the test. */
export async function connectClient(
  transport: Transport,
  url: string,
  options: Partial<ClientOptions> = {},
): Promise<{ client: ChatClient; inbox: Inbox }> {
  const box = inbox();
  const client = await createClient(transport, {
    url,
    pollIntervalMs: TEST_POLL_INTERVAL_MS,
    onMessages: box.onMessages,
    ...options,
  });
  onCleanup(() => client.close());
  await client.connect();
  return { client, inbox: box };
}

/** The seqs of a list of messages. */
export function seqs(messages: readonly ChatMessage[]): number[] {
  return messages.map((m) => m.seq);
}

/** `[from, from + 1, …, to]`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
