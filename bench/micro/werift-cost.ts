/**
 * werift's own cost beside ws, on the same frames, so that a reader can tell the library's cost from
 * the transport's: per connection (CPU to connect, memory, CPU while idle) and per message (CPU of
 * sending and receiving one chat `messages` frame, both ends). Both ends of every connection run in
 * this one process, on loopback, with no chat server: only the library and its sockets work.
 *
 *   npx tsx bench/micro/werift-cost.ts [--peers 20] [--messages 4000] [--idle-ms 10000]
 *
 * Prints a table and, with --json, the figures as JSON.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { RTCSessionDescription, type RTCDataChannel, type RTCPeerConnection } from 'werift';
import { WebSocket, WebSocketServer } from 'ws';
import type { MessagesFrame } from '../../servers/contract/index.ts';
import { createLoopbackPeer, describeLocally } from '../../servers/webrtc/loopback.ts';

/** One connection as this measurement drives it: the sending end's `send`; the receiving end calls `onReceive`. */
interface Link {
  send(text: string): void;
  onReceive: () => void;
}

interface Library {
  readonly name: string;
  /** Opens `count` connections, both ends here. */
  open(count: number): Promise<Link[]>;
  close(): Promise<void>;
}

function wsLibrary(): Library {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const clients: WebSocket[] = [];
  return {
    name: 'ws (WebSocket over TCP)',
    async open(count) {
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      const { port } = http.address() as AddressInfo;
      const links: Link[] = [];
      for (let i = 0; i < count; i++) {
        const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
        const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
        clients.push(client);
        const [server] = await accepted;
        await once(client, 'open');
        const link: Link = { send: (text) => server.send(text), onReceive: () => undefined };
        client.on('message', () => link.onReceive());
        links.push(link);
      }
      return links;
    },
    async close() {
      for (const client of clients) client.terminate();
      wss.close();
      http.close();
      await once(http, 'close');
    },
  };
}

function weriftLibrary(): Library {
  const peers: RTCPeerConnection[] = [];
  return {
    name: 'werift (data channel, SCTP/DTLS/UDP)',
    async open(count) {
      const links: Link[] = [];
      for (let i = 0; i < count; i++) {
        const client = createLoopbackPeer(1 << 20);
        const server = createLoopbackPeer(1 << 20);
        peers.push(client, server);
        const channel = client.createDataChannel('chat');
        const offer = await describeLocally(client, await client.createOffer());
        const remote = new Promise<RTCDataChannel>((resolve) => server.onDataChannel.subscribe(resolve));
        await server.setRemoteDescription(new RTCSessionDescription(offer, 'offer'));
        await client.setRemoteDescription(new RTCSessionDescription(await describeLocally(server, await server.createAnswer()), 'answer'));
        const serverEnd = await remote;
        if (channel.readyState !== 'open') await new Promise<void>((resolve) => channel.stateChanged.subscribe((s) => s === 'open' && resolve()));
        const link: Link = { send: (text) => serverEnd.send(text), onReceive: () => undefined };
        channel.onMessage.subscribe(() => link.onReceive());
        links.push(link);
      }
      return links;
    },
    async close() {
      await Promise.all(peers.map((pc) => pc.close()));
    },
  };
}

/** A chat `messages` frame with one message of a 256-byte body, as the servers send it. */
function chatFrame(seq: number): string {
  const frame: MessagesFrame = {
    type: 'messages',
    room: 'room-1',
    messages: [{ room: 'room-1', seq, id: `m-${seq}`, from: 'member-1', body: 'x'.repeat(256), ts: Date.now() }],
    cursor: `AAAAAAAA.1.${seq}`,
  };
  return JSON.stringify(frame);
}

const cpuUs = (since: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(since);
  return user + system;
};

/**
 * Sends `total` frames spread over the links, each link keeping at most `IN_FLIGHT` unreceived: a
 * link sends its next frame when one arrives. Event-driven, so waiting costs no CPU.
 */
function pump(links: readonly Link[], total: number): Promise<void> {
  const frames = Array.from({ length: total }, (_, i) => chatFrame(i + 1));
  let sent = 0;
  let received = 0;
  return new Promise((resolve) => {
    for (const link of links) {
      link.onReceive = () => {
        received++;
        if (sent < total) link.send(frames[sent++] as string);
        if (received === total) resolve();
      };
    }
    for (let i = 0; i < IN_FLIGHT; i++) for (const link of links) if (sent < total) link.send(frames[sent++] as string);
  });
}

/** One frame at a time on one link, the next sent when the last arrived: the median time from send to arrival, µs. */
function oneAtATime(link: Link, count: number): Promise<number> {
  const times: number[] = [];
  let sentAt = 0;
  return new Promise((resolve) => {
    const next = (): void => {
      sentAt = performance.now();
      link.send(chatFrame(times.length + 1));
    };
    link.onReceive = () => {
      times.push((performance.now() - sentAt) * 1000);
      if (times.length < count) next();
      else resolve(times.sort((a, b) => a - b)[Math.floor(count / 2)] as number);
    };
    next();
  });
}

