/**
 * The wire split (bench/network/wire-split.ts) on captures built here, packet by packet: the pcap
 * reading, the naming of server ports by their requests, the unmasking of a client's frames, and
 * each message's story (its arrival, copies and answer) with the warm-up left out.
 */
import { describe, expect, it } from 'vitest';
import { readPcap, serverKind, splitWire, unmaskFrames, type Segment } from '../../bench/network/wire-split.ts';
import { benchArgs, formatSplits, warmupOf } from '../../bench/network/wire-split-cli.ts';

/** One Ethernet/IPv4/TCP frame with `payload`, as the loopback carries it. */
function frame(srcPort: number, dstPort: number, payload: Buffer, padding = 0): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[9] = 6;
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(srcPort, 0);
  tcp.writeUInt16BE(dstPort, 2);
  tcp[12] = 5 << 4;
  return Buffer.concat([eth, ip, tcp, payload, Buffer.alloc(padding)]);
}

/** A classic pcap file of `packets` (µs or ns timestamps), Ethernet link type. */
function pcap(packets: readonly { tUs: number; data: Buffer }[], nano = false): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20);
  const records = packets.map(({ tUs, data }) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(tUs / 1e6), 0);
    record.writeUInt32LE(nano ? (tUs % 1e6) * 1000 : tUs % 1e6, 4);
    record.writeUInt32LE(data.length, 8);
    record.writeUInt32LE(data.length, 12);
    return Buffer.concat([record, data]);
  });
  return Buffer.concat([head, ...records]);
}

/** A client's masked WebSocket text frame. */
function masked(text: string, key = [0x12, 0x34, 0x56, 0x78]): Buffer {
  const data = Buffer.from(text, 'latin1');
  const length = data.length < 126 ? Buffer.from([0x80 | data.length]) : Buffer.from([0x80 | 126, data.length >> 8, data.length & 0xff]);
  return Buffer.concat([Buffer.from([0x81]), length, Buffer.from(key), Buffer.from(data.map((b, i) => b ^ (key[i & 3] as number)))]);
}

const text = (s: string): Buffer => Buffer.from(s, 'latin1');
/** Wall clock minus monotonic in these captures: 1,000 s. */
const OFFSET_US = 1_000_000_000;

