import type { ChatMessage, MessagesFrame } from '../contract/index.ts';
import type { Room } from '../common/room-log.ts';

/** What fan-out needs of a connection. */
export interface Subscriber {
  /** Sends a serialized frame; may close the connection (slow consumer) and unsubscribe it. */
  sendText(text: string): void;
  /** The room's cursors stopped holding (the Redis backplane lost its data): the subscription is over; restart from `cursor`. */
  expired(roomId: string, cursor: string): void;
}

interface RoomSubscribers<S> {
  readonly members: Set<S>;
  readonly stopListening: () => void;
}

/** How a room's new message reaches its members. */
export type Deliver<S> = (room: Room, members: ReadonlySet<S>, message: ChatMessage) => void;

/** What a carrier that keeps rooms of its own (Socket.IO) is told as a member joins or leaves a room. */
export interface Membership<S> {
  joined(roomId: string, member: S): void;
  left(roomId: string, member: S): void;
}

/** The default delivery: the frame serialized once, the same text handed to every member. */
function sendOnce(room: Room, members: ReadonlySet<Subscriber>, message: ChatMessage): void {
  const frame: MessagesFrame = { type: 'messages', room: message.room, messages: [message], cursor: room.cursorAt(message.seq) };
  const text = JSON.stringify(frame);
  for (const member of members) member.sendText(text);
}

/**
 * Room subscriptions of all connections. Each room has one listener on the room log, which hands
 * each new message to `deliver` with the room's members (by default: serialized once, the same
 * text to every subscriber); `membership`, when given, hears of each join and leave.
 */
export class Fanout<S extends Subscriber = Subscriber> {
  private readonly rooms = new Map<string, RoomSubscribers<S>>();
  private count = 0;

  constructor(
    private readonly deliver: Deliver<S> = sendOnce,
    private readonly membership?: Membership<S>,
  ) {}

  /** Subscriptions over all rooms. */
  get size(): number {
    return this.count;
  }

  add(room: Room, subscriber: S): void {
    let entry = this.rooms.get(room.id);
    if (!entry) {
      const members = new Set<S>();
      const stopListening = room.listen(
        (message: ChatMessage) => this.deliver(room, members, message),
        (cursor) => {
          if (this.rooms.get(room.id)?.members !== members) return;
          this.rooms.delete(room.id);
          this.count -= members.size;
          for (const member of members) {
            this.membership?.left(room.id, member);
            member.expired(room.id, cursor);
          }
        },
      );
      entry = { members, stopListening };
      this.rooms.set(room.id, entry);
    }
    if (!entry.members.has(subscriber)) {
      entry.members.add(subscriber);
      this.count++;
      this.membership?.joined(room.id, subscriber);
    }
  }

  remove(roomId: string, subscriber: S): void {
    const entry = this.rooms.get(roomId);
    if (!entry || !entry.members.delete(subscriber)) return;
    this.count--;
    this.membership?.left(roomId, subscriber);
    if (entry.members.size === 0) {
      entry.stopListening();
      this.rooms.delete(roomId);
    }
  }
}
