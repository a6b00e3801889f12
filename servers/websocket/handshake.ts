import type { IncomingMessage } from 'node:http';
import { ChatError, WS_PATH, WS_TOKEN_PARAM, type ServerOptions } from '../contract/index.ts';
import { tokenMatches } from '../common/token.ts';
import { originRefusal } from '../common/cors.ts';

/**
 * Checks an upgrade request before the WebSocket handshake: the path, the token and the Origin.
 * Returns the contract error to refuse it with, or `undefined` to accept.
 */
export function checkHandshake(request: IncomingMessage, options: ServerOptions): ChatError | undefined {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname !== WS_PATH) {
    return new ChatError('NOT_FOUND', `no WebSocket endpoint at ${url.pathname}; connect to ${WS_PATH}`);
  }
  if (options.token !== '' && !tokenMatches(options.token, url.searchParams.get(WS_TOKEN_PARAM) ?? undefined)) {
    return new ChatError('UNAUTHORIZED', `this server requires a token: connect to ${WS_PATH}?${WS_TOKEN_PARAM}=<token>`);
  }
  // A request without Origin does not come from a browser page, which is what the list guards against.
  return originRefusal(options.allowedOrigins, request.headers.origin);
}
