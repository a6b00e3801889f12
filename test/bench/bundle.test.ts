import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleFailure, prepareEntry, preparedEntry } from '../../bench/run/bundle.ts';
import { serverEntry, spawnServer, type ServerProcess } from '../../bench/run/spawn-server.ts';

const GENERATOR_MAIN = fileURLToPath(new URL('../../bench/generator/main.ts', import.meta.url));

describe('the built entries of a trial\'s processes', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('builds an entry once per process into an ES module inside the package, named by its hash', async () => {
    const file = await prepareEntry(GENERATOR_MAIN);
    expect(file).toMatch(/node_modules\/\.cache\/chat-transport-bench\/generator-main-[0-9a-f]{16}\/main\.mjs$/);
    expect(existsSync(file as string)).toBe(true);
    expect(preparedEntry(GENERATOR_MAIN)).toBe(file);
    expect(await prepareEntry(GENERATOR_MAIN)).toBe(file);
  });

  it('starts a server from its build, loading only its own transport', async () => {
    const built = await prepareEntry(serverEntry('websocket'));
    expect(built).toBeDefined();
    server = await spawnServer('websocket');
    const command = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
    expect(command).toContain(built);
    expect(command.join(' ')).not.toContain('tsx');
    // werift and ws only in the files a transport's dynamic import loads: none of the files the
    // entry imports statically, followed file by file, imports them.
    const statically = staticClosure(built as string);
    expect(statically.length).toBeGreaterThan(1);
    for (const text of statically) expect(text).not.toMatch(/from ["'](werift|ws)["']/);
    expect(readdirSync(dirname(built as string)).some((f) => /from ["']werift["']/.test(readFileSync(join(dirname(built as string), f), 'utf8')))).toBe(true);
  });

  it('answers undefined for an entry it cannot build, and says why: the child then runs under tsx', async () => {
    const missing = fileURLToPath(new URL('../../bench/no-such-entry.ts', import.meta.url));
    expect(await prepareEntry(missing)).toBeUndefined();
    expect(preparedEntry(missing)).toBeUndefined();
    expect(bundleFailure()).toContain('no-such-entry.ts');
  });
});

/** The text of `file` and of every file it imports statically (`import ... from "./x.mjs"`), transitively. */
function staticClosure(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const local = [...text.matchAll(/^(?:import|export)\b[^;]*?from ["'](\.\/[^"']+)["']/gm)].map((m) => join(dirname(file), m[1] as string));
  return [text, ...local.flatMap((f) => staticClosure(f, seen))];
}
