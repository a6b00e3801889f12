/** Runs a Node command as a person or a CI job would, to its end: its exit code, stdout and stderr. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export async function runNode(args: readonly string[], cwd?: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // No loaders of the test runner's: the command loads what it needs itself.
    env: { ...process.env, NODE_OPTIONS: '' },
    ...(cwd === undefined ? {} : { cwd }),
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': every byte of its output has been read by then.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, out, err };
}
