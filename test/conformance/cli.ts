/**
 * `npm run conformance -- --url URL --transport T [--token T]`: checks any server that claims the
 * chat contract with the project's conformance suite. Exit codes in options.ts (`EXIT`).
 */
import { withFlagNames } from '../../cli/index.ts';
import { CONFORMANCE_OPTIONS, EXIT, USAGE, parseConformanceArgs } from './options.ts';
import { reach } from './target.ts';

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
  const problem = await reach(target);
  if (problem !== undefined) {
    console.error(`error: cannot check ${target.url} (GET /healthz: ${problem}); nothing was checked`);
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
