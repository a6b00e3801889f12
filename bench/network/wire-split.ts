/**
 * Where a delivery's time goes, read off the wire (bench/METHOD.md, "A delivery's time on the
 * wire"): a packet capture of the loopback during a run (`npm run bench:wire`) holds, for every
 * message, the packet that carried its post (or its send frame) to the server, each member's
 * copy leaving it, and the author's answer. Every body carries its stamp (sender, k, the time it
 * was meant to be sent; bench/generator/message-body.ts), so each packet that holds a stamp is
 * placed in its message's story with no help from the processes. A WebSocket client masks its
 * frames; they are unmasked here.
 *
 * The capture's clock is the wall clock and the stamps' is CLOCK_MONOTONIC: `offsetUs` (wall minus
 * monotonic, taken as the capture runs) maps one onto the other.
 */
import { EVENTS_ROUTE, MESSAGES_ROUTE, SOCKETIO_PATH, TRANSPORTS, TRANSPORT_INFO, WS_PATH, type TransportInfo } from '../../servers/contract/index.ts';
import { RAW_WS_PREFIX } from '../baselines/raw-ws-server.ts';
import { postId, stampsIn } from '../generator/message-body.ts';
import { quantile } from '../model/aggregate.ts';

/** One TCP segment with a payload, as the capture saw it. */
export interface Segment {
  /** Capture time, µs on the wall clock. */
  readonly tUs: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Buffer;
}

const PCAP_MICRO = 0xa1b2c3d4;
const PCAP_NANO = 0xa1b23c4d;
/** Link types this reads: Ethernet (the loopback's, on Linux), and Linux's cooked captures (`-i any`). */
const LINK_HEADER: Readonly<Record<number, number>> = { 1: 14, 113: 16, 276: 20 };

/**
 * The TCP segments with a payload in a classic pcap file (tcpdump's `-w`, this host's byte order),
 * IPv4 only. Throws on a file that is not one; a packet cut short by the snap length is read as
 * far as it goes.
 */
export function* readPcap(file: Buffer): Generator<Segment> {
  if (file.length < 24) throw new Error(`not a pcap file: ${file.length} bytes, shorter than its header`);
  const magic = file.readUInt32LE(0);
  if (magic !== PCAP_MICRO && magic !== PCAP_NANO) throw new Error(`not a pcap file this reads (magic 0x${magic.toString(16)}; pcapng is not read: capture with tcpdump -w)`);
  const nano = magic === PCAP_NANO;
  const link = file.readUInt32LE(20);
  const linkHeader = LINK_HEADER[link];
  if (linkHeader === undefined) throw new Error(`pcap link type ${link} is not read here (Ethernet, and Linux cooked captures, are)`);
  for (let at = 24; at + 16 <= file.length; ) {
    const seconds = file.readUInt32LE(at);
    const fraction = file.readUInt32LE(at + 4);
    const captured = file.readUInt32LE(at + 8);
    const start = at + 16;
    const end = Math.min(start + captured, file.length);
    at = start + captured;
    const ethertype = link === 1 ? file.readUInt16BE(start + 12) : link === 113 ? file.readUInt16BE(start + 14) : file.readUInt16BE(start);
    if (ethertype !== 0x0800) continue;
    const ip = start + linkHeader;
    if (ip + 20 > end || file[ip + 9] !== 6) continue;
    const tcp = ip + ((file[ip] as number) & 0x0f) * 4;
    if (tcp + 20 > end) continue;
    const data = tcp + ((file[tcp + 12] as number) >> 4) * 4;
    // The IP header's total length, not the frame's: a short frame is padded past it.
    const ipEnd = Math.min(end, ip + file.readUInt16BE(ip + 2));
    if (data >= ipEnd) continue;
    yield {
      tUs: seconds * 1e6 + (nano ? fraction / 1000 : fraction),
      srcPort: file.readUInt16BE(tcp),
      dstPort: file.readUInt16BE(tcp + 2),
      payload: file.subarray(data, ipEnd),
    };
  }
}

/** What a server port serves, from the first request line seen to it. */
export function serverKind(requestLine: string): string | undefined {
  const match = /^(GET|POST) (\S+) HTTP\//.exec(requestLine);
  if (!match) return undefined;
  const path = match[2] as string;
  const [route, query = ''] = path.split('?', 2) as [string, string?];
  if (route.startsWith(RAW_WS_PREFIX)) return 'raw-ws';
  if (route === WS_PATH) return receivingBy('socket');
  if (route.startsWith(SOCKETIO_PATH)) return receivingBy('events');
  if (routeMatches(route, EVENTS_ROUTE)) return receivingBy('stream');
  if (match[1] === 'GET' && routeMatches(route, MESSAGES_ROUTE)) return receivingBy(/(^|&)wait=/.test(query) ? 'held-poll' : 'poll');
  return undefined;
}

