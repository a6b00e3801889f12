#!/usr/bin/env node
/**
 * `chat-transport-bench <command> [options]`: the package's one command. Each command starts the
 * same entry point as its npm script, with the arguments as given, in a child process that loads
 * tsx (resolved from this package, so that it works from any directory), and exits with its code.
 * It imports nothing of the project: the entry points parse their own options and print their own
 * `--help`.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

/** Each command: the npm script that runs the same entry point, the entry, and what it does. */
const COMMANDS = {
  bench: { script: 'bench', entry: 'cli/bench.ts', does: 'run a scenario; write its results file and report' },
  demo: { script: 'demo', entry: 'cli/demo.ts', does: 'a live page of the transports side by side' },
  server: { script: 'server', entry: 'servers/main.ts', does: 'start one chat server' },
  conformance: { script: 'conformance', entry: 'servers/contract/conformance/cli.ts', does: 'check a running server against the chat contract' },
  report: { script: 'report', entry: 'report/cli.ts', does: 'render the HTML report of a results file' },
  compare: { script: 'bench:compare', entry: 'report/compare-cli.ts', does: 'compare two results files, for CI' },
};

/** Exit code of a usage mistake, as every entry point uses. */
const USAGE_EXIT = 2;

const USAGE = `Usage: chat-transport-bench <command> [options]

Commands (each runs the same entry point as its npm script, with the same options):
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.does} (npm run ${c.script}: ${c.entry})`)
  .join('\n')}

chat-transport-bench <command> --help lists the options of one command.`;

/** Runs one command's entry point and resolves with the exit code (or signal) it ended with. */
function run(entry, args) {
  const file = fileURLToPath(new URL(`../${entry}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), file, ...args], { stdio: 'inherit' });
  // Ctrl-C in a terminal reaches the child with the rest of the process group: this process only
  // waits for it, so that a second Ctrl-C is still the child's (the bench quits at once on it).
  process.on('SIGINT', () => {});
  // A signal sent to this process alone (a CI runner stopping the job) is passed on.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`error: cannot start ${entry}: ${error.message}\n`);
      resolve({ code: 1, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function main(argv) {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    const given = name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}`;
    process.stderr.write(`error: ${given}; the commands are ${Object.keys(COMMANDS).join(', ')}\n\n${USAGE}\n`);
    return USAGE_EXIT;
  }
  const { code, signal } = await run(command.entry, args);
  if (code !== null) return code;
  // Killed by a signal: end the same way, so that the caller sees what the child saw.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  return 1;
}

// Run when executed (through npm's bin link too, hence the real path), not when imported.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
