import { isLoopback } from './command-line/loopback.ts';
import { ChatError, type ServerOptions } from '../contract/index.ts';

/**
 * The `Host` check against DNS rebinding: a page on the internet can make a browser's requests
 * reach a server on this machine by pointing its own name at 127.0.0.1, but the browser still
 * sends that name as `Host`. A server bound to loopback answers only loopback names (localhost,
 * 127.x.x.x, [::1]) and those of option allowedHosts, as dev servers such as Vite do; bound to any
 * other address it was meant to be reached by other names, and checks none unless the list is given.
 */

/** `host` in the URL form `isLoopback` takes: an IPv6 address in brackets. */
function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The name of a `Host` header (or HTTP/2 `:authority`), lowercased, without its port or a final dot. */
export function hostName(header: string): string {
  const lower = header.trim().toLowerCase();
  const name = lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : (lower.split(':', 1)[0] ?? '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Whether `name` is one of `allowed`: equal, or under an entry that starts with a dot (`.example.com`). */
function listed(name: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith('.') ? name === e.slice(1) || name.endsWith(e) : name === e;
  });
}

/**
 * The check for a server's options: `undefined` when there is none to make (bound beyond loopback
 * without option allowedHosts); otherwise a function of the request's `Host` that returns the
 * `FORBIDDEN` error to refuse it with, or `undefined`. A request without `Host` (HTTP/1.0) is let
 * through: a browser always sends one.
 */
export function hostCheck(options: Pick<ServerOptions, 'host' | 'allowedHosts'>): ((header: string | undefined) => ChatError | undefined) | undefined {
  const loopbackBound = isLoopback(bracketed(options.host));
  if (!loopbackBound && options.allowedHosts.length === 0) return undefined;
  return (header) => {
    if (header === undefined) return undefined;
    const name = hostName(header);
    if (isLoopback(name) || name.endsWith('.localhost') || listed(name, options.allowedHosts)) return undefined;
    return new ChatError(
      'FORBIDDEN',
      `Host ${JSON.stringify(header)} is not allowed: this server answers ${loopbackBound ? 'loopback names (localhost, 127.x.x.x, [::1]) and ' : ''}the names of option allowedHosts only, against DNS rebinding; add the name to option allowedHosts`,
    );
  };
}
