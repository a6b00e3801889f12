import type { Server } from 'socket.io';
import { SOCKETIO_EVENTS, type MessagesFrame } from '../contract/index.ts';
import { CLOSE, type Connection } from '../websocket/connection.ts';
import { Fanout } from '../websocket/fanout.ts';
import type { SocketIoChannel } from './channel.ts';

type Session = Connection<SocketIoChannel>;

/**
 * A chat room's Socket.IO room. Socket.IO names each socket's own room by its id, so a chat room
 * gets a prefix: a client subscribing to another socket's id must not receive what is sent to it.
 */
export function socketIoRoom(room: string): string {
  return `room:${room}`;
}

/**
 * The caught-up subscriptions of every session, as Socket.IO applications keep them: the WebSocket
 * server's fan-out, but each session joins the chat room's Socket.IO room, and each new message
 * of the room is broadcast to it with `io.to(room).emit`, which serializes the packet once (and
 * frames it once for WebSockets) for all members. Before each broadcast a member with more than
 * `maxBufferedBytes` waiting is cut as a slow consumer, and the others are noted for the
 * server-wide budget (`noteWaiting`), past which the members with the most waiting are cut:
 * Socket.IO itself bounds nothing (engine.io's write queue grows without limit).
 * `broadcastOnStore` (option socketioAdapter): the room's new messages are broadcast by the
 * instance that stored them, through Socket.IO's Redis adapter; here the members are only policed.
 */
export function socketIoRooms(io: Server, maxBufferedBytes: number, onSlowConsumer: () => void, noteWaiting: (member: Session) => void, broadcastOnStore = false): Fanout<Session> {
  return new Fanout<Session>(
    (room, members, message) => {
      for (const member of members) {
        if (member.bufferedAmount <= maxBufferedBytes) {
          noteWaiting(member);
          continue;
        }
        onSlowConsumer();
        member.close(CLOSE.SLOW_CONSUMER, 'SLOW_CONSUMER');
      }
      // On Socket.IO's Redis adapter the instance that stored the message broadcast it (BroadcastOnStore).
      if (broadcastOnStore) return;
      const frame: MessagesFrame = { type: 'messages', room: message.room, messages: [message], cursor: room.cursorAt(message.seq) };
      io.to(socketIoRoom(room.id)).emit(SOCKETIO_EVENTS.messages, frame);
    },
    {
      joined: (roomId, member) => void member.channel.socket.join(socketIoRoom(roomId)),
      left: (roomId, member) => void member.channel.socket.leave(socketIoRoom(roomId)),
    },
  );
}
