/**
 * How long after a fault every client received again (issue 11's failover): for each fault, the
 * first time each client got a message that was meant to be sent at or after the fault began.
 * Counting only messages meant after it keeps deliveries already on their way from hiding an
 * outage: after a kill, they prove nothing about the clients that lost their instance; after Redis
 * stops, posts are refused until it is back, so the first such message is one posted after.
 */
import type { FaultRecovery } from './ipc.ts';

interface Fault {
  readonly name: string;
  readonly atUs: number;
  /** Per client, the first receipt of a message meant at or after `atUs`; NaN until then. */
  readonly firstUs: Float64Array;
  waiting: number;
}

export class RecoveryWatch {
  private readonly faults: Fault[] = [];
  private open = 0;

  constructor(private readonly clients: number) {}

  /** A fault began at `atUs` (monotonic µs). */
  fault(name: string, atUs: number): void {
    this.faults.push({ name, atUs, firstUs: new Float64Array(this.clients).fill(Number.NaN), waiting: this.clients });
    this.open++;
  }

  /** Client `index` received at `nowUs` a message meant to be sent at `meantUs`. */
  received(index: number, meantUs: number, nowUs: number): void {
    if (this.open === 0) return;
    for (const f of this.faults) {
      if (f.waiting === 0 || meantUs < f.atUs || !Number.isNaN(f.firstUs[index])) continue;
      f.firstUs[index] = nowUs;
      if (--f.waiting === 0) this.open--;
    }
  }

  results(): FaultRecovery[] {
    return this.faults.map((f) => ({
      name: f.name,
      atUs: f.atUs,
      recoveryUs: f.waiting > 0 ? null : Math.max(0, ...Array.from(f.firstUs, (t) => t - f.atUs)),
      waiting: f.waiting,
    }));
  }
}
