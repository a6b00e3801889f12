/**
 * The package's command, `chat-transport-bench`: spawned as npm's bin link would run it, from a
 * directory outside the project, it lists its commands, runs each command's entry point with the
 * same options as the npm script of that entry, and refuses a command it does not know.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { toFlag } from '../../servers/common/command-line/index.ts';
import { COMMANDS } from '../../docs/options-doc.ts';
import { runNode } from '../helpers/run-node.ts';

const ROOT = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
const BIN = fileURLToPath(new URL(pkg.bin['chat-transport-bench'] ?? 'missing', ROOT));

/** Somewhere that is not the project, so that nothing resolves from the working directory. */
const elsewhere = mkdtempSync(join(tmpdir(), 'bin-'));
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

/** Runs the command to its end, from outside the project: its exit code, stdout and stderr. */
function run(...args: string[]): ReturnType<typeof runNode> {
  return runNode([BIN, ...args], elsewhere);
}

describe('chat-transport-bench', () => {
  it('is the package bin, executable', () => {
    expect(Object.keys(pkg.bin)).toEqual(['chat-transport-bench']);
    expect(statSync(BIN).mode & 0o111, 'executable bits').not.toBe(0);
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--help lists every command with the npm script that runs the same entry point', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    const listed = [...out.matchAll(/^ {2}(\S+) .*\(npm run (\S+): (\S+)\)$/gm)].map((m) => ({ command: m[1], script: m[2], entry: m[3] }));
    expect(listed.map((c) => c.command)).toEqual(COMMANDS.map((c) => c.title));
    // tsx's command, or node with tsx's loader (one process where tsx's command starts two: npm run bench).
    for (const { command, script, entry } of listed) expect([`tsx ${entry}`, `node --import tsx ${entry}`], command).toContain(pkg.scripts[script as string]);
  });

  it.each(COMMANDS.map((c) => [c.title, c] as const))('%s --help prints the usage and every option of its npm script', async (_title, command) => {
    const { code, out } = await run(command.title, '--help');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: npm run ${command.usage.split(' ')[2]} `));
    for (const name of Object.keys(command.table)) expect(out, name).toContain(toFlag(name));
  });

  it('passes the entry point its exit code: a bad option is 2', async () => {
    const { code, err } = await run('server', '--port', '70000');
    expect(code).toBe(2);
    expect(err).toContain('--port');
  });

  it('passes the demo its refusal of a transport the page cannot have: 2, and why', async () => {
    const { code, err } = await run('demo', '--transports', 'webrtc');
    expect(code).toBe(2);
    expect(err).toContain('webrtc is not on the page');
  });

  it('refuses an unknown command, or none, with exit code 2 and the list of commands', async () => {
    for (const args of [['benchmark'], []]) {
      const { code, err } = await run(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(err).toContain('the commands are bench, demo, server, conformance, report, compare');
    }
  });
});
