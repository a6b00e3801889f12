/**
 * Starts one baseline server in its own process, reporting about itself over IPC the same way the
 * chat servers do: `--kind raw-ws|bare-fastify [--port 0] [--host 127.0.0.1]`.
 */
import { startSelfReport } from '../../servers/common/self-report.ts';
import { UsageError, parseCommandLine } from '../../servers/common/command-line/index.ts';
import { resolveOptions, type OptionTable } from '../../servers/common/command-line/index.ts';
import { BASELINE_SERVERS, type BaselineEntry, type BaselineKind } from './index.ts';

const OPTIONS = {
  kind: { kind: 'string', default: 'raw-ws', choices: Object.keys(BASELINE_SERVERS), doc: 'which baseline' },
  host: { kind: 'string', default: '127.0.0.1', doc: 'address to listen on' },
  port: { kind: 'int', default: 0, min: 0, max: 65535, doc: 'port; 0 picks a free one' },
} as const satisfies OptionTable;

/** How often the baseline samples its CPU and memory, as the chat servers do. */
const SAMPLE_INTERVAL_MS = 250;

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(OPTIONS, process.argv.slice(2));
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const options = resolveOptions(OPTIONS, values);
  const entry: BaselineEntry = BASELINE_SERVERS[options.kind as BaselineKind];
  const server = await entry.create(options);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  const url = await server.listen();
  console.log(`${options.kind} baseline listening on ${url}`);
  process.send?.({ type: 'listening', url, transport: options.kind, pid: process.pid });
  startSelfReport({ intervalMs: SAMPLE_INTERVAL_MS, stats: () => ({ ...server.stats?.() }), onStop: stop });
}

main().catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
});
