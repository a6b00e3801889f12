/**
 * What a load generator process does with its plan (its share of the simulated members): connects
 * and subscribes them, then on `start` drives every member open-loop on its schedule and checks
 * every delivery at every receiver: latency from the scheduled send time into an HDR histogram,
 * and each room's seq (a gap is a loss, a repeat a duplicate, a step back a reorder). It reports
 * through the `report` function it is given (IPC in the process, `main.ts`) and never prints.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pMap from 'p-map';
import { monotonicUs } from '../../servers/common/self-report.ts';
import type { ClientCounters } from '../../servers/clients/index.ts';
import { createBenchClient, type BenchClient } from '../transports.ts';
import { DEFAULT_POLL_INTERVAL_MS } from '../../servers/contract/index.ts';
import { LatencyHistogram } from '../model/histogram.ts';
import { leadsRoom, type ClientAssignment, type GeneratorPlan, type GeneratorResult, type GeneratorStart, type GeneratorToParent } from './ipc.ts';
import { makeBody, postId } from './message-body.ts';
import { Receivers } from './receivers.ts';
import { RecoveryWatch } from './recovery.ts';
import { urlsFor } from '../cluster/cluster.ts';
import type { WireCounts } from '../model/results.ts';
import { PreciseClock } from './alarm.ts';
import { OpenLoopScheduler, planBursts, planSenders, seededRandom } from './schedule.ts';
import { connectTimes } from '../network/path-probe.ts';
import type { Bystanders } from './bystanders.ts';
import type { BrowserFleet, BrowserReading } from './browser-members.ts';

/** How often progress is reported. */
const PROGRESS_INTERVAL_MS = 1000;
/**
 * Up to this many sends a second, the loop polls for the last {@link SEND_EARLY_US} before each
 * send, so that sends leave within a few µs of their meant time rather than after a thread's
 * wake-up (0.15–0.4 ms here); above it, sends are close enough together that polling would keep a
 * core busy (300 µs × 1,000 sends a second is 30% of one), and they leave ~0.15 ms late (alarm.ts).
 */
const SEND_POLL_RATE_LIMIT = 200;
const SEND_EARLY_US = 300;
/** Event-loop delay resolution of the self-check, ms. */
const LOOP_DELAY_RESOLUTION_MS = 10;

interface Member {
  readonly index: number;
  readonly assignment: ClientAssignment;
  client: BenchClient | undefined;
}

/**
 * TCP connect times to the server of `url`, µs, `count` of them one after another, after one not
 * counted: a fresh process's first connect pays for compiling its code (3 ms at RTT 0 here).
 */
async function probe(url: string, count: number): Promise<number[]> {
  const { hostname, port, protocol } = new URL(url);
  return (await connectTimes(hostname, Number(port) || (protocol === 'https:' ? 443 : 80), count + 1)).slice(1);
}

function sumCounters(members: readonly Member[]): WireCounts & { reconnects: number; cursorExpired: number; errors: number } {
  const total = { requests: 0, emptyPolls: 0, connections: 0, bytesWritten: 0, bytesRead: 0, reconnects: 0, cursorExpired: 0, errors: 0 };
  for (const m of members) {
    const c: Readonly<ClientCounters> | undefined = m.client?.counters;
    if (!c) continue;
    total.requests += c.requests;
    total.emptyPolls += c.emptyPolls;
    total.connections += c.connections;
    total.bytesWritten += c.bytesWritten;
    total.bytesRead += c.bytesRead;
    total.reconnects += c.reconnects;
    total.cursorExpired += c.cursorExpired;
    total.errors += c.errors;
  }
  return total;
}

/** The parent's answer to `window-end`. */
interface Expected {
  readonly stored: Readonly<Record<string, number>>;
  readonly acked?: Readonly<Record<string, readonly number[]>>;
}

