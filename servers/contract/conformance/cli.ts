/**
 * `npm run conformance -- --url URL --transport T [--token T] [--ca FILE]`: checks any server that claims the
 * chat contract with the project's conformance suite. Exit codes in options.ts (`EXIT`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { withFlagNames } from '../../common/command-line/index.ts';
import { CONFORMANCE_OPTIONS, EXIT, USAGE, parseConformanceArgs } from './options.ts';
import { reach } from './target.ts';

/**
 * Runs this command again in a process that trusts `--ca`: Node reads NODE_EXTRA_CA_CERTS when it
 * starts, and then every client of the suite (fetch, node:https, ws, the bench clients, vitest's
 * workers, which inherit the environment) trusts the certificate as it trusts the system's, with no
 * `rejectUnauthorized: false` anywhere.
 */
async function withExtraCa(ca: string, argv: readonly string[]): Promise<number> {
  try {
    readFileSync(ca);
  } catch (error) {
    console.error(`error: --ca: cannot read ${JSON.stringify(ca)} (${(error as Error).message}); give the PEM file of the server's certificate`);
    return EXIT.USAGE;
  }
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, ...argv], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: ca } });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? EXIT.BROKEN;
}

async function main(argv: readonly string[]): Promise<number> {
  let target;
  try {
    target = parseConformanceArgs(argv);
  } catch (error) {
    console.error(`error: ${withFlagNames(CONFORMANCE_OPTIONS, (error as Error).message)}`);
    console.error('Run with --help to list the options.');
    return EXIT.USAGE;
  }
  if (target === 'help') {
    console.log(USAGE);
    return EXIT.KEPT;
  }
  if (target.ca !== undefined && process.env.NODE_EXTRA_CA_CERTS !== target.ca) return withExtraCa(target.ca, argv);
  const problem = await reach(target);
  if (problem !== undefined) {
    console.error(`error: cannot check ${target.others === undefined ? target.url : 'every instance'} (GET /healthz: ${problem}); nothing was checked`);
    return EXIT.USAGE;
  }
  // Loaded only now: vitest's Node API takes seconds to import, and a usage error needs none of it.
  const { runConformance } = await import('./run.ts');
  return runConformance(target, (line) => console.log(line));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(EXIT.BROKEN);
  },
);