/** Frames a link keeps unreceived at once. */
const IN_FLIGHT = 16;

export interface LibraryCost {
  readonly library: string;
  /** CPU to open one connection (both ends), µs. */
  readonly connectCpuUs: number;
  /** RSS added by one connection (both ends), bytes; without a collection, so rough. */
  readonly rssPerConnectionBytes: number;
  /** CPU per connection per second while nothing is sent (keep-alives, timers), µs. */
  readonly idleCpuUsPerConnectionSecond: number;
  /** CPU to send and receive one chat frame (both ends), µs, with frames spread over the connections. */
  readonly cpuUsPerMessage: number;
  /** Messages per second one core sends and receives at that cost. */
  readonly messagesPerCoreSecond: number;
  /**
   * Connections one core carries in the default chat (each receives 10 and sends 1 message a
   * second: 11 frames, counted at the per-message cost, plus its idle cost).
   */
  readonly connectionsPerCore: number;
  /** Median time from `send` to arrival of one frame on an otherwise quiet link, µs. */
  readonly medianDeliveryUs: number;
}

/** Frames each member of the default chat sees a second: 10 received (a room of 10 at 1 msg/s each) and 1 sent. */
const DEFAULT_CHAT_FRAMES_PER_SECOND = 11;

/** CPU of this process doing nothing for `ms`, µs: taken off the idle cost of the connections. */
async function idleCpuUs(ms: number): Promise<number> {
  const start = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return cpuUs(start);
}

export async function measure(library: Library, peers: number, messages: number, idleMs: number): Promise<LibraryCost> {
  const baseline = await idleCpuUs(idleMs);
  const rssBefore = process.memoryUsage().rss;
  const connectStart = process.cpuUsage();
  const links = await library.open(peers);
  const connectCpuUs = cpuUs(connectStart) / peers;
  const rssPerConnectionBytes = (process.memoryUsage().rss - rssBefore) / peers;

  const idleCpuUsPerConnectionSecond = Math.max(0, (await idleCpuUs(idleMs)) - baseline) / peers / (idleMs / 1000);

  await pump(links, Math.min(messages, 500));
  const start = process.cpuUsage();
  await pump(links, messages);
  const cpuUsPerMessage = cpuUs(start) / messages;
  const medianDeliveryUs = await oneAtATime(links[0] as Link, 200);
  await library.close();
  const perConnectionUs = idleCpuUsPerConnectionSecond + DEFAULT_CHAT_FRAMES_PER_SECOND * cpuUsPerMessage;
  return {
    library: library.name,
    connectCpuUs,
    rssPerConnectionBytes,
    idleCpuUsPerConnectionSecond,
    cpuUsPerMessage,
    messagesPerCoreSecond: 1e6 / cpuUsPerMessage,
    connectionsPerCore: 1e6 / perConnectionUs,
    medianDeliveryUs,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { peers: { type: 'string', default: '20' }, messages: { type: 'string', default: '4000' }, 'idle-ms': { type: 'string', default: '10000' }, json: { type: 'boolean', default: false } },
  });
  const number = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new RangeError(`--${name} must be an integer of at least ${min}, not ${JSON.stringify(text)}`);
    return n;
  };
  const peers = number('peers', values.peers, 1);
  const messages = number('messages', values.messages, 100);
  const idleMs = number('idle-ms', values['idle-ms'], 1000);
  const results = [await measure(wsLibrary(), peers, messages, idleMs), await measure(weriftLibrary(), peers, messages, idleMs)];
  if (values.json) {
    console.log(JSON.stringify({ peers, messages, idleMs, node: process.version, results }, null, 2));
    return;
  }
  const [ws, rtc] = results as [LibraryCost, LibraryCost];
  const row = (label: string, f: (c: LibraryCost) => number, digits = 0): string =>
    `${label.padEnd(44)} ${f(ws).toFixed(digits).padStart(12)} ${f(rtc).toFixed(digits).padStart(12)} ${(f(rtc) / f(ws)).toFixed(1).padStart(8)}×`;
  console.log(`${peers} connections, ${messages} frames of ${chatFrame(1).length} bytes, both ends in one process (${process.version})`);
  console.log(`${''.padEnd(44)} ${'ws'.padStart(12)} ${'werift'.padStart(12)} ${'werift/ws'.padStart(9)}`);
  console.log(row('CPU to connect (both ends), µs', (c) => c.connectCpuUs));
  console.log(row('RSS per connection (both ends), KB', (c) => c.rssPerConnectionBytes / 1024));
  console.log(row('idle CPU per connection, µs/s', (c) => c.idleCpuUsPerConnectionSecond, 1));
  console.log(row('CPU per message (send + receive), µs', (c) => c.cpuUsPerMessage, 1));
  console.log(row('messages per core-second', (c) => c.messagesPerCoreSecond));
  console.log(row('connections per core, default chat', (c) => c.connectionsPerCore));
  console.log(row('median delivery, one frame at a time, µs', (c) => c.medianDeliveryUs));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  });
}
