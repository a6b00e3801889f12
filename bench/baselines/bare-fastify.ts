import Fastify from 'fastify';
import { HEALTH_PATH, MESSAGES_ROUTE, SERVER_OPTIONS } from '../../servers/contract/index.ts';
import { checkOption } from '../../servers/common/command-line/index.ts';

/**
 * The "bare fastify route" baseline (bench/METHOD.md, "Baselines and anchors"): the smallest fastify app
 * that answers the polling routes with the same shapes as the chat servers and no logic, so that
 * the chat servers' own cost shows as a ratio to it. It shares the chat app's fastify options
 * where they affect speed (no logger, the same keep-alive timeout) and nothing else: no room log,
 * no validation, fastify's own JSON body parser.
 */

/** A server that listens on demand and closes once every connection is gone. */
export interface BaselineServer {
  /** Listens; resolves to the base URL, `http://host:port`. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface BareFastifyOptions {
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
}

/** A constant with the length of a real cursor (`epoch.roomTag.seq`), so bytes on the wire compare. */
const CURSOR = 'AAAAAAAA.bare000.1';
const POLL_ANSWER = { messages: [], cursor: CURSOR } as const;
const POST_ANSWER = { seq: 1, cursor: CURSOR } as const;
const HEALTH_ANSWER = { status: 'ok', transport: 'bare-fastify' } as const;

/** Builds (does not listen) the bare fastify baseline server. */
export function createBareFastifyServer(options: BareFastifyOptions = {}): BaselineServer {
  const host = options.host ?? SERVER_OPTIONS.host.default;
  const port = options.port ?? SERVER_OPTIONS.port.default;
  checkOption('host', SERVER_OPTIONS.host, host);
  checkOption('port', SERVER_OPTIONS.port, port);

  const app = Fastify({ logger: false, keepAliveTimeout: SERVER_OPTIONS.keepAliveTimeoutMs.default });
  app.get(HEALTH_PATH, () => HEALTH_ANSWER);
  app.get(MESSAGES_ROUTE, () => POLL_ANSWER);
  app.post(MESSAGES_ROUTE, (_request, reply) => {
    void reply.code(201);
    return POST_ANSWER;
  });

  let closed: Promise<void> | undefined;
  return {
    async listen() {
      await app.listen({ host, port });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('server is not listening on a TCP port');
      return host.includes(':') ? `http://[${host}]:${address.port}` : `http://${host}:${address.port}`;
    },
    close() {
      closed ??= app.close();
      return closed;
    },
  };
}