/** The generator of one process. */
export class LoadGenerator {
  private readonly members: Member[];
  private readonly sendLag = new LatencyHistogram();
  private readonly storedByRoom = new Map<string, number>();
  /** Seqs of the acknowledged window messages, by room: what no receiver may miss. */
  private readonly ackedByRoom = new Map<string, number[]>();
  private readonly recovery: RecoveryWatch;
  private readonly counts = { sent: 0, stored: 0, sendFailed: 0 };
  private readonly receivers: Receivers;
  private pendingSends = 0;
  private scheduler: OpenLoopScheduler | undefined;
  private clock: PreciseClock | undefined;
  /** Stored window messages per room over all generators: the parent's answer to `window-end`. */
  private readonly expected: Promise<Expected>;
  private resolveExpected: (expected: Expected) => void = () => undefined;
  /** The soak's non-readers and leavers, beside the members (`Workload.bystanders`). */
  private bystanders: Bystanders | undefined;
  /** Browser members' pages (`Variant.clients`), when the members are browsers. */
  private fleet: BrowserFleet | undefined;
  /** The browser pages' clock mapping, checked after setup (`BrowserFleet.checkClocks`). */
  private clockErrorUs = 0;

  constructor(
    private readonly plan: GeneratorPlan,
    private readonly report: (message: GeneratorToParent) => void,
  ) {
    this.expected = new Promise((resolve) => (this.resolveExpected = resolve));
    // The raw baseline has no room seq: each sender's own sequence is checked instead.
    this.recovery = new RecoveryWatch(plan.clients.length);
    this.receivers = new Receivers(plan.variant.transport === 'raw-ws', this.recovery);
    this.members = plan.clients.map((assignment, index) => {
      this.receivers.add(assignment.room);
      return { index, assignment, client: undefined };
    });
  }

  async setup(): Promise<void> {
    const { variant, url, token, sourceAddresses: sources, ca } = this.plan;
    // The path first, on an idle line: what one round trip to the server takes.
    const path = this.plan.pathProbes ? await probe(url, this.plan.pathProbes) : undefined;
    const started = performance.now();
    const random = seededRandom(this.plan.seed);
    const interval = variant.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    // Drawn up front in member order, so each member's phase depends on the seed alone, not on
    // the order in which the pool happens to start the connections.
    const phases = this.members.map(() => Math.floor(random() * interval));
    if (variant.clients === 'browser') {
      // Loaded only for browser members: playwright-core is not needed otherwise.
      const { BrowserFleet } = await import('./browser-members.ts');
      this.fleet = await BrowserFleet.launch({
        url,
        variant,
        membersPerPage: variant.membersPerPage ?? 1,
        onMessages: (index, messages, atUs) => this.receivers.receive(index, messages, atUs),
        // The trial fails, saying why, rather than count a dead browser's members as losses.
        onFault: (reason) => this.report({ type: 'failed', message: reason }),
      });
    }
    await pMap(this.members, async (member) => {
      const [own, ...others] = this.plan.urls ? urlsFor(member.assignment.instance ?? 0, this.plan.urls) : [url];
      const fleet = this.fleet;
      const client = fleet ? fleet.member(member.index, phases[member.index] as number) : await createBenchClient(variant.transport, {
        url: own as string,
        ...(others.length > 0 ? { fallbackUrls: others } : {}),
        ...(token ? { token } : {}),
        pollIntervalMs: interval,
        pollPhaseMs: phases[member.index] as number,
        ...(variant.waitMs === undefined ? {} : { waitMs: variant.waitMs }),
        ...(variant.keepAlive === undefined ? {} : { keepAlive: variant.keepAlive }),
        ...(variant.channel === undefined ? {} : { channel: variant.channel }),
        ...(variant.engine === undefined ? {} : { engine: variant.engine }),
        ...(sources.length > 0 ? { localAddress: sources[member.index % sources.length] as string } : {}),
        ...(ca === undefined ? {} : { ca }),
        ...(variant.resumeTls === undefined ? {} : { resumeTls: variant.resumeTls }),
        ...(variant.http2 === undefined ? {} : { http2: variant.http2 }),
        onMessages: (_room, messages) => this.receivers.receive(member.index, messages, monotonicUs()),
      });
      member.client = client;
      await client.connect();
      await client.subscribe(member.assignment.room);
    }, { concurrency: this.plan.connectConcurrency });
    const spec = this.plan.workload.bystanders;
    if (spec && (spec.nonReaders > 0 || spec.leavers > 0)) {
      // Loaded only for a workload that has them (the soak).
      const { Bystanders } = await import('./bystanders.ts');
      this.bystanders = new Bystanders({
        url,
        transport: variant.transport,
        // Each room's once, by the generator holding its first member, however many hold members of it.
        rooms: this.plan.clients.filter(leadsRoom).map((c) => c.room),
        spec,
        random: seededRandom(this.plan.seed + 2),
        ...(token ? { token } : {}),
        ...(ca === undefined ? {} : { ca }),
        ...(variant.waitMs === undefined ? {} : { waitMs: variant.waitMs }),
        pollIntervalMs: interval,
        sourceAddresses: sources,
      });
      await this.bystanders.start();
    }
    if (this.fleet) {
      // Pages just made keep Chromium busy for a while: not in the warm-up and window.
      await this.fleet.settle();
      this.clockErrorUs = await this.fleet.checkClocks();
    }
    this.report({ type: 'ready', clients: this.members.length, setupMs: Math.round(performance.now() - started), ...(path ? { path } : {}) });
  }