describe('the wire split', () => {
  it('reads TCP payloads from µs and ns captures, skipping empty segments, other protocols and Ethernet padding', () => {
    const udp = frame(1, 2, text('x'));
    udp[14 + 9] = 17;
    const packets = [
      { tUs: 5_000_001, data: frame(40000, 8080, text('GET /ws HTTP/1.1\r\n'), 6) },
      { tUs: 5_000_002, data: frame(8080, 40000, Buffer.alloc(0)) },
      { tUs: 5_000_003, data: udp },
    ];
    for (const nano of [false, true]) {
      const segments = [...readPcap(pcap(packets, nano))];
      expect(segments).toEqual([{ tUs: 5_000_001, srcPort: 40000, dstPort: 8080, payload: text('GET /ws HTTP/1.1\r\n') }]);
    }
    expect(() => [...readPcap(Buffer.alloc(30))]).toThrow(/not a pcap file this reads/);
    expect(() => [...readPcap(Buffer.alloc(10))]).toThrow(/shorter than its header/);
  });

  it('names a server port by the first request to it', () => {
    expect(serverKind('GET /rooms/r1/events HTTP/1.1')).toBe('sse');
    expect(serverKind('GET /rooms/r1/messages?cursor=abc&wait=25000 HTTP/1.1')).toBe('long-polling');
    expect(serverKind('GET /rooms/r1/messages?cursor=abc HTTP/1.1')).toBe('short-polling');
    expect(serverKind('GET /ws HTTP/1.1')).toBe('websocket');
    expect(serverKind('GET /raw/room-1 HTTP/1.1')).toBe('raw-ws');
    expect(serverKind('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1')).toBe('socketio');
    expect(serverKind('POST /rooms/r1/messages HTTP/1.1')).toBeUndefined();
    expect(serverKind('GET /healthz HTTP/1.1')).toBeUndefined();
  });

  it('unmasks a client frame and reads a server frame as it is', () => {
    const long = 'y'.repeat(200);
    expect(unmaskFrames(Buffer.concat([masked('{"type":"send"}'), masked(long)]))).toBe(`{"type":"send"}\n${long}\n`);
    expect(unmaskFrames(Buffer.concat([Buffer.from([0x81, 3]), text('abc')]))).toBe('abc\n');
  });

  it("splits each message: sent late, its first and last copies, the author's answer, the warm-up left out", () => {
    // An SSE server on 8080; two members' streams on 50001 and 50002; the author posts on 50003.
    const stamp = (k: number, meantUs: number): string => `r0m1|${k}|${meantUs}|....`;
    const post = (k: number, meantUs: number): Buffer => text(`POST /rooms/room-0/messages HTTP/1.1\r\ncontent-length: 60\r\n\r\n{"id":"r0m1.${k}","from":"r0m1","body":"${stamp(k, meantUs)}"}`);
    const event = (k: number, meantUs: number): Buffer => text(`event: messages\ndata: {"messages":[{"body":"${stamp(k, meantUs)}"}]}\n\n`);
    const segments: Segment[] = [
      { tUs: OFFSET_US + 0, srcPort: 50001, dstPort: 8080, payload: text('GET /rooms/room-0/events HTTP/1.1\r\n\r\n') },
      // k 0, meant at 1,000 µs: the warm-up (left out with a 2 ms warm-up).
      { tUs: OFFSET_US + 1_100, srcPort: 50003, dstPort: 8080, payload: post(0, 1_000) },
      { tUs: OFFSET_US + 1_200, srcPort: 8080, dstPort: 50001, payload: event(0, 1_000) },
      { tUs: OFFSET_US + 1_300, srcPort: 8080, dstPort: 50003, payload: text('HTTP/1.1 201 Created\r\n\r\n') },
      // k 1, meant at 5,000 µs: on the wire 300 µs late, copies 400 and 900 µs later, answered 1,000 µs after it arrived.
      { tUs: OFFSET_US + 5_300, srcPort: 50003, dstPort: 8080, payload: post(1, 5_000) },
      { tUs: OFFSET_US + 5_700, srcPort: 8080, dstPort: 50001, payload: event(1, 5_000) },
      { tUs: OFFSET_US + 6_200, srcPort: 8080, dstPort: 50002, payload: event(1, 5_000) },
      { tUs: OFFSET_US + 6_300, srcPort: 8080, dstPort: 50003, payload: text('HTTP/1.1 201 Created\r\n\r\n') },
    ];
    expect(splitWire(segments, OFFSET_US, 2)).toEqual([
      {
        transport: 'sse',
        messages: 1,
        copiesPerMessage: 2,
        sentLate: { p50: 300, p90: 300 },
        firstCopy: { p50: 400, p90: 400 },
        lastCopy: { p50: 900, p90: 900 },
        meantToCopy: { p50: 1_200, p90: 1_200 },
        answer: { p50: 1_000, p90: 1_000 },
      },
    ]);
    // Without a warm-up both messages count.
    expect(splitWire(segments, OFFSET_US)[0]?.messages).toBe(2);
  });

  it("finds a trial's warm-up from its senders' schedules, not from the first message seen", () => {
    // A sender every 1,000 µs from a start at 1,000 µs; the capture began at its k 3 (4,000 µs).
    const segments: Segment[] = [{ tUs: OFFSET_US, srcPort: 50001, dstPort: 8080, payload: text('GET /rooms/room-0/messages?cursor=c&wait=25000 HTTP/1.1\r\n\r\n') }];
    for (const [k, meantUs] of [[3, 4_000], [4, 5_000], [5, 6_000]] as const) {
      segments.push({ tUs: OFFSET_US + meantUs + 10, srcPort: 50002, dstPort: 8080, payload: text(`POST /rooms/room-0/messages HTTP/1.1\r\n\r\n{"body":"r0m0|${k}|${meantUs}|"}`) });
      segments.push({ tUs: OFFSET_US + meantUs + 20, srcPort: 8080, dstPort: 50001, payload: text(`HTTP/1.1 200 OK\r\n\r\n{"messages":[{"body":"r0m0|${k}|${meantUs}|"}]}`) });
    }
    // A 4.5 ms warm-up from 1,000 µs ends at 5,500 µs: only k 5 is in the window.
    expect(splitWire(segments, OFFSET_US, 4.5)[0]).toMatchObject({ transport: 'long-polling', messages: 1, sentLate: { p50: 10 }, firstCopy: { p50: 10 } });
  });

  it("takes a frame transport's answer from the ack naming the post, not the author's own copy", () => {
    const body = 'r2m0|7|9000|..';
    const segments: Segment[] = [
      { tUs: OFFSET_US + 0, srcPort: 50010, dstPort: 9090, payload: text('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n') },
      { tUs: OFFSET_US + 9_100, srcPort: 50010, dstPort: 9090, payload: masked(`{"type":"send","room":"room-2","id":"r2m0.7","from":"r2m0","body":"${body}"}`) },
      { tUs: OFFSET_US + 9_150, srcPort: 9090, dstPort: 50010, payload: Buffer.concat([Buffer.from([0x81, 40]), text(`{"type":"messages","body":"${body}"}`.padEnd(40))]) },
      { tUs: OFFSET_US + 9_400, srcPort: 9090, dstPort: 50010, payload: Buffer.concat([Buffer.from([0x81, 40]), text('{"type":"ack","id":"r2m0.7","seq":1}'.padEnd(40))]) },
    ];
    const [split] = splitWire(segments, OFFSET_US);
    expect(split).toMatchObject({ transport: 'websocket', messages: 1, sentLate: { p50: 100 }, firstCopy: { p50: 50 }, answer: { p50: 300 } });
    // A rebroadcast has no answer: the author's copy is not one.
    const raw = segments.map((s, i) => (i === 0 ? { ...s, payload: text('GET /raw/room-2 HTTP/1.1\r\nUpgrade: websocket\r\n\r\n') } : s)).slice(0, 3);
    expect(splitWire(raw, OFFSET_US)[0]).toMatchObject({ transport: 'raw-ws', answer: undefined });
  });

  it('runs the bench quietly and leaves out the warm-up the run uses', () => {
    expect(benchArgs(['--rounds', '1'])).toEqual(['--rounds', '1', '--skip-ceiling', '--skip-micro']);
    expect(benchArgs(['--skip-micro'])).toEqual(['--skip-micro', '--skip-ceiling']);
    expect(warmupOf([])).toBe(2000);
    expect(warmupOf(['--quick'])).toBe(500);
    expect(warmupOf(['--ci'])).toBe(500);
    expect(warmupOf(['--warmup-ms', '750'])).toBe(750);
    expect(warmupOf(['--warmup-ms=1200', '--quick'])).toBe(1200);
    const table = formatSplits([
      { transport: 'raw-ws', messages: 3, copiesPerMessage: 10, sentLate: { p50: 1.4, p90: 2 }, firstCopy: { p50: 3, p90: 4 }, lastCopy: { p50: 5, p90: 6 }, meantToCopy: { p50: 7, p90: 8 }, answer: undefined },
    ]);
    expect(table.split('\n')[1]).toMatch(/^raw-ws\s+3\s+10\.0\s+1\s+3\s+5\s+–\s+7\s+8$/);
  });
});
