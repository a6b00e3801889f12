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
  // 'close' comes once the process exited and its output was read to the end; 'exit' may come
  // before the last of it (a refusal's message was once missing from stderr at exit).
  closed.set(child, once(child, 'close').then(([code]) => code as number | null));
  return { child, stdout: () => out, stderr: () => err };
}

const closed = new WeakMap<ReturnType<typeof spawn>, Promise<number | null>>();

/** The command's exit code, once it has exited and all of its output was read. */
export async function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  const done = closed.get(child);
  if (done) return done;
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}
