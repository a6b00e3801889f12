/**
 * Before a `--target` run: each server is asked what it is. The contract's `GET /healthz` answers
 * `{ "status": "ok", "transport" }`; a server whose transport is not the one `--transports` names
 * for its URL would be measured, and reported, as something it is not, so the run is refused
 * before any trial, naming both.
 */
import { TRANSPORTS } from '../../servers/contract/index.ts';

/** How long a server gets to answer `GET /healthz` before it is called unreachable. */
export const HEALTHZ_TIMEOUT_MS = 5000;

/**
 * Why the run cannot go on, in a sentence that names the URL, what its `/healthz` said and what
 * to do; `undefined` when every server named the transport `--transports` gives it.
 */
export async function checkTargetTransports(urls: Readonly<Partial<Record<string, string>>>, token = ''): Promise<string | undefined> {
  for (const [transport, url] of Object.entries(urls)) {
    if (url === undefined || !(TRANSPORTS as readonly string[]).includes(transport)) continue;
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${url}/healthz`, {
        headers: token === '' ? {} : { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(HEALTHZ_TIMEOUT_MS),
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      return `--target ${url}: GET /healthz failed (${why}); start the server first, or check the URL`;
    }
    if (status === 401) return `--target ${url}: GET /healthz answered 401: the server requires a token; give it with --token`;
    let named: unknown;
    try {
      named = (JSON.parse(text) as { transport?: unknown }).transport;
    } catch {
      named = undefined;
    }
    const said = `${status} ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
    if (typeof named !== 'string') {
      return `--target ${url}: its GET /healthz names no transport (it answered ${said}); a chat server of the contract answers 200 { "status": "ok", "transport": "${transport}" }`;
    }
    if (named !== transport) {
      return (
        `--target ${url} serves ${named}, by its GET /healthz, not ${transport} as --transports says; nothing was run. ` +
        `Give --transports ${named} for this URL (in the same order as --target), or point --target at a ${transport} server`
      );
    }
  }
  return undefined;
}
