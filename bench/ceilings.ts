/**
 * The requests-per-second ceilings of the polling routes against the bare fastify route, each
 * server in its own process, autocannon in this one.
 */
import { measureCeiling, type CeilingOptions } from './ceiling.ts';
import type { CeilingResult } from './results.ts';
import { spawnServer, type ServerTarget } from './spawn-server.ts';

let postCounter = 0;
function postBody(): string {
  postCounter++;
  return JSON.stringify({ id: `c${postCounter}`, from: 'autocannon', body: 'x'.repeat(64) });
}

/** Route ceilings: bare fastify GET and POST, then the short-polling chat server's. */
export async function runCeilings(options: CeilingOptions & { readonly onTarget?: (target: string) => void }): Promise<CeilingResult[]> {
  const out: CeilingResult[] = [];
  const servers: [ServerTarget, string][] = [
    ['bare-fastify', 'bare fastify'],
    ['short-polling', 'short-polling'],
  ];
  for (const [kind, label] of servers) {
    const server = await spawnServer(kind);
    try {
      const head = (await (await fetch(`${server.url}/rooms/ceiling/messages`)).json()) as { cursor: string };
      const get = `${label} GET (empty poll)`;
      options.onTarget?.(get);
      out.push(await measureCeiling({ target: get, method: 'GET', url: `${server.url}/rooms/ceiling/messages?cursor=${encodeURIComponent(head.cursor)}` }, options));
      if (options.signal?.aborted) break;
      const post = `${label} POST`;
      options.onTarget?.(post);
      out.push(await measureCeiling({ target: post, method: 'POST', url: `${server.url}/rooms/posts/messages`, body: postBody }, options));
    } finally {
      await server.stop();
    }
    if (options.signal?.aborted) break;
  }
  return withRatios(out);
}

/** Each chat route's requests per second over the bare route's of the same method. */
export function withRatios(results: readonly CeilingResult[]): CeilingResult[] {
  const bare = (method: string): CeilingResult | undefined => results.find((r) => r.target.startsWith('bare fastify') && r.method === method);
  return results.map((r) => {
    const base = bare(r.method);
    if (!base || r === base || base.requestsPerSecond.mean <= 0) return r;
    return { ...r, ratioToBare: r.requestsPerSecond.mean / base.requestsPerSecond.mean };
  });
}
