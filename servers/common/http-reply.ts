import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import { ChatError } from '../contract/index.ts';
import { endSoon } from './sockets.ts';

/** Sends a JSON answer on a plain `node:http` response. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes a contract error as a whole HTTP response straight on a socket, then ends the connection. */
function writeErrorAndEnd(socket: Duplex, error: ChatError): void {
  const body = JSON.stringify(error.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  endSoon(socket);
}

/**
 * Refuses an HTTP upgrade with a contract error body, then ends the connection; it is destroyed
 * after a short linger even if the client never closes its half.
 */
export function refuseUpgrade(socket: Duplex, error: ChatError): void {
  writeErrorAndEnd(socket, error);
}

/** The contract error for what Node's HTTP server refuses before a handler sees the request. */
export function clientErrorToChatError(error: Error & { code?: string; reason?: string }): ChatError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ChatError('REQUEST_TIMEOUT', 'the request did not arrive whole within the headers or request timeout');
    case 'HPE_HEADER_OVERFLOW':
      return new ChatError('HEADERS_TOO_LARGE', `the request line and headers are over ${maxHeaderSize} bytes`);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new ChatError('PAYLOAD_TOO_LARGE', 'the chunk extensions of the request body are over the limit');
    default:
      return new ChatError('BAD_REQUEST', `malformed HTTP request (${error.code ?? 'unknown'}: ${error.reason ?? error.message})`);
  }
}

/** What a connection owes its client. */
interface SocketState {
  /** Requests of this connection handed to the handlers and not answered yet. */
  readonly open: Set<IncomingMessage>;
  /** The parse error to answer once the requests that fully arrived before it are answered. */
  pending: ChatError | undefined;
  /** The connection has had its parse error; later ones are echoes of it. */
  failed: boolean;
}

/**
 * Answers what Node's HTTP parser refuses (a malformed request, a header flood, a request timeout)
 * with a contract error, in order. Requests pipelined on the same connection before the bad one
 * were parsed and handed to the handlers already; each gets its own answer first, then the error
 * is written and the connection ends. (Node's and fastify's defaults write the error at once,
 * ahead of the answers still queued, so a stored message was answered with the later 400.) A
 * request whose body never arrived whole is the one the error is about: it is not waited for.
 *
 * Attach `onRequest` to the server's 'request' event and `onClientError` to its 'clientError'.
 */
export function createClientErrorAnswer(): {
  onRequest: (request: IncomingMessage, response: ServerResponse) => void;
  onClientError: (error: Error, socket: Duplex) => void;
} {
  const states = new WeakMap<Duplex, SocketState>();
  const stateOf = (socket: Duplex): SocketState => {
    let state = states.get(socket);
    if (!state) states.set(socket, (state = { open: new Set(), pending: undefined, failed: false }));
    return state;
  };
  const flush = (socket: Duplex, state: SocketState): void => {
    if (state.pending === undefined || [...state.open].some((request) => request.complete)) return;
    const error = state.pending;
    state.pending = undefined;
    writeErrorAndEnd(socket, error);
  };
  return {
    onRequest(request, response) {
      const socket = request.socket;
      const state = stateOf(socket);
      state.open.add(request);
      response.once('close', () => {
        state.open.delete(request);
        flush(socket, state);
      });
    },
    onClientError(error, socket) {
      const code = (error as { code?: string }).code;
      const state = stateOf(socket);
      if (state.failed || socket.destroyed) return;
      state.failed = true;
      // A transport error (reset, broken pipe) has no one to answer.
      if (code !== 'ERR_HTTP_REQUEST_TIMEOUT' && !code?.startsWith('HPE_')) {
        socket.destroy();
        return;
      }
      state.pending = clientErrorToChatError(error);
      flush(socket, state);
    },
  };
}
