/**
 * The base's tree for a paired job: a git worktree of the reference, checked out once per commit
 * and kept for the next job, with its dependencies installed once per lockfile and kept too. When
 * the base's lockfile is the change's, the base uses the change's node_modules; otherwise an
 * install made from the base's lockfile, kept under the lockfile's hash.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, readlink, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Runs a program to the end and returns its stdout; rejects, with its stderr in the message, when it fails. */
export type Exec = (file: string, args: readonly string[], options: { readonly cwd: string }) => Promise<string>;

export interface BaseTree {
  /** The commit the reference names, in full. */
  readonly commit: string;
  /** The worktree's folder, with node_modules in place. */
  readonly root: string;
  /** Whether the worktree was made now or kept from an earlier job. */
  readonly checkout: 'made' | 'kept';
  /** Where its dependencies come from: the change's own, an install kept from an earlier job, or one made now. */
  readonly install: 'shared' | 'kept' | 'made';
}

export interface BaseTreeOptions {
  /** The change's tree: a git checkout with package-lock.json and node_modules. */
  readonly repoRoot: string;
  /** Any git revision: a branch, a tag, a commit, `origin/main`, `HEAD~1`. */
  readonly ref: string;
  /** Where worktrees and installs are kept between jobs. */
  readonly cacheDir: string;
  readonly exec: Exec;
  /** Called before something slow starts (a checkout, an install). */
  readonly onStep?: (detail: string) => void;
}

/** The lockfile's hash: the key under which an install is kept. */
export function lockfileHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The reference as a full commit; the error names the reference. */
export async function resolveCommit(repoRoot: string, ref: string, exec: Exec): Promise<string> {
  try {
    return (await exec('git', ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`], { cwd: repoRoot })).trim();
  } catch {
    throw new Error(`--against ${JSON.stringify(ref)} is not a commit of this repository (git rev-parse found none; fetch it first, e.g. git fetch origin ${ref})`);
  }
}

/** Points `link` at `target`, replacing whatever link was there. */
async function linkTo(link: string, target: string): Promise<void> {
  try {
    const stat = await lstat(link);
    if (stat.isSymbolicLink() && (await readlink(link)) === target) return;
    await rm(link, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await symlink(target, link, 'dir');
}

/** Checks out (or keeps) the base's worktree and puts its dependencies in place. */
export async function prepareBaseTree(options: BaseTreeOptions): Promise<BaseTree> {
  const { repoRoot, ref, cacheDir, exec } = options;
  const commit = await resolveCommit(repoRoot, ref, exec);
  const root = join(cacheDir, 'worktrees', commit.slice(0, 12));
  let checkout: BaseTree['checkout'] = 'kept';
  const head = existsSync(join(root, '.git')) ? await exec('git', ['rev-parse', 'HEAD'], { cwd: root }).catch(() => '') : '';
  if (head.trim() !== commit) {
    options.onStep?.(`checking out ${ref} (${commit.slice(0, 7)}) in ${root}`);
    await rm(root, { recursive: true, force: true });
    // A worktree whose folder was deleted is still registered until pruned.
    await exec('git', ['worktree', 'prune'], { cwd: repoRoot });
    await mkdir(join(cacheDir, 'worktrees'), { recursive: true });
    await exec('git', ['worktree', 'add', '--detach', '--force', root, commit], { cwd: repoRoot });
    checkout = 'made';
  }
  const lock = await readFile(join(root, 'package-lock.json'), 'utf8');
  const own = await readFile(join(repoRoot, 'package-lock.json'), 'utf8');
  if (lock === own) {
    await linkTo(join(root, 'node_modules'), await realpath(join(repoRoot, 'node_modules')));
    return { commit, root, checkout, install: 'shared' };
  }
  const installDir = join(cacheDir, 'installs', lockfileHash(lock));
  const done = join(installDir, '.installed');
  let install: BaseTree['install'] = 'kept';
  if (!existsSync(done)) {
    options.onStep?.(`installing the base's dependencies (its lockfile differs from this tree's) in ${installDir}`);
    // Installed beside its final place and moved there whole, so that an install cut short is never used.
    const partial = `${installDir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await copyFile(join(root, 'package.json'), join(partial, 'package.json'));
    await copyFile(join(root, 'package-lock.json'), join(partial, 'package-lock.json'));
    await exec('npm', ['ci', '--no-audit', '--no-fund'], { cwd: partial });
    await writeFile(join(partial, '.installed'), `${new Date().toISOString()}\n`);
    await rm(installDir, { recursive: true, force: true });
    await rename(partial, installDir);
    install = 'made';
  }
  await linkTo(join(root, 'node_modules'), join(installDir, 'node_modules'));
  return { commit, root, checkout, install };
}
