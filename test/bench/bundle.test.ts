import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_KEEP_MS, BUNDLE_WARNING, bundleFailure, prepareEntry, preparedEntry, pruneBuilds } from '../../bench/run/bundle.ts';
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

  it('answers undefined for an entry it cannot build, and says why on stderr: the child then runs under tsx', async () => {
    const missing = fileURLToPath(new URL('../../bench/no-such-entry.ts', import.meta.url));
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      expect(await prepareEntry(missing)).toBeUndefined();
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(preparedEntry(missing)).toBeUndefined();
    expect(bundleFailure()).toContain('no-such-entry.ts');
    const warning = warnings.find((w) => (w as Error & { code?: string }).code === BUNDLE_WARNING);
    expect(warning?.message).toMatch(/could not build bench\/no-such-entry\.ts .*start under tsx/);
  });

  it('removes the builds no run used for a week, and keeps the others and what is not a build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-prune-'));
    try {
      const old = (Date.now() - BUNDLE_KEEP_MS - 60_000) / 1000;
      const make = (name: string, ageS?: number): void => {
        mkdirSync(join(dir, name));
        writeFileSync(join(dir, name, 'main.mjs'), '');
        if (ageS !== undefined) utimesSync(join(dir, name), ageS, ageS);
      };
      make('servers-main-0123456789abcdef', old);
      make('generator-main-fedcba9876543210.4242.tmp', old);
      make('generator-main-00112233445566aa');
      make('notes', old);
      expect((await pruneBuilds(dir, Date.now() - BUNDLE_KEEP_MS)).sort()).toEqual(['generator-main-fedcba9876543210.4242.tmp', 'servers-main-0123456789abcdef']);
      expect(readdirSync(dir).sort()).toEqual(['generator-main-00112233445566aa', 'notes']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
