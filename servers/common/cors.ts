import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChatError } from '../contract/index.ts';

/** What a preflight is answered with: the methods and request headers of the contract's routes. */
export const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'authorization, content-type, last-event-id',
  'access-control-max-age': '600',
} as const;

/** The refusal of a page's request or handshake whose Origin `allowedOrigins` (when it lists any) does not name. */
export function originRefusal(allowedOrigins: readonly string[], origin: string | undefined): ChatError | undefined {
  if (origin === undefined || allowedOrigins.length === 0 || allowedOrigins.includes(origin)) return undefined;
  return new ChatError('FORBIDDEN', `Origin ${JSON.stringify(origin)} is not allowed (option allowedOrigins lists the pages' origins that may use this server)`);
}

/**
 * The cross-origin answer to a request, by the server's `allowedOrigins`: with none listed, no
 * CORS headers (a browser lets pages of the server's own origin alone read its answers); with some,
 * a request from a listed Origin gets `Access-Control-Allow-Origin` with it, one from another is
 * refused `403 FORBIDDEN`, and every answer says `Vary: Origin`. A request without Origin is not a
 * page's cross-origin request, and is let through. `preflight` is true for an `OPTIONS` request
 * of an allowed page, which is answered 204 with `PREFLIGHT_HEADERS` and goes no further.
 */
export function crossOrigin(allowedOrigins: readonly string[], origin: string | undefined, method: string | undefined): { readonly refuse: ChatError } | { readonly headers: Readonly<Record<string, string>>; readonly preflight: boolean } | undefined {
  if (allowedOrigins.length === 0) return undefined;
  if (origin === undefined) return { headers: { vary: 'Origin' }, preflight: false };
  const refuse = originRefusal(allowedOrigins, origin);
  if (refuse) return { refuse };
  const preflight = method === 'OPTIONS';
  return { headers: { vary: 'Origin', 'access-control-allow-origin': origin, ...(preflight ? PREFLIGHT_HEADERS : {}) }, preflight };
}

/**
 * `crossOrigin` on a plain `node:http` request (the WebSocket and Socket.IO servers): the refusal
 * to answer, `'answered'` for a preflight it answered 204, or undefined to go on (its CORS headers
 * set on the response).
 */
export function applyCrossOrigin(allowedOrigins: readonly string[], request: IncomingMessage, response: ServerResponse): ChatError | 'answered' | undefined {
  const cors = crossOrigin(allowedOrigins, request.headers.origin, request.method);
  if (!cors) return undefined;
  if ('refuse' in cors) return cors.refuse;
  for (const [name, value] of Object.entries(cors.headers)) response.setHeader(name, value);
  if (!cors.preflight) return undefined;
  response.writeHead(204).end();
  return 'answered';
}