  run(start: GeneratorStart): void {
    this.receivers.setWindow(start);
    const { workload } = this.plan;
    const random = seededRandom(this.plan.seed + 1);
    const plans = workload.burst
      ? planBursts(this.members.map((m) => m.assignment.room), workload.ratePerMember, workload.burst.spacingMs * 1000, random)
      : planSenders(this.members.length, workload.ratePerMember, random);
    const loop = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    let wireAtStart: ReturnType<typeof sumCounters> | undefined;
    let cpuAtStart: NodeJS.CpuUsage | undefined;
    let browserAtStart: BrowserReading | undefined;
    const progress = setInterval(() => this.report({ type: 'progress', sent: this.counts.sent, delivered: this.receivers.counts().delivered }), PROGRESS_INTERVAL_MS);

    setTimeout(() => {
      wireAtStart = this.wire();
      cpuAtStart = process.cpuUsage();
      browserAtStart = this.readBrowser();
      loop.enable();
    }, Math.max(0, (start.windowStartUs - monotonicUs()) / 1000));

    const sendsPerSecond = this.members.length * workload.ratePerMember;
    const clock = new PreciseClock(sendsPerSecond <= SEND_POLL_RATE_LIMIT ? SEND_EARLY_US : 0);
    this.clock = clock;
    // Browser members are handed each send ahead of its time, and their pages send it on time.
    const leadUs = this.fleet?.sendLeadUs ?? 0;
    this.scheduler = new OpenLoopScheduler({
      clock,
      senders: plans,
      startUs: start.startUs - leadUs,
      endUs: start.windowEndUs - leadUs,
      onSend: (sender, k, meantUs, nowUs) => this.send(sender, k, meantUs + leadUs, nowUs + leadUs),
    });
    this.scheduler.start();

    void this.scheduler.whenDone().then(async () => {
      void clock.close();
      // The last send may come before the window's end: the readings are taken at the end.
      const left = (start.windowEndUs - monotonicUs()) / 1000;
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      const windowUs = start.windowEndUs - start.windowStartUs;
      const cpu = process.cpuUsage(cpuAtStart);
      const browserAtEnd = this.readBrowser();
      // Chromium's CPU is the generator's too: a browser that cannot keep up makes the trial generator-bound.
      const browserCpuUs = browserAtEnd && browserAtStart ? browserAtEnd.cpuUs - browserAtStart.cpuUs : 0;
      const cpuUs = cpu.user + cpu.system + browserCpuUs;
      const wireAtEnd = this.wire();
      loop.disable();
      // Less the monitor's own resolution, which an idle loop reads as its delay.
      const loopP99 = Math.max(0, Math.round(loop.percentile(99) / 1000) - LOOP_DELAY_RESOLUTION_MS * 1000);
      clearInterval(progress);
      await this.settleSends(start.settleMs);
      this.report({ type: 'window-end', stored: Object.fromEntries(this.storedByRoom), acked: Object.fromEntries(this.ackedByRoom) });
      const from = wireAtStart ?? wireAtEnd;
      const expected = await this.expected;
      await this.drain(expected, start.drainMs);
      // Built after the drain: latencies and deliveries of late messages belong to the window.
      const result: GeneratorResult = {
        clients: this.members.length,
        histogram: this.receivers.latency.encode(),
        // A browser member's send leaves from its page, on the page's timer: that is its lateness
        // (the harness hands it over 50 ms ahead, so this process's own lateness under that is moot).
        sendLag: (this.fleet?.dispatch ?? this.sendLag).encode(),
        fanout: this.receivers.fanout.encode(),
        ...this.counts,
        ...this.receivers.counts(),
        ...(expected.acked ? { lostAcknowledged: this.receivers.missingAcked(expected.acked) } : {}),
        ...(this.recovery.results().length > 0 ? { recoveries: this.recovery.results() } : {}),
        wire: {
          requests: wireAtEnd.requests - from.requests,
          emptyPolls: wireAtEnd.emptyPolls - from.emptyPolls,
          connections: wireAtEnd.connections - from.connections,
          bytesWritten: wireAtEnd.bytesWritten - from.bytesWritten,
          bytesRead: wireAtEnd.bytesRead - from.bytesRead,
        },
        events: {
          reconnects: wireAtEnd.reconnects - from.reconnects,
          cursorExpired: wireAtEnd.cursorExpired - from.cursorExpired,
          errors: wireAtEnd.errors - from.errors,
        },
        cpuShare: cpuUs / windowUs,
        cpuUs,
        eventLoopDelayP99: loopP99,
        ...(this.bystanders ? { bystanders: this.bystanders.result() } : {}),
        ...(this.fleet && browserAtEnd
          ? {
              browser: {
                pages: this.fleet.pages,
                members: this.members.length,
                cpuUs: browserCpuUs,
                pssBytes: browserAtEnd.pssBytes,
                dispatch: this.fleet.dispatch.encode(),
                clockErrorUs: this.clockErrorUs,
              },
            }
          : {}),
      };
      this.report({ type: 'result', result });
    });
  }