/** The transport whose clients receive this way (the contract's registry). */
function receivingBy(way: TransportInfo['receives']): string | undefined {
  return TRANSPORTS.find((transport) => TRANSPORT_INFO[transport].receives === way);
}

function routeMatches(path: string, route: string): boolean {
  const parts = route.split('/');
  const given = path.split('/');
  return parts.length === given.length && parts.every((part, i) => part.startsWith(':') || part === given[i]);
}

/**
 * The payloads of a client's masked WebSocket frames, unmasked, as latin1 text (a frame cut by the
 * segment's end is unmasked as far as it goes; a frame's continuation in the next segment is not
 * read, so a stamp that starts there is missed).
 */
export function unmaskFrames(segment: Buffer): string {
  let text = '';
  for (let at = 0; at + 2 <= segment.length; ) {
    const second = segment[at + 1] as number;
    let length = second & 0x7f;
    let head = at + 2;
    if (length === 126) {
      if (head + 2 > segment.length) break;
      length = segment.readUInt16BE(head);
      head += 2;
    } else if (length === 127) {
      if (head + 8 > segment.length) break;
      length = Number(segment.readBigUInt64BE(head));
      head += 8;
    }
    if ((second & 0x80) === 0) {
      text += segment.subarray(head, head + length).toString('latin1') + '\n';
    } else {
      const key = segment.subarray(head, head + 4);
      head += 4;
      const data = Buffer.from(segment.subarray(head, Math.min(head + length, segment.length)));
      for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ (key[i & 3] as number);
      text += data.toString('latin1') + '\n';
    }
    at = head + length;
  }
  return text;
}

interface Story {
  readonly sender: string;
  readonly k: number;
  /** The post's id (`postId`): a frame transport's ack names it. */
  readonly id: string;
  readonly meantUs: number;
  /** When the post or send frame carrying it reached the server, and on which port. */
  readonly inUs: number;
  readonly serverPort: number;
  /** Each copy leaving the server, µs. */
  readonly copies: number[];
  /** The author's answer: the HTTP response on the connection that carried the post, or the ack frame naming its id. */
  answerUs?: number;
}

/**
 * When each server port's trial began sending, on the stamps' clock: a sender sends on a fixed
 * schedule, meant at start + its phase + k intervals (bench/generator/schedule.ts), so each
 * sender's stamps give start + its phase; the earliest over the trial's senders is the start, late
 * by the smallest phase. A sender seen once gives its stamp as its bound.
 */
function scheduleStarts(stories: Iterable<Story>): Map<number, number> {
  const seen = new Map<string, { port: number; first: Story; last: Story }>();
  for (const story of stories) {
    const key = `${story.serverPort} ${story.sender}`;
    const known = seen.get(key);
    if (!known) seen.set(key, { port: story.serverPort, first: story, last: story });
    else {
      if (story.k < known.first.k) known.first = story;
      if (story.k > known.last.k) known.last = story;
    }
  }
  const starts = new Map<number, number>();
  for (const { port, first, last } of seen.values()) {
    const interval = last.k > first.k ? (last.meantUs - first.meantUs) / (last.k - first.k) : 0;
    const start = first.meantUs - first.k * interval;
    starts.set(port, Math.min(starts.get(port) ?? Infinity, start));
  }
  return starts;
}

/**
 * Marks the answers a segment from the server carries: an HTTP response answers the oldest post
 * waiting on its connection (HTTP/1.1 answers in order); an ack frame answers the post it names.
 */
function answer(unanswered: Story[], text: string, tUs: number): void {
  if (text.startsWith('HTTP/')) {
    const oldest = unanswered.shift();
    if (oldest) oldest.answerUs = tUs;
    return;
  }
  if (!text.includes('"ack"')) return;
  for (let i = 0; i < unanswered.length; i++) {
    const story = unanswered[i] as Story;
    if (!text.includes(`"id":"${story.id}"`)) continue;
    story.answerUs = tUs;
    unanswered.splice(i--, 1);
  }
}

