export type { ChatServer, ServerStats } from './common/chat-server.ts';
export { RoomLog } from './common/room-log.ts';
export { createChatServer } from './transports.ts';
