/** What the conformance suite checks and what it cannot: shared by the suite and the command that prints it. */

/** Names of the parts of the suite, as the output shows them. */
export const PROMISES = {
  order: '1. One order',
  noLoss: '2. No loss while the cursor is valid',
  noSilentGap: '3. Never a silent gap',
  stored: '4. Acknowledged means stored',
  retries: '5. Retries are safe',
  everyone: '6. Everyone gets everything',
  httpRoutes: 'HTTP routes',
  httpErrors: 'HTTP errors',
  wsFrames: 'WebSocket frames',
  wsErrors: 'WebSocket errors',
  sseEvents: 'SSE events',
  socketioEvents: 'Socket.IO events',
} as const;

/** What the suite cannot check from outside, and why; printed by `npm run conformance`. */
export const NOT_CHECKED = [
  'shutdown (SHUTTING_DOWN: held polls answered, sockets closed with 1001, SSE streams and Socket.IO clients sent a chat_error event) needs the server stopped',
  'slow consumers (close 4008 or an ended stream past maxBufferedBytes) and the heartbeat need a client that stalls for a server-set time',
  'cursors of another server run need the server restarted',
  'the Origin allow-list and the frame limit (close 1009) depend on options the runner cannot see',
] as const;
