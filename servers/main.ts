/**
 * Starts one chat server from the command line:
 *   npm run server -- --transport short-polling|long-polling|websocket|sse [--port 0] [--tls [--cert F --key F]] [--http2] [...limits]
 * Prints the URL it listens on; under a parent process with IPC it also sends
 * `{ type: 'listening', url, transport, pid, ca? }` (`ca`: with --tls, the certificate to trust), then samples of its CPU, memory and event-loop
 * delay (servers/common/self-report.ts).
 */
import { SERVER_OPTIONS, TRANSPORTS, resolveServerOptions, type Transport } from './contract/index.ts';
import { formatOptionHelp } from './common/command-line/index.ts';
import { UsageError, parseCommandLine, withFlagNames } from './common/command-line/index.ts';
import { startSelfReport } from './common/self-report.ts';
import { createChatServer } from './index.ts';

/** How often a server under a harness samples its CPU and memory. */
const SAMPLE_INTERVAL_MS = 250;
/**
 * How long past `--shutdown-grace-ms` a stop may take before the process exits anyway. The close
 * cuts every connection after the grace, so this only guards against a bug: a stop never hangs.
 */
const STOP_BACKSTOP_MS = 2000;

const USAGE = `Usage: npm run server -- --transport ${TRANSPORTS.join('|')} [options]

Starts one chat server of the chat contract and prints the URL it listens on.
Stops cleanly on Ctrl-C (SIGINT) or SIGTERM: held polls are answered, sockets closed.

Options:
${formatOptionHelp(SERVER_OPTIONS)}
  -h, --help                  show this help`;

async function main(argv: readonly string[]): Promise<void> {
  let options;
  try {
    const { values, positionals, help } = parseCommandLine(SERVER_OPTIONS, argv);
    if (help) {
      console.log(USAGE);
      return;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; options are given as --name value`);
    options = resolveServerOptions(values);
  } catch (error) {
    console.error(`error: ${withFlagNames(SERVER_OPTIONS, (error as Error).message)}`);
    console.error('Run with --help to list the options.');
    process.exitCode = 2;
    return;
  }
  let server;
  try {
    server = await createChatServer(options.transport as Transport, options);
  } catch (error) {
    // What only the start can find out: an unreadable or mismatched --cert/--key, no openssl.
    console.error(`error: ${withFlagNames(SERVER_OPTIONS, (error as Error).message)}`);
    process.exitCode = 2;
    return;
  }
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    console.error(`${options.transport}: ${why}, shutting down`);
    setTimeout(() => {
      console.error(`${options.transport}: shutdown did not finish within ${options.shutdownGraceMs + STOP_BACKSTOP_MS} ms; exiting`);
      process.exit(1);
    }, options.shutdownGraceMs + STOP_BACKSTOP_MS).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Under a parent (the harness), a parent that is gone must not leave this server running.
  process.on('disconnect', () => stop('parent went away'));
  const url = await server.listen();
  console.log(`${options.transport} server listening on ${url}${options.http2 ? ' (HTTP/2 and HTTP/1.1)' : ''}`);
  const tls = server.tls;
  if (tls) console.log(`${tls.selfSigned ? 'self-signed certificate (removed on exit)' : 'certificate'}: ${tls.certFile}; trust it with curl --cacert ${tls.certFile}`);
  process.send?.({ type: 'listening', url, transport: options.transport, pid: process.pid, ...(tls ? { ca: tls.cert } : {}) });
  startSelfReport({ intervalMs: SAMPLE_INTERVAL_MS, stats: () => ({ ...server.stats() }), onStop: () => stop('asked to stop') });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
