import { fileURLToPath } from 'node:url';

/**
 * The contract's clients for a browser page (`clients.js`, plain JavaScript, loaded as it is): the
 * file to serve. The page loads Socket.IO's browser bundle before it for the `socketio` client.
 */
export const BROWSER_CLIENTS = fileURLToPath(new URL('./clients.js', import.meta.url));
