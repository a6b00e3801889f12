/** The options of `npm run conformance`: one table for parsing, checking and `--help`. */
import { SOCKETIO_ENGINES, TRANSPORTS, type SocketIoEngine, type Transport } from '../index.ts';
import { formatOptionHelp, resolveOptions, type OptionValues } from '../../common/command-line/index.ts';
import { LOOPBACK_ONLY, UsageError, isLoopback, parseCommandLine } from '../../common/command-line/index.ts';
import { CONTRACT_DEFAULTS, type ConformanceTarget } from './target.ts';

export const CONFORMANCE_OPTIONS = {
  url: { kind: 'string', default: '', shownDefault: 'required', doc: 'base URL of the server to check, http://HOST:PORT or https://HOST:PORT' },
  alsoUrl: {
    kind: 'list',
    default: [],
    shownDefault: '(none)',
    doc: 'base URLs of more instances of the same chat (sharing one backplane, such as Redis): the suite then sends each connection and request to the next of --url and these in turn, so every promise is checked across instances',
  },
  ca: {
    kind: 'string',
    default: '',
    shownDefault: '(none)',
    doc: "with an https:// URL: a PEM file of a certificate to trust beside the system's, such as the self-signed one `npm run server -- --tls` prints",
  },
  transport: { kind: 'string', default: '', choices: TRANSPORTS, shownDefault: 'required', doc: 'the transport the server claims' },
  token: { kind: 'string', default: '', shownDefault: '(none)', doc: "the server's shared token; without it the token checks are skipped" },
  historySize: {
    kind: 'int',
    default: CONTRACT_DEFAULTS.historySize,
    min: 1,
    max: 1_000_000,
    doc: "the server's history size: the expired-cursor check posts 5 more than this to one room",
  },
  maxBodyBytes: { kind: 'int', default: CONTRACT_DEFAULTS.maxBodyBytes, min: 1, max: 10_000_000, doc: "the server's largest message body, in UTF-8 bytes" },
  engine: {
    kind: 'string',
    default: 'upgrade',
    choices: SOCKETIO_ENGINES,
    doc: "socketio: the engine.io transport the suite's clients use: websocket or polling only, or upgrade (polling, then WebSocket)",
  },
} as const;

export type ConformanceOptions = OptionValues<typeof CONFORMANCE_OPTIONS>;

/** Process exit codes of `npm run conformance`. */
export const EXIT = {
  /** Every promise checked was kept. */
  KEPT: 0,
  /** At least one promise was broken (or the suite could not run to the end). */
  BROKEN: 1,
  /** Bad arguments, a server that could not be reached or wants a token not given: nothing was checked. */
  USAGE: 2,
} as const;

export const USAGE = `Usage: npm run conformance -- --url http(s)://HOST:PORT --transport ${TRANSPORTS.join('|')} [options]

Checks a running chat server against the chat contract, version 1 (and, for sse, its SSE stream;
for socketio, its Socket.IO events; servers/contract/README.md):
the same suite \`npm test\` runs against this project's servers. Prints each promise as it is
checked, then one BROKEN: line per broken promise.

Options:
${formatOptionHelp(CONFORMANCE_OPTIONS)}
  -h, --help            show this help

Exit codes: ${EXIT.KEPT} every promise kept; ${EXIT.BROKEN} a promise broken; ${EXIT.USAGE} bad arguments, or the server unreachable or wanting a token.`;

/**
 * Parses the command line into the target to check, or `'help'`. Throws a `UsageError` that names
 * the option and what is allowed.
 */
export function parseConformanceArgs(argv: readonly string[]): ConformanceTarget | 'help' {
  const { values, positionals, help } = parseCommandLine(CONFORMANCE_OPTIONS, argv);
  if (help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; options are given as --name value`);
  const options = resolveOptions(CONFORMANCE_OPTIONS, values);
  if (options.url === '') throw new UsageError('--url is required: the base URL of the server to check, such as http://127.0.0.1:8080');
  const url = baseUrl('--url', options.url, options.ca !== '');
  const others = options.alsoUrl.map((given) => baseUrl('--also-url', given, options.ca !== ''));
  if (options.transport === '') throw new UsageError(`--transport is required: one of ${TRANSPORTS.join(', ')}`);
  return {
    url,
    ...(others.length > 0 ? { others } : {}),
    transport: options.transport as Transport,
    historySize: options.historySize,
    maxBodyBytes: options.maxBodyBytes,
    ...(options.token === '' ? {} : { token: options.token }),
    ...(options.ca === '' ? {} : { ca: options.ca }),
    ...(options.transport === 'socketio' ? { engine: options.engine as SocketIoEngine } : {}),
  };
}

/** A server's base URL as `flag` gives it: http(s) on loopback, no path or query; its origin. */
function baseUrl(flag: string, given: string, withCa: boolean): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`${flag} must be an http:// or https:// URL such as http://127.0.0.1:8080, got ${JSON.stringify(given)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${flag} must be an http:// or https:// URL (the WebSocket URL, ws:// or wss://, is derived from it), got ${JSON.stringify(given)}`);
  }
  if (withCa && url.protocol !== 'https:') throw new UsageError(`--ca is for an https:// URL; ${url.origin} speaks no TLS`);
  if (!isLoopback(url.hostname)) throw new UsageError(`${flag} ${JSON.stringify(given)} ${LOOPBACK_ONLY}`);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new UsageError(`${flag} must be the server's base URL, without a path or query, such as ${url.origin}; got ${JSON.stringify(given)}`);
  }
  return url.origin;
}
