import type { Socket } from 'socket.io';
import { SOCKETIO_EVENTS } from '../contract/index.ts';
import { CLOSE, type FrameChannel, type Reply } from '../websocket/connection.ts';

/** What a session takes from the channel: each event's payload, parsed, with its acknowledgement. */
interface EventSession {
  receiveParsed(value: unknown, reply?: Reply): void;
}

/** The parts of engine.io's socket this channel reads: its queue and its transport (not in Socket.IO's types). */
interface EngineSocket {
  readonly writeBuffer: readonly { readonly data?: unknown }[];
  readonly transport: { readonly name: string; readonly socket?: { readonly bufferedAmount: number; terminate(): void } };
  write(data: string, options?: object, callback?: () => void): void;
  close(discard?: boolean): void;
}

/** The event a serialized server frame goes as: its `type`, but `error`, which is `chat_error`. */
function eventOf(text: string): string {
  if (text.startsWith('{"type":"messages"')) return SOCKETIO_EVENTS.messages;
  if (text.startsWith('{"type":"ack"')) return SOCKETIO_EVENTS.ack;
  return SOCKETIO_EVENTS.error;
}

/**
 * A Socket.IO socket as a session's frame channel (servers/websocket/connection.ts): a client's
 * event is the frame of its name, its acknowledgement the reply to it; a frame of the session goes
 * as the event of its type, written as one Socket.IO packet (`2["messages",{…}]`) on the
 * connection's engine.io socket, so that a replay piece serialized once is not parsed again and its
 * write can be waited for. The live messages of a room do not come through here: they are
 * broadcast to the room by Socket.IO (rooms.ts).
 */
export class SocketIoChannel implements FrameChannel {
  private readonly engine: EngineSocket;

  constructor(readonly socket: Socket) {
    this.engine = socket.conn as unknown as EngineSocket;
  }

  /** Hands each event of the client to `session`, as the frame of its name, with its acknowledgement if it asked for one. */
  deliverTo(session: EventSession): void {
    this.socket.onAny((event: string, ...args: unknown[]) => {
      const last = args.at(-1);
      const ack = typeof last === 'function' ? (last as (answer: unknown) => void) : undefined;
      const payloads = ack ? args.slice(0, -1) : args;
      const [payload] = payloads;
      // One object: the frame, its type the event's name. Anything else is refused as the frame checks refuse a non-object.
      const frame = payloads.length === 1 && typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? { ...payload, type: event } : payloads;
      session.receiveParsed(frame, ack);
    });
  }

  /** Bytes waiting for the client: the engine's queue (a polling client's until its next request), and the WebSocket's buffer. */
  get bufferedAmount(): number {
    const { transport, writeBuffer } = this.engine;
    let bytes = transport.name === 'websocket' ? (transport.socket?.bufferedAmount ?? 0) : 0;
    for (const packet of writeBuffer) if (typeof packet.data === 'string') bytes += packet.data.length;
    return bytes;
  }

  send(text: string, written?: () => void): void {
    this.engine.write(`2["${eventOf(text)}",${text}]`, {}, written);
  }

  /** Says why (`chat_error` with the reason as its code), then disconnects: at once for a slow consumer, after what waits otherwise. */
  close(code: number, reason: string): void {
    this.socket.emit(SOCKETIO_EVENTS.error, { type: 'error', code: reason, message: reason === 'SLOW_CONSUMER' ? 'more than the buffer cap waited for this client; reconnect and resubscribe from your cursors' : 'the server is shutting down' });
    if (code === CLOSE.SLOW_CONSUMER) this.terminate();
    else this.socket.disconnect(true);
  }

  terminate(): void {
    const { transport } = this.engine;
    if (transport.name === 'websocket' && transport.socket) transport.socket.terminate();
    else this.engine.close(true);
  }

  onClosed(done: () => void): void {
    if (this.socket.disconnected) done();
    else this.socket.once('disconnect', () => done());
  }
}
