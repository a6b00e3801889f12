/** `npm run bench` as the e2e tests run it: its own process, its output kept. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const CLI = new URL('../../cli/bench.ts', import.meta.url).pathname;

/** The bench command in its own process group, so that everything it started can be found. */
export function bench(args: readonly string[]): { child: ReturnType<typeof spawn>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', NODE_OPTIONS: '' } });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

/** The command's exit code, once it has exited. */
export async function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}
