import pMap from 'p-map';
import { createClient, emptyCounters, type ChatClient } from '../../servers/clients/index.ts';
import type { DemoTransport } from './options.ts';

/** The room of the page and its members. */
export const DEMO_ROOM = 'demo';

/** What the members of one transport have spent so far, the closed ones' included. */
export interface MemberCounts {
  readonly count: number;
  readonly requests: number;
  readonly bytes: number;
  readonly messagesPosted: number;
  readonly errors: number;
}

/** How many members join or leave at once when the slider moves: the server and this process are spared a burst. */
const CHANGE_CONCURRENCY = 20;

/**
 * The simulated members of one transport: Node clients of this project's (servers/clients) in
 * the demo's process, in the page's room, receiving as the bench's do. While there are any, one
 * of them posts every `postMs`, its id carrying the time it was sent (`m<n>-<ms since epoch>`), so
 * the page can time their messages too, on this machine's one clock.
 */
export class Members {
  private readonly clients: ChatClient[] = [];
  /** The counters of members that left: what they spent stays counted. */
  private readonly left = emptyCounters();
  private posted = 0;
  private failedPosts = 0;
  private next = 0;
  private change: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly transport: DemoTransport,
    private readonly url: string,
    private readonly pollIntervalMs: number,
    postMs: number,
  ) {
    this.timer = setInterval(() => this.post(), postMs);
    this.timer.unref();
  }

  /** Moves to `target` members; changes are made one after another, each from where the last left off. */
  resize(target: number): Promise<void> {
    this.change = this.change.then(() => this.apply(target));
    return this.change;
  }

  counts(): MemberCounts {
    let requests = this.left.requests;
    let bytes = this.left.bytesWritten + this.left.bytesRead;
    let errors = this.left.errors + this.failedPosts;
    for (const client of this.clients) {
      const c = client.counters;
      requests += c.requests;
      bytes += c.bytesWritten + c.bytesRead;
      errors += c.errors;
    }
    return { count: this.clients.length, requests, bytes, messagesPosted: this.posted, errors };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.resize(0);
  }

  private async apply(target: number): Promise<void> {
    if (target > this.clients.length) {
      const joined = await pMap(Array.from({ length: target - this.clients.length }), () => this.join(), { concurrency: CHANGE_CONCURRENCY });
      this.clients.push(...joined);
    } else {
      const leaving = this.clients.splice(target);
      await pMap(leaving, (client) => this.leave(client), { concurrency: CHANGE_CONCURRENCY });
    }
  }

  private async join(): Promise<ChatClient> {
    const client = await createClient(this.transport, {
      url: this.url,
      pollIntervalMs: this.pollIntervalMs,
      // Short-polling members poll at random phases, as a crowd of browsers would.
      pollPhaseMs: Math.floor(Math.random() * this.pollIntervalMs),
    });
    await client.connect();
    await client.subscribe(DEMO_ROOM);
    return client;
  }

  private async leave(client: ChatClient): Promise<void> {
    await client.close();
    const c = client.counters;
    this.left.requests += c.requests;
    this.left.bytesWritten += c.bytesWritten;
    this.left.bytesRead += c.bytesRead;
    this.left.errors += c.errors;
  }

  private post(): void {
    if (this.clients.length === 0) return;
    const index = this.next++ % this.clients.length;
    const n = ++this.posted;
    (this.clients[index] as ChatClient)
      .send(DEMO_ROOM, { id: `m${n}-${Date.now()}`, from: `member ${index + 1}`, body: `simulated message ${n}` })
      .catch(() => this.failedPosts++);
  }
}
