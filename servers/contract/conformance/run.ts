/**
 * Runs the conformance suite against one server through vitest's Node API, with this folder's
 * reporter only, and turns what it counted into the command's exit code.
 */
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import { EXIT } from './options.ts';
import { ConformanceReporter, summarize } from './reporter.ts';
import { NOT_CHECKED } from './promises.ts';
import { instances, type ConformanceTarget } from './target.ts';
import { TRANSPORT_INFO } from '../transports.ts';

/** The project's root, where vitest resolves the suite's file. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The suite's entry for a URL (not a `*.test.ts` file, so `npm test` leaves it alone). */
const SUITE_FILE = 'servers/contract/conformance/url.conformance.ts';
/** Registers, for every test file, the cleanup of what the helpers started (servers.ts). */
export const SETUP_FILE = 'servers/contract/conformance/setup.ts';
/**
 * Bounds that only turn a hang into a broken check: a check normally takes well under a second,
 * filling a default history of 10,000 messages a few seconds.
 */
const TEST_TIMEOUT_MS = 120_000;
/**
 * The environment variable that limits a run to one part of the suite, by its name ("5. Retries
 * are safe"): how the project's tests of servers broken on purpose keep each run short. Unset, every
 * part runs.
 */
export const PART_VARIABLE = 'CONFORMANCE_PART';

/** Checks a server that answers (see `reach`) and prints as it goes; resolves with the exit code. */
export async function runConformance(target: ConformanceTarget, write: (line: string) => void): Promise<number> {
  const receives = TRANSPORT_INFO[target.transport].receives;
  const versions = receives === 'stream' ? ' and its Server-Sent Events (version 2)' : receives === 'events' ? ` over Socket.IO (version 3), engine.io ${target.engine ?? 'upgrade'}` : '';
  write(`Checking the ${target.transport} server at ${instances(target).join(' and ')}${target.others === undefined ? '' : ' (each connection and request to the next in turn)'} against the chat contract, version 1${versions} (servers/contract/README.md)`);
  if (target.token === undefined) write('No --token given: the token checks are skipped.');
  const given = process.env[PART_VARIABLE];
  const part = given === undefined || given === '' ? undefined : given;
  if (part !== undefined) write(`Only the part "${part}" (${PART_VARIABLE}).`);
  const reporter = new ConformanceReporter(write, part);
  const vitest = await startVitest('test', [SUITE_FILE], {
    config: false,
    root: ROOT,
    include: [SUITE_FILE],
    setupFiles: [SETUP_FILE],
    watch: false,
    reporters: [reporter],
    provide: { conformanceTarget: target },
    ...(part === undefined ? {} : { testNamePattern: new RegExp(`^${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `) }),
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
  });
  await vitest.close();
  write('\nNot checked here (a black box cannot be asked):');
  for (const item of NOT_CHECKED) write(`  - ${item}`);
  write('');
  for (const line of summarize(reporter.tally)) write(line);
  const { kept, broken, errors } = reporter.tally;
  return broken.length === 0 && errors.length === 0 && kept > 0 ? EXIT.KEPT : EXIT.BROKEN;
}
