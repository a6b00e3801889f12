import { SERVER_OPTIONS, messagesPath, type ChatMessage, type PollAnswer, type HttpTransport, type Transport } from '../contract/index.ts';
import { HttpChatClient } from './http-chat-client.ts';
import { HttpClient, type PendingRequest } from './http-client.ts';
import { ClientError, type ChatClient, type ClientCounters, type ClientOptions } from './types.ts';

/** How the two polling clients differ: when the next poll starts and what it asks to wait. */
export interface PollPolicy {
  readonly transport: HttpTransport;
  /** The `wait` to ask for (long polling), or undefined. */
  readonly waitMs: number | undefined;
  /** ms from the start of a poll that returned nothing new to the start of the next one. */
  readonly intervalMs: number;
  /** ms before the first poll after subscribing. */
  readonly phaseMs: number;
}

/** Longest pause between retries of a failed poll. */
const MAX_BACKOFF_MS = 2000;
/** How much longer than its `wait` a long poll may take before the client gives up on it. */
const HOLD_MARGIN_MS = 10_000;

interface RoomPoll {
  readonly room: string;
  cursor: string;
  active: boolean;
  pending: PendingRequest<PollAnswer> | undefined;
  timer: NodeJS.Timeout | undefined;
  failures: number;
  /** The instance list's moves when this room last polled. */
  moves: number;
}

/**
 * A polling client: one poll loop per subscribed room, posts on the same keep-alive agent.
 * A failed poll is retried with the same cursor after a backoff; `CURSOR_EXPIRED` restarts from the
 * cursor the server gives, and is counted.
 */
export class PollingClient extends HttpChatClient<RoomPoll> implements ChatClient {
  readonly transport: Transport;

  constructor(
    private readonly policy: PollPolicy,
    options: ClientOptions,
  ) {
    super(options, new HttpClient(options.url, options.token, options.keepAlive ?? true, options));
    this.transport = policy.transport;
  }

  get counters(): Readonly<ClientCounters> {
    return this.http.measure();
  }

  async connect(): Promise<void> {
    // A long-polling member holds a poll and posts beside it; a short-polling one posts beside a poll
    // in flight now and then, and undici reuses a connection only a turn of the loop after its
    // answer (a request sent sooner opens another): two connections either way.
    await this.http.warm(2);
  }

  async subscribe(room: string, cursor?: string): Promise<string> {
    this.unsubscribe(room);
    const first = await this.poll(room, cursor, 0).done;
    const state: RoomPoll = { room, cursor: first.body.cursor, active: true, pending: undefined, timer: undefined, failures: 0, moves: this.instances.moves };
    this.rooms.set(room, state);
    this.deliver(room, first.body.messages);
    this.schedule(state, this.policy.phaseMs);
    return state.cursor;
  }

  override unsubscribe(room: string): void {
    const state = this.rooms.get(room);
    if (!state) return;
    state.active = false;
    clearTimeout(state.timer);
    state.pending?.abort();
    this.rooms.delete(room);
  }

  private poll(room: string, cursor: string | undefined, waitMs: number | undefined): PendingRequest<PollAnswer> {
    const query = new URLSearchParams();
    if (cursor !== undefined) query.set('cursor', cursor);
    if (this.options.limit !== undefined) query.set('limit', String(this.options.limit));
    if (waitMs !== undefined) query.set('wait', String(waitMs));
    const timeout = waitMs === undefined ? undefined : waitMs + HOLD_MARGIN_MS;
    return this.http.get<PollAnswer>(`${messagesPath(room)}?${query.toString()}`, timeout);
  }

  private schedule(state: RoomPoll, delayMs: number): void {
    if (!state.active || this.closed) return;
    state.timer = setTimeout(() => void this.loop(state), Math.max(0, delayMs));
  }

  private async loop(state: RoomPoll): Promise<void> {
    const started = performance.now();
    const moves = this.instances.moves;
    // A post found the instance gone and moved the client between two polls: this poll is the room's
    // first on the next instance, a reconnect as much as one after a failed poll (counted below).
    if (moves !== state.moves && state.failures === 0) this.http.counters.reconnects++;
    state.moves = moves;
    state.pending = this.poll(state.room, state.cursor, this.policy.waitMs);
    try {
      const { body } = await state.pending.done;
      if (!state.active) return;
      state.failures = 0;
      state.cursor = body.cursor;
      if (body.messages.length === 0) this.http.counters.emptyPolls++;
      else this.deliver(state.room, body.messages);
      const full = body.messages.length >= (this.options.limit ?? SERVER_OPTIONS.pageSize.default);
      // A full page means more is waiting: ask again at once. Otherwise keep the fixed rate.
      this.schedule(state, full ? 0 : this.policy.intervalMs - (performance.now() - started));
    } catch (error) {
      if (!state.active) return;
      const e = error as ClientError;
      if (e.code === 'CURSOR_EXPIRED' && e.cursor !== undefined) {
        this.http.counters.cursorExpired++;
        state.cursor = e.cursor;
        this.options.onEvent?.({ type: 'cursor-expired', room: state.room, cursor: e.cursor });
        this.schedule(state, 0);
        return;
      }
      this.http.counters.errors++;
      this.http.counters.reconnects++;
      state.failures++;
      this.unreachable(e, moves);
      this.options.onEvent?.({ type: 'poll-failed', room: state.room, error: e });
      this.schedule(state, Math.min(MAX_BACKOFF_MS, 50 * 2 ** state.failures));
    } finally {
      state.pending = undefined;
    }
  }

  private deliver(room: string, messages: readonly ChatMessage[]): void {
    if (messages.length > 0) this.options.onMessages?.(room, messages);
  }
}
