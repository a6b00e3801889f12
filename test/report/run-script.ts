/** Runs a script of report/ as a person or a CI job would: its exit code, stdout and stderr. */
import { runNode } from '../helpers/run-node.ts';

export async function runScript(script: string, args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return runNode(['--import', 'tsx', new URL(`../../report/${script}`, import.meta.url).pathname, ...args]);
}
