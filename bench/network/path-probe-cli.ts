/**
 * The path probe from a shell (bench/network/path-probe.ts), apart from the module so that a
 * bundle including the module never runs this:
 *
 *   npx tsx bench/network/path-probe-cli.ts listen HOST           a listener that accepts and closes; prints its port
 *   npx tsx bench/network/path-probe-cli.ts connect HOST PORT N    N connects one after another; prints their times, µs, as JSON
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { connectTimes } from './path-probe.ts';

async function main(argv: readonly string[]): Promise<void> {
  const [mode, host, port, count] = argv;
  if (mode === 'listen' && host) {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, host, () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
    process.stdin.resume();
    process.stdin.once('end', () => server.close());
    return;
  }
  if (mode === 'connect' && host && port && count) {
    console.log(JSON.stringify(await connectTimes(host, Number(port), Number(count))));
    return;
  }
  console.error('usage: path-probe-cli.ts listen HOST | connect HOST PORT N');
  process.exitCode = 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  });
}
