import type { FastifyInstance } from 'fastify';
import type { ServerOptions, Transport } from '../contract/index.ts';
import { baseUrl, countConnections, type ChatServer, type ServerStats } from './chat-server.ts';
import type { Backplane } from '../backplane/index.ts';
import { closeWithin, trackSockets } from './sockets.ts';

/** Wraps a built fastify app as a `ChatServer`. */
export function fastifyChatServer(
  transport: Transport,
  options: ServerOptions,
  backplane: Backplane,
  app: FastifyInstance,
  stats: () => Omit<ServerStats, 'transport' | 'rooms' | 'listeners' | 'connections'>,
): ChatServer {
  let closed: Promise<void> | undefined;
  const connections = countConnections(app.server);
  const sockets = trackSockets(app.server);
  return {
    transport,
    options,
    backplane,
    get log() {
      return backplane.log;
    },
    async listen() {
      // With Redis, the first contact is made (or has failed: then /healthz says so) before serving.
      await backplane.ready();
      await app.listen({ port: options.port, host: options.host });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('server is not listening on a TCP port');
      return baseUrl(options.host, address.port);
    },
    /** Answers held polls at once; a connection still open after `shutdownGraceMs` is cut. */
    close() {
      closed ??= closeWithin(app.close(), options.shutdownGraceMs, sockets).finally(() => backplane.close());
      return closed;
    },
    stats() {
      return { transport, rooms: backplane.log.size, listeners: backplane.log.listenerCount(), connections: connections(), ...stats() };
    },
  };
}
