/**
 * The conformance suite's own strength: `npm run conformance`, in its own process, against servers
 * broken on purpose in one small place each (test/helpers/broken-servers.ts). Each must be
 * rejected, exit 1, with a `BROKEN:` line of the part that covers the bug saying what the server
 * did. Each run is limited to that part, so that a bug that makes every check wait does not make
 * this file slow; test/servers/conformance-cli.test.ts runs the whole suite against two of them.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../servers/contract/conformance/options.ts';
import { PROMISES } from '../../servers/contract/conformance/promises.ts';
import { PART_VARIABLE } from '../../servers/contract/conformance/run.ts';
import { BROKEN_HISTORY_SIZE, BROKEN_SERVERS, type BrokenServer } from '../helpers/broken-servers.ts';

const CLI = new URL('../../servers/contract/conformance/cli.ts', import.meta.url).pathname;
/**
 * A run starts tsx and vitest and checks one part: seconds. A bug that withholds a message makes a
 * check wait for its bound (20 s) first. This only ends a hang.
 */
const RUN_BOUND_MS = 120_000;

/** Runs the command against a broken server, limited to the part that must report it. */
async function conformance(broken: BrokenServer, url: string): Promise<{ code: number | null; out: string }> {
  // The command starts vitest itself: this test's own vitest variables must not reach it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_ENV'));
  const args = ['--url', url, '--transport', broken.transport, '--history-size', String(BROKEN_HISTORY_SIZE), ...(broken.token === undefined ? [] : ['--token', broken.token])];
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, [PART_VARIABLE]: broken.part } });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
}

describe('the conformance suite rejects a server broken on purpose', () => {
  it.each(BROKEN_SERVERS.map((b) => [b.name, b] as const))(
    '%s',
    async (_name, broken) => {
      const url = await broken.start();
      const run = await conformance(broken, url);
      const lines = run.out.split('\n').filter((line) => line.startsWith(`BROKEN: ${broken.part} — `));
      const details = lines.map((line) => line.slice(`BROKEN: ${broken.part} — `.length));
      expect(details.some((d) => broken.says.test(d)), `${broken.bug}: the suite should say ${String(broken.says)} under "${broken.part}"; it printed:\n${run.out}`).toBe(true);
      expect(run.code, run.out).toBe(EXIT.BROKEN);
    },
    RUN_BOUND_MS,
  );
});

describe('the catalogue of broken servers', () => {
  it('breaks every numbered promise and each error part of the suite at least once', () => {
    const covered = new Set(BROKEN_SERVERS.map((b) => b.part));
    const numbered = Object.values(PROMISES).filter((p) => /^\d\. /.test(p));
    for (const part of [...numbered, PROMISES.httpErrors, PROMISES.wsErrors, PROMISES.httpRoutes]) expect(covered, part).toContain(part);
  });

  it('names each broken server once', () => {
    const names = BROKEN_SERVERS.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
