/**
 * What the receivers of one generator saw: every delivery checked against its room's seq (or, for
 * the raw baseline, its sender's own sequence), counted once, and timed from its scheduled send
 * when it was meant inside the measured window. Pure apart from the clock it is given.
 */
import type { ChatMessage } from '../../servers/contract/index.ts';
import { LatencyHistogram } from '../model/histogram.ts';
import { ReceiverLedger } from './ledger.ts';
import { readBody } from './message-body.ts';
import type { RecoveryWatch } from './recovery.ts';

/** The measured window, in monotonic µs: messages meant in [start, end) count. */
export interface Window {
  readonly windowStartUs: number;
  readonly windowEndUs: number;
}

export interface ReceiverCounts {
  /** Window messages received, each receiver counting each message once. */
  readonly delivered: number;
  readonly duplicated: number;
  readonly reordered: number;
}

/** One receiver (a simulated member). */
class Receiver {
  readonly ledgers = new Map<string, ReceiverLedger>();
  windowDelivered = 0;
  constructor(readonly room: string) {}
}

export class Receivers {
  readonly latency = new LatencyHistogram();
  /**
   * The fan-out leg of each counted delivery: from the server's `ts` (its wall clock when it stored
   * the message, whole ms) to the receipt, µs. Over by up to 1 ms, since `ts` is truncated; it
   * times the path from server to receiver alone, which a channel that drops (WebRTC's
   * `chat-lossy`) carries while the sender's post goes on a reliable one.
   */
  readonly fanout = new LatencyHistogram();
  private readonly receivers: Receiver[] = [];
  private window: Window | undefined;
  private delivered = 0;
  private duplicated = 0;
  private reordered = 0;

  /**
   * @param bySender check each sender's own sequence instead of the room's seq (the raw baseline,
   * which has no seq).
   */
  constructor(
    private readonly bySender: boolean,
    /** Told of every receipt, to time the recovery after a fault. */
    private readonly recovery?: RecoveryWatch,
  ) {}

  /** Adds a receiver in `room`; returns its index for {@link receive}. */
  add(room: string): number {
    this.receivers.push(new Receiver(room));
    return this.receivers.length - 1;
  }

  /** From now on, count and time the messages meant inside this window. */
  setWindow(window: Window): void {
    this.window = window;
  }

  inWindow(meantUs: number): boolean {
    const w = this.window;
    return w !== undefined && meantUs >= w.windowStartUs && meantUs < w.windowEndUs;
  }

  /** A batch of messages that receiver `index` got at `nowUs`. */
  receive(index: number, messages: readonly ChatMessage[], nowUs: number): void {
    const receiver = this.receivers[index];
    if (!receiver) throw new RangeError(`no receiver ${index}`);
    const wallMs = performance.timeOrigin + performance.now();
    for (const message of messages) {
      const stamp = readBody(message.body);
      if (!stamp) continue;
      this.recovery?.received(index, stamp.meantUs, nowUs);
      const key = this.bySender ? stamp.sender : message.room;
      let ledger = receiver.ledgers.get(key);
      if (!ledger) receiver.ledgers.set(key, (ledger = new ReceiverLedger()));
      const receipt = ledger.receive(this.bySender ? stamp.k : message.seq);
      if (receipt === 'duplicate') {
        this.duplicated++;
        continue;
      }
      if (receipt === 'reordered') this.reordered++;
      if (!this.inWindow(stamp.meantUs)) continue;
      this.delivered++;
      receiver.windowDelivered++;
      this.latency.record(nowUs - stamp.meantUs);
      // The raw baseline has no server clock (ts 0).
      if (message.ts > 0) this.fanout.record(Math.max(1, Math.round((wallMs - message.ts) * 1000)));
    }
  }

  counts(): ReceiverCounts {
    return { delivered: this.delivered, duplicated: this.duplicated, reordered: this.reordered };
  }

  /**
   * Acknowledged seqs (by room) that a receiver of that room never got, over all receivers: the
   * messages lost although their sender was told they were stored.
   */
  missingAcked(acked: Readonly<Record<string, readonly number[]>>): number {
    let missing = 0;
    for (const r of this.receivers) {
      const ledger = r.ledgers.get(r.room);
      for (const seq of acked[r.room] ?? []) if (!ledger?.has(seq)) missing++;
    }
    return missing;
  }

  /** Every receiver got at least the number of window messages stored in its room. */
  complete(storedByRoom: Readonly<Record<string, number>>): boolean {
    return this.receivers.every((r) => r.windowDelivered >= (storedByRoom[r.room] ?? 0));
  }
}
