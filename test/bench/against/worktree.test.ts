/**
 * The base's tree on a throwaway git repository: checked out once per commit, its dependencies
 * shared when the lockfile is the change's, installed once per lockfile otherwise (the install
 * here is a fake that makes the folder npm would; git is real).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockfileHash, prepareBaseTree, type Exec } from '../../../bench/against/worktree.ts';

const run = promisify(execFile);
let dir: string;
let repo: string;
let cache: string;
const installs: string[] = [];

/** Real git; npm replaced by a fake install that records where it ran. */
const exec: Exec = async (file, args, { cwd }) => {
  if (file === 'npm') {
    installs.push(cwd);
    mkdirSync(join(cwd, 'node_modules'));
    return '';
  }
  return (await run(file, [...args], { cwd })).stdout;
};
const git = (...args: string[]): Promise<string> => exec('git', ['-c', 'user.name=test', '-c', 'user.email=test@127.0.0.1', ...args], { cwd: repo });

async function commit(lock: string, message: string): Promise<string> {
  writeFileSync(join(repo, 'package-lock.json'), lock);
  await git('add', '.');
  await git('commit', '-q', '-m', message);
  return (await git('rev-parse', 'HEAD')).trim();
}

let first: string;
let second: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'against-worktree-'));
  repo = join(dir, 'repo');
  cache = join(dir, 'cache');
  mkdirSync(join(repo, 'node_modules'), { recursive: true });
  await git('init', '-q');
  writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
  writeFileSync(join(repo, 'package.json'), '{"name":"x"}\n');
  first = await commit('{"lockfileVersion":3,"v":1}\n', 'first');
  second = await commit('{"lockfileVersion":3,"v":2}\n', 'second');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prepareBaseTree', () => {
  it('checks out the reference once and shares node_modules when the lockfile is the same', async () => {
    const made = await prepareBaseTree({ repoRoot: repo, ref: 'HEAD', cacheDir: cache, exec });
    expect(made).toEqual({ commit: second, root: join(cache, 'worktrees', second.slice(0, 12)), checkout: 'made', install: 'shared' });
    expect(readlinkSync(join(made.root, 'node_modules'))).toBe(realpathSync(join(repo, 'node_modules')));
    const kept = await prepareBaseTree({ repoRoot: repo, ref: second, cacheDir: cache, exec });
    expect(kept).toMatchObject({ checkout: 'kept', install: 'shared' });
    expect(installs).toEqual([]);
  });

  it('installs once per lockfile when the base\'s differs, and keeps the install for the next job', async () => {
    const steps: string[] = [];
    const made = await prepareBaseTree({ repoRoot: repo, ref: 'HEAD~1', cacheDir: cache, exec, onStep: (s) => steps.push(s) });
    expect(made).toMatchObject({ commit: first, checkout: 'made', install: 'made' });
    const installDir = join(cache, 'installs', lockfileHash('{"lockfileVersion":3,"v":1}\n'));
    expect(readlinkSync(join(made.root, 'node_modules'))).toBe(join(installDir, 'node_modules'));
    expect(installs).toEqual([`${installDir}.partial-${process.pid}`]);
    expect(steps.map((s) => s.split(' ')[0])).toEqual(['checking', 'installing']);
    const kept = await prepareBaseTree({ repoRoot: repo, ref: first, cacheDir: cache, exec });
    expect(kept).toMatchObject({ checkout: 'kept', install: 'kept' });
    expect(installs).toHaveLength(1);
  });

  it('checks out again a worktree whose folder was deleted', async () => {
    rmSync(join(cache, 'worktrees', second.slice(0, 12)), { recursive: true, force: true });
    expect(await prepareBaseTree({ repoRoot: repo, ref: second, cacheDir: cache, exec })).toMatchObject({ checkout: 'made', install: 'shared' });
  });

  it('names a reference that is not a commit', async () => {
    await expect(prepareBaseTree({ repoRoot: repo, ref: 'no-such-branch', cacheDir: cache, exec })).rejects.toThrow(
      '--against "no-such-branch" is not a commit of this repository',
    );
  });
});
