import { messagesPath, type PostAnswer, type PostRequest } from '../contract/index.ts';
import type { HttpClient } from './http-client.ts';
import { InstanceList, moveWhenUnreachable } from './instances.ts';
import type { ClientOptions, SendResult } from './types.ts';

/** What an HTTP chat client keeps of each room it receives: at least the last cursor received. */
export interface ReceivedRoom {
  readonly cursor: string | undefined;
}

/**
 * What the chat clients over plain HTTP (polling, SSE) share: posts with `POST /rooms/:room/messages`
 * on their `HttpClient`, the rooms they receive (each its own poll loop or stream), and the
 * instances they move between when one cannot be reached. Each subclass receives its own way.
 */
export abstract class HttpChatClient<Room extends ReceivedRoom> {
  protected readonly rooms = new Map<string, Room>();
  /** Its instance first, then the others it moves to when one cannot be reached (several instances on one backplane). */
  protected readonly instances: InstanceList;
  protected closed = false;

  constructor(
    protected readonly options: ClientOptions,
    protected readonly http: HttpClient,
  ) {
    this.instances = new InstanceList(options.url, options.fallbackUrls);
  }

  /** Stops receiving a room. */
  abstract unsubscribe(room: string): void;

  async send(room: string, post: PostRequest): Promise<SendResult> {
    const moves = this.instances.moves;
    try {
      return (await this.http.post<PostAnswer>(messagesPath(room), post).done).body;
    } catch (error) {
      this.unreachable(error, moves);
      throw error;
    }
  }

  cursor(room: string): string | undefined {
    return this.rooms.get(room)?.cursor;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const room of [...this.rooms.keys()]) this.unsubscribe(room);
    this.http.close();
  }

  /** A request begun at `moves` got no answer at all: move to the next instance, once per failure. */
  protected unreachable(error: unknown, moves: number): void {
    moveWhenUnreachable(this.instances, error, moves, this.http, this.options.onEvent);
  }
}