/** One transport's split over its trials' windows: medians and 90th percentiles, µs. */
export interface WireSplit {
  readonly transport: string;
  /** Messages seen reaching the server and leaving it at least once. */
  readonly messages: number;
  readonly copiesPerMessage: number;
  /** The post on the wire after it was meant to be sent: the sender's side. */
  readonly sentLate: { readonly p50: number; readonly p90: number };
  /** The first and the last copy of a message leaving the server, after its post arrived. */
  readonly firstCopy: { readonly p50: number; readonly p90: number };
  readonly lastCopy: { readonly p50: number; readonly p90: number };
  /** Every copy leaving the server after it was meant to be sent: the receivers' latency less their own side. */
  readonly meantToCopy: { readonly p50: number; readonly p90: number };
  /** The answer (ack, or the post's response) after the post arrived; undefined where none came back. */
  readonly answer: { readonly p50: number; readonly p90: number } | undefined;
}

/**
 * Splits each message's time by the segments that carried it: the ports its posts went to are
 * named by the first request seen to them (`serverKind`); a stamp's first segment toward a server
 * port is its arrival, later ones from that port are its copies. `offsetUs` is wall clock minus
 * CLOCK_MONOTONIC. Each server port is one trial's server: the messages meant in the first
 * `skipMs` of its schedule (the trial's warm-up) are left out.
 */
export function splitWire(segments: Iterable<Segment>, offsetUs: number, skipMs = 0): WireSplit[] {
  const kinds = new Map<number, string>();
  const upgraded = new Set<number>();
  const stories = new Map<string, Story>();
  /** Connection (client port > server port) to the stories waiting for their answer there, oldest first. */
  const waiting = new Map<string, Story[]>();
  for (const segment of segments) {
    let text = segment.payload.toString('latin1');
    const connection = `${segment.dstPort}>${segment.srcPort}`;
    const unanswered = waiting.get(connection);
    if (unanswered) answer(unanswered, text, segment.tUs);
    if (text.startsWith('GET ') || text.startsWith('POST ')) {
      const kind = serverKind(text.slice(0, text.indexOf('\r\n')));
      if (kind !== undefined && !kinds.has(segment.dstPort)) kinds.set(segment.dstPort, kind);
      if (/\r\nupgrade: *websocket/i.test(text)) upgraded.add(segment.dstPort);
    } else if (upgraded.has(segment.dstPort)) {
      text = unmaskFrames(segment.payload);
    }
    for (const { sender, k, meantUs } of stampsIn(text)) {
      const key = `${sender}|${k}|${meantUs}`;
      const story = stories.get(key);
      if (story === undefined) {
        if (!kinds.has(segment.dstPort)) continue;
        const fresh: Story = { sender, k, id: postId(sender, k), meantUs, inUs: segment.tUs, serverPort: segment.dstPort, copies: [] };
        stories.set(key, fresh);
        const connection = `${segment.srcPort}>${segment.dstPort}`;
        const list = waiting.get(connection);
        if (list) list.push(fresh);
        else waiting.set(connection, [fresh]);
      } else if (segment.srcPort === story.serverPort) {
        story.copies.push(segment.tUs);
      }
    }
  }
  const starts = scheduleStarts(stories.values());
  const byKind = new Map<string, Story[]>();
  for (const story of stories.values()) {
    if (story.copies.length === 0 || story.meantUs < (starts.get(story.serverPort) as number) + skipMs * 1000) continue;
    const kind = kinds.get(story.serverPort) as string;
    const list = byKind.get(kind);
    if (list) list.push(story);
    else byKind.set(kind, [story]);
  }
  const spread = (values: number[]): { p50: number; p90: number } => ({ p50: quantile(values, 0.5) ?? Number.NaN, p90: quantile(values, 0.9) ?? Number.NaN });
  return [...byKind].map(([transport, list]) => {
    const answers = list.flatMap((s) => (s.answerUs === undefined ? [] : [s.answerUs - s.inUs]));
    return {
      transport,
      messages: list.length,
      copiesPerMessage: list.reduce((sum, s) => sum + s.copies.length, 0) / list.length,
      sentLate: spread(list.map((s) => s.inUs - (s.meantUs + offsetUs))),
      firstCopy: spread(list.map((s) => Math.min(...s.copies) - s.inUs)),
      lastCopy: spread(list.map((s) => Math.max(...s.copies) - s.inUs)),
      meantToCopy: spread(list.flatMap((s) => s.copies.map((c) => c - (s.meantUs + offsetUs)))),
      answer: answers.length > 0 ? spread(answers) : undefined,
    };
  });
}
