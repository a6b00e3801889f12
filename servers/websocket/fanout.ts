import type { ChatMessage, MessagesFrame } from '../contract/index.ts';
import type { Room } from '../common/room-log.ts';

/** What fan-out needs of a connection. */
export interface Subscriber {
  /** Sends a serialized frame; may close the connection (slow consumer) and unsubscribe it. */
  sendText(text: string): void;
  /** The room's cursors stopped holding (the Redis backplane lost its data): the subscription is over; restart from `cursor`. */
  expired(roomId: string, cursor: string): void;
}

interface RoomSubscribers {
  readonly members: Set<Subscriber>;
  readonly stopListening: () => void;
}

/**
 * Room subscriptions of all connections. Each room has one listener on the room log, which
 * serializes a new message once and hands the same text to every subscriber.
 */
export class Fanout {
  private readonly rooms = new Map<string, RoomSubscribers>();
  private count = 0;

  /** Subscriptions over all rooms. */
  get size(): number {
    return this.count;
  }

  add(room: Room, subscriber: Subscriber): void {
    let entry = this.rooms.get(room.id);
    if (!entry) {
      const members = new Set<Subscriber>();
      const stopListening = room.listen(
        (message: ChatMessage) => {
          const frame: MessagesFrame = { type: 'messages', room: message.room, messages: [message], cursor: room.cursorAt(message.seq) };
          const text = JSON.stringify(frame);
          for (const member of members) member.sendText(text);
        },
        (cursor) => {
          if (this.rooms.get(room.id)?.members !== members) return;
          this.rooms.delete(room.id);
          this.count -= members.size;
          for (const member of members) member.expired(room.id, cursor);
        },
      );
      entry = { members, stopListening };
      this.rooms.set(room.id, entry);
    }
    if (!entry.members.has(subscriber)) {
      entry.members.add(subscriber);
      this.count++;
    }
  }

  remove(roomId: string, subscriber: Subscriber): void {
    const entry = this.rooms.get(roomId);
    if (!entry || !entry.members.delete(subscriber)) return;
    this.count--;
    if (entry.members.size === 0) {
      entry.stopListening();
      this.rooms.delete(roomId);
    }
  }
}
