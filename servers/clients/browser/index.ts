import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRANSPORTS, type Transport } from '../../contract/index.ts';

const CLIENTS_PATH = join('servers', 'clients', 'browser', 'clients.js');

/**
 * The contract's clients for a browser page (`clients.js`, plain JavaScript, loaded as it is): the
 * file to serve. The page loads Socket.IO's browser bundle before it for the `socketio` client.
 * Found from the package's root, the first folder up that holds it: this module also runs from a
 * generator's build under node_modules/.cache (bench/run/bundle.ts), beside no clients.js.
 */
export function browserClientsFile(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, CLIENTS_PATH);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`cannot find ${CLIENTS_PATH} above ${fileURLToPath(import.meta.url)}`);
  }
}

/** Socket.IO's own browser bundle (the global `io`), from the installed socket.io-client, which a page loads before `clients.js`. */
export function socketIoBundleFile(): string {
  return join(dirname(createRequire(import.meta.url).resolve('socket.io-client/package.json')), 'dist', 'socket.io.min.js');
}

/** The transports `clients.js` has a client of (its `BROWSER_TRANSPORTS`; a test holds them equal): every one. */
export const BROWSER_CLIENT_TRANSPORTS: readonly Transport[] = TRANSPORTS;

export type BrowserTransport = Exclude<Transport, 'webrtc'>;

/** The transports a page runs on the machine's own network (the demo, the bench's plain steps): every one but WebRTC ({@link NO_BROWSER_WEBRTC}). */
export const BROWSER_TRANSPORTS: readonly BrowserTransport[] = TRANSPORTS.filter((t): t is BrowserTransport => t !== 'webrtc');

/** Why a page's WebRTC runs only in a network namespace of the bench's own. */
export const NO_BROWSER_WEBRTC =
  "Chromium offers a WebRTC candidate on the interface of its default route, on this machine a real one, and this project's load goes to loopback and 198.18.0.0/15 only, so its WebRTC browser members run only where that route is the bench's: in a step with a network namespace of its own (--loss, even 0; as root)";
