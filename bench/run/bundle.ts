import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The entries of the processes a trial starts (a server, a generator), each built once per run into
 * plain JavaScript, so that a child starts as `node file.mjs` instead of under tsx's
 * loader, which transforms and resolves every module on each start. Measured on this 2-core
 * machine: a short-polling server listened 1.1–1.5 s after its spawn under tsx and 0.7–1.0 s from
 * its bundle; a trial starts two such processes, so the run pays this once per trial.
 *
 * The packages stay outside the bundle (`packages: 'external'`): they are plain JavaScript already,
 * and are found from the bundle's folder, inside this package's node_modules. The folder's name is
 * the hash of its files, so runs share a build that did not change, never read a stale one, and two
 * harnesses writing at once write the same bytes (each in its own folder, renamed into place).
 *
 * Where the build cannot be made (no esbuild, a read-only install), the child runs under tsx as
 * before: the same code, a slower start, and the run says so once (a process warning on stderr).
 *
 * Each build's folder is touched when a run uses it; a folder no run used for
 * {@link BUNDLE_KEEP_MS} is removed. Not sooner: the base and the change of a paired job build in
 * the same cache and run in turn, and a folder removed while one side's server runs from it would
 * take the chunks it has not loaded yet.
 */
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE_DIR = join(PACKAGE_ROOT, 'node_modules', '.cache', 'chat-transport-bench');

/** How long a build no run used is kept. */
export const BUNDLE_KEEP_MS = 7 * 24 * 3600_000;

const built = new Map<string, Promise<string | undefined>>();
const ready = new Map<string, string>();

/** Why the last build failed, for a test; undefined when none did. */
let lastFailure: string | undefined;

/**
 * Builds `entry` (an absolute path of a .ts file) into plain JavaScript, once per process; resolves
 * to its path, or to undefined when it cannot be built (the child then runs under tsx).
 */
export function prepareEntry(entry: string): Promise<string | undefined> {
  let promise = built.get(entry);
  if (!promise) {
    promise = buildEntry(entry).then(
      (file) => {
        ready.set(entry, file);
        return file;
      },
      (error: unknown) => {
        lastFailure = `${entry}: ${(error as Error).message}`;
        process.emitWarning(`could not build ${relative(PACKAGE_ROOT, entry)} into plain JavaScript (${(error as Error).message.split('\n')[0]}): its processes start under tsx, the same code with a slower start`, { code: BUNDLE_WARNING });
        return undefined;
      },
    );
    built.set(entry, promise);
  }
  return promise;
}

/** The built file of `entry` if `prepareEntry` made it, for a synchronous start. */
export function preparedEntry(entry: string): string | undefined {
  return ready.get(entry);
}

/** The code of the warning a failed build emits. */
export const BUNDLE_WARNING = 'CHAT_BENCH_BUNDLE';

/** Why the last build failed (its children then started under tsx), if one did. */
export function bundleFailure(): string | undefined {
  return lastFailure;
}

async function buildEntry(entry: string): Promise<string> {
  const name = entry.replace(/^.*[\\/]([^\\/]+)[\\/]([^\\/]+)\.ts$/, '$1-$2');
  // Loaded here rather than with the module: a run that starts no process (--help, --list) never pays for it.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { main: entry },
    bundle: true,
    // Each lazily imported module (servers/transports.ts loads one transport) in a file of its
    // own, so that the libraries only it imports are loaded only with it.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // ES modules by their name: under node_modules no package.json says "type": "module".
    outExtension: { '.js': '.mjs' },
    outdir: join(BUNDLE_DIR, name),
    write: false,
    logLevel: 'silent',
  });
  const hash = createHash('sha256');
  for (const out of result.outputFiles) hash.update(out.path).update(out.contents);
  const folder = join(BUNDLE_DIR, `${name}-${hash.digest('hex').slice(0, 16)}`);
  const main = join(folder, 'main.mjs');
  if (existsSync(main)) {
    await used(folder);
    return main;
  }
  // Written aside and renamed into place whole: a harness never starts a half-written build.
  const temporary = `${folder}.${process.pid}.tmp`;
  await rm(temporary, { recursive: true, force: true });
  for (const out of result.outputFiles) {
    const file = join(temporary, relative(join(BUNDLE_DIR, name), out.path));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, out.contents);
  }
  try {
    await rename(temporary, folder);
  } catch (error) {
    // Another harness renamed the same build into place first.
    if (!existsSync(main)) throw error;
    await rm(temporary, { recursive: true, force: true });
  }
  await used(folder);
  return main;
}

/** Marks `folder` as used now, and removes the builds no run used for {@link BUNDLE_KEEP_MS} (best effort). */
async function used(folder: string): Promise<void> {
  const now = new Date();
  await utimes(folder, now, now).catch(() => undefined);
  await pruneBuilds(BUNDLE_DIR, now.getTime() - BUNDLE_KEEP_MS);
}

/** Removes every build folder in `dir` last used before `before` (ms since the epoch); resolves with the names removed. */
export async function pruneBuilds(dir: string, before: number): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    // A build's folder, or one a harness is still writing (`.tmp`, left by a killed one when old).
    if (!/-[0-9a-f]{16}(\.\d+\.tmp)?$/.test(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory() || info.mtimeMs >= before) continue;
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
