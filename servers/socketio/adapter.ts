import { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import { createAdapter as pubSubAdapter } from '@socket.io/redis-adapter';
import { createAdapter as streamsAdapter } from '@socket.io/redis-streams-adapter';
import { SOCKETIO_EVENTS, parseBackplane, type MessagesFrame, type PostRequest, type ServerOptions, type SocketIoRedisAdapter } from '../contract/index.ts';
import { settle, type Backplane, type Now } from '../backplane/index.ts';
import type { AppendResult, Room, RoomLog } from '../common/room-log.ts';
import { socketIoRoom } from './rooms.ts';

/** What the adapter of option socketioAdapter holds, to let go of on shutdown. */
export interface AdapterLink {
  close(): void;
}

/**
 * Puts Socket.IO's own Redis adapter under `io` when option socketioAdapter names one (on the
 * Redis of option backplane: resolveServerOptions allows no other), on clients of its own as
 * Socket.IO documents it: ioredis with its defaults (commands queued while Redis is away, reconnects
 * by itself), `@socket.io/redis-adapter` on a publisher and a duplicate as subscriber,
 * `@socket.io/redis-streams-adapter` on one client that it duplicates for its reads. Undefined when
 * the option is `none`.
 */
export function attachRedisAdapter(io: Server, options: Pick<ServerOptions, 'socketioAdapter' | 'backplane'>): AdapterLink | undefined {
  const spec = parseBackplane(options.backplane);
  if (options.socketioAdapter === 'none' || spec.kind !== 'redis') return undefined;
  const kind = options.socketioAdapter as SocketIoRedisAdapter;
  const main = new Redis({ host: spec.host, port: spec.port, connectionName: `socketio-${kind}-adapter` });
  // A Redis that is away is the backplane's to report (healthz, the posts' 503); the adapter's
  // clients retry by themselves, and an unhandled 'error' would only print ioredis's warning.
  main.on('error', () => undefined);
  const clients = [main];
  if (kind === 'redis') {
    const sub = main.duplicate();
    sub.on('error', () => undefined);
    clients.push(sub);
    io.adapter(pubSubAdapter(main, sub));
  } else {
    io.adapter(streamsAdapter(main));
  }
  return {
    close() {
      // The namespace's adapter lets go of its subscriptions (the streams adapter then stops its reader).
      void io.of('/').adapter.close();
      for (const client of clients) client.disconnect();
    },
  };
}

/**
 * The backplane as a Socket.IO application on an adapter uses its store: a post is stored (the
 * seq, the retry rule and the history stay the backplane's), and a message newly stored is then
 * broadcast with `io.to(room).emit` by the instance that stored it, which the adapter carries to
 * every instance's sockets in the room. A retry of a stored message is not broadcast again. The
 * mirrors still answer replays and cursors; they no longer deliver live (`socketIoRooms` with
 * `adapter`).
 */
export class BroadcastOnStore implements Backplane {
  readonly kind = 'redis';

  constructor(
    private readonly inner: Backplane,
    private readonly io: Server,
  ) {}

  get log(): RoomLog {
    return this.inner.log;
  }

  append(roomId: string, post: PostRequest): Now<AppendResult> {
    return settle(this.inner.append(roomId, post), (result) => {
      if (result.stored) {
        const frame: MessagesFrame = { type: 'messages', room: roomId, messages: [result.message], cursor: result.cursor };
        this.io.to(socketIoRoom(roomId)).emit(SOCKETIO_EVENTS.messages, frame);
      }
      return result;
    });
  }

  load(roomId: string, cursor?: string): Now<Room> {
    return this.inner.load(roomId, cursor);
  }

  unavailable(): ReturnType<Backplane['unavailable']> {
    return this.inner.unavailable();
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