  /** The parent's answer to `window-end`: how many window messages each room stored, and which were acknowledged. */
  expect(stored: Readonly<Record<string, number>>, acked?: Readonly<Record<string, readonly number[]>>): void {
    this.resolveExpected({ stored, ...(acked ? { acked } : {}) });
  }

  /** A fault began (issue 11's failover): time until every client received again after it. */
  fault(name: string, atUs: number): void {
    this.recovery.fault(name, atUs);
  }

  async close(): Promise<void> {
    this.bystanders?.stop();
    this.scheduler?.stop();
    await this.clock?.close();
    await pMap(this.members, async (m) => m.client?.close().catch(() => undefined), { concurrency: this.plan.connectConcurrency });
    await this.fleet?.close();
  }

  /** The members' wire counters: each Node client's own, or the browser pages' relay. */
  private wire(): ReturnType<typeof sumCounters> {
    return this.fleet ? { ...this.fleet.counters() } : sumCounters(this.members);
  }

  /** Chromium's processes now, with browser members. */
  private readBrowser(): BrowserReading | undefined {
    return this.fleet ? this.fleet.reading() : undefined;
  }

  private send(sender: number, k: number, meantUs: number, nowUs: number): void {
    const member = this.members[sender];
    if (!member?.client) return;
    const counted = this.receivers.inWindow(meantUs);
    const { room, sender: from } = member.assignment;
    if (counted) {
      this.counts.sent++;
      this.sendLag.record(Math.max(1, nowUs - meantUs));
    }
    this.pendingSends++;
    const post = { id: postId(from, k), from, body: makeBody(from, k, meantUs, this.plan.workload.bodyBytes) };
    (this.fleet ? this.fleet.sendAt(sender, room, post, meantUs) : member.client.send(room, post)).then(
      (ack) => {
        this.pendingSends--;
        if (!counted) return;
        this.counts.stored++;
        // The raw baseline acknowledges nothing (seq 0): its senders' own sequences are checked instead.
        if (ack.seq > 0) {
          let seqs = this.ackedByRoom.get(room);
          if (!seqs) this.ackedByRoom.set(room, (seqs = []));
          seqs.push(ack.seq);
        }
        this.storedByRoom.set(room, (this.storedByRoom.get(room) ?? 0) + 1);
      },
      () => {
        this.pendingSends--;
        if (counted) this.counts.sendFailed++;
      },
    );
  }

  private async settleSends(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.pendingSends > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * Waits until every member received every stored window message of its room, and every
   * acknowledged one when their seqs are known, or the drain time ran out.
   */
  private async drain({ stored, acked }: Expected, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    const done = (): boolean => this.receivers.complete(stored) && (!acked || this.receivers.missingAcked(acked) === 0);
    while (!done() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }
}

