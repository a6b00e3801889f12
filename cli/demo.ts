/**
 * `npm run demo`: the live page of the transports side by side (issue 20). Starts one chat server
 * process per transport and a page on 127.0.0.1, prints the page's address, and runs until Ctrl-C,
 * which stops everything it started.
 */
import { UsageError, formatOptionHelp, parseCommandLine, resolveOptions } from '../servers/common/command-line/index.ts';
import { killAll } from '../bench/run/spawn.ts';
import { startDemo, type Demo } from './demo/demo-server.ts';
import { DEMO_OPTIONS, demoTransports } from './demo/options.ts';

const USAGE = `Usage: npm run demo -- [options]

Starts one chat server per transport and a page that shows a chat room over each of them side
by side: type a message and see, per transport, when it arrived and the requests and bytes it
took; move the slider to add simulated members. Open the address it prints; Ctrl-C stops it.

Options:
${formatOptionHelp(DEMO_OPTIONS)}
  -h, --help     show this help`;

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    const parsed = parseCommandLine(DEMO_OPTIONS, argv);
    if (parsed.help) {
      console.log(USAGE);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
    const values = resolveOptions(DEMO_OPTIONS, parsed.values);
    options = { ...values, transports: demoTransports(values.transports) };
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    console.error('Usage: npm run demo -- [options] (--help lists them)');
    return 2;
  }
  let demo: Demo;
  try {
    demo = await startDemo(options, (line) => console.error(line));
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    await killAll();
    return 1;
  }
  console.log(`the demo page: ${demo.url}  (Ctrl-C stops it)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.error('stopping the servers');
  await demo.close();
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
