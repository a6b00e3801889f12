import type { Server } from 'socket.io';
import { SOCKETIO_EVENTS, type ChatMessage, type MessagesFrame } from '../contract/index.ts';
import type { Room } from '../common/room-log.ts';
import { CLOSE, type Connection, type Subscriptions } from '../websocket/connection.ts';
import type { SocketIoChannel } from './channel.ts';

type Session = Connection<SocketIoChannel>;

interface RoomMembers {
  readonly members: Set<Session>;
  readonly stopListening: () => void;
}

/**
 * A chat room's Socket.IO room. Socket.IO names each socket's own room by its id, so a chat room
 * gets a prefix: a client subscribing to another socket's id must not receive what is sent to it.
 */
export function socketIoRoom(room: string): string {
  return `room:${room}`;
}

/**
 * The caught-up subscriptions of every session, as Socket.IO applications keep them: each session
 * joins the chat room's Socket.IO room, and each new message of the room is broadcast to it with
 * `io.to(room).emit`, which serializes the packet once (and frames it once for WebSockets) for all
 * members. Before each broadcast a member with more than `maxBufferedBytes` waiting is cut as a slow
 * consumer, and past the server-wide budget the members with the most waiting are cut: Socket.IO
 * itself bounds nothing (engine.io's write queue grows without limit).
 */
export class SocketIoRooms implements Subscriptions<Session> {
  private readonly rooms = new Map<string, RoomMembers>();
  private count = 0;

  constructor(
    private readonly io: Server,
    private readonly maxBufferedBytes: number,
    private readonly onSlowConsumer: () => void,
    /** Before each broadcast, for every member it goes to: what waits for it (the server-wide budget). */
    private readonly noteWaiting?: (member: Session) => void,
  ) {}

  /** Subscriptions over all rooms. */
  get size(): number {
    return this.count;
  }

  add(room: Room, session: Session): void {
    let entry = this.rooms.get(room.id);
    if (!entry) {
      const members = new Set<Session>();
      const target = socketIoRoom(room.id);
      const stopListening = room.listen(
        (message: ChatMessage) => {
          for (const member of members) {
            if (member.bufferedAmount <= this.maxBufferedBytes) {
              this.noteWaiting?.(member);
              continue;
            }
            this.onSlowConsumer();
            member.close(CLOSE.SLOW_CONSUMER, 'SLOW_CONSUMER');
          }
          const frame: MessagesFrame = { type: 'messages', room: message.room, messages: [message], cursor: room.cursorAt(message.seq) };
          this.io.to(target).emit(SOCKETIO_EVENTS.messages, frame);
        },
        (cursor) => {
          if (this.rooms.get(room.id)?.members !== members) return;
          this.rooms.delete(room.id);
          this.count -= members.size;
          for (const member of members) {
            void member.channel.socket.leave(target);
            member.expired(room.id, cursor);
          }
        },
      );
      entry = { members, stopListening };
      this.rooms.set(room.id, entry);
    }
    if (!entry.members.has(session)) {
      entry.members.add(session);
      this.count++;
      void session.channel.socket.join(socketIoRoom(room.id));
    }
  }

  remove(roomId: string, session: Session): void {
    const entry = this.rooms.get(roomId);
    if (!entry || !entry.members.delete(session)) return;
    this.count--;
    void session.channel.socket.leave(socketIoRoom(roomId));
    if (entry.members.size === 0) {
      entry.stopListening();
      this.rooms.delete(roomId);
    }
  }
}
