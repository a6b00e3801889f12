/**
 * The conformance suite's own strength: the suite, run in a process of its own, against servers
 * broken on purpose in one small place each (test/helpers/broken-servers.ts). Each must be found
 * broken in the part of the suite that covers its bug, saying what the server did. Every server is
 * checked in one vitest run (test/helpers/broken-batch.ts), each limited to its part, so that a bug
 * that makes every check wait does not make this file slow, and vitest starts once rather than
 * once per server; test/servers/conformance-cli.test.ts runs the command itself, the whole suite
 * and its exit codes, against two of them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROMISES } from '../../servers/contract/conformance/promises.ts';
import { BROKEN_SERVERS } from '../helpers/broken-servers.ts';
import type { BatchResult, BatchTarget } from '../helpers/broken-batch.ts';

const BATCH = new URL('../helpers/broken-batch.ts', import.meta.url).pathname;
/**
 * The batch starts tsx and vitest once and checks one part per server: seconds each. A bug that
 * withholds a message makes a check wait for its bound (20 s) first. This only ends a hang.
 */
const RUN_BOUND_MS = 240_000;

/** Runs the suite against every target in one process of its own. */
async function batch(targets: readonly BatchTarget[]): Promise<BatchResult> {
  // The batch starts vitest itself: this test's own vitest variables must not reach it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_ENV'));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', BATCH, JSON.stringify(targets)], { env, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as BatchResult;
}

describe('the conformance suite rejects a server broken on purpose', () => {
  it(
    `finds each of the ${BROKEN_SERVERS.length} broken servers broken in the part that covers its bug, saying what it did`,
    async () => {
      const targets: BatchTarget[] = [];
      for (const broken of BROKEN_SERVERS) {
        targets.push({ name: broken.name, transport: broken.transport, url: await broken.start(), part: broken.part, ...(broken.token === undefined ? {} : { token: broken.token }) });
      }
      const result = await batch(targets);
      expect(result.errors, 'errors outside any check').toEqual([]);
      for (const broken of BROKEN_SERVERS) {
        const found = result.broken[broken.name] ?? [];
        expect.soft(found.some((line) => broken.says.test(line)), `${broken.name}: ${broken.bug}: the suite should say ${String(broken.says)} under "${broken.part}"; it found:\n${found.join('\n') || '(nothing broken)'}`).toBe(true);
      }
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
