/**
 * The options of `npm run demo`, the live page of the transports side by side (issue 20): a table
 * of their own, listed in `--help` and in docs/options.md.
 */
import { UsageError, type OptionTable } from '../../servers/common/command-line/index.ts';
import { BROWSER_TRANSPORTS, type BrowserTransport } from '../../servers/clients/browser/index.ts';

/** The transports on the page: those a page runs on the machine's own network (not WebRTC: `NO_DEMO_WEBRTC`). */
export const DEMO_TRANSPORTS = BROWSER_TRANSPORTS;
export type DemoTransport = BrowserTransport;

/** Why the page has no WebRTC column. */
export const NO_DEMO_WEBRTC =
  "the page's Chromium runs on this machine's own network, where it offers a WebRTC candidate on the interface of its default route, a real one, and this project's load goes to loopback and 198.18.0.0/15 only (the bench runs WebRTC browser members in a network namespace of its own: a step with --loss, even 0)";

export const DEMO_OPTIONS = {
  port: { kind: 'int', default: 8090, min: 0, max: 65535, doc: "the page's port on 127.0.0.1 (0: any free port); the chat servers take free ports of their own" },
  transports: { kind: 'list', default: DEMO_TRANSPORTS, doc: `the transports side by side, comma-separated, from ${DEMO_TRANSPORTS.join(', ')}` },
  pollIntervalMs: { kind: 'int', default: 1000, min: 100, max: 60_000, doc: "short polling: ms between the page's polls (and each simulated member's)" },
  maxMembers: { kind: 'int', default: 500, min: 0, max: 2000, doc: "the slider's end: the most simulated members per transport, each a Node client of this project's in the demo's process" },
  memberPostMs: { kind: 'int', default: 1000, min: 100, max: 60_000, doc: 'ms between two messages of the simulated members of a transport (one member posts each time), while there are any' },
} as const satisfies OptionTable;

/** The transports named, checked: each one of the page's, none twice. */
export function demoTransports(names: readonly string[]): DemoTransport[] {
  if (names.length === 0) throw new UsageError(`--transports needs at least one of ${DEMO_TRANSPORTS.join(', ')}`);
  for (const name of names) {
    if (name === 'webrtc') throw new UsageError(`--transports: webrtc is not on the page: ${NO_DEMO_WEBRTC}`);
    if (!(DEMO_TRANSPORTS as readonly string[]).includes(name)) throw new UsageError(`--transports: unknown transport ${JSON.stringify(name)}; the page has ${DEMO_TRANSPORTS.join(', ')}`);
  }
  if (new Set(names).size !== names.length) throw new UsageError('--transports: a transport is named twice');
  return [...names] as DemoTransport[];
}
