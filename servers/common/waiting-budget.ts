/**
 * The server-wide budget of bytes waiting for clients (option maxWaitingBytes): answers, events
 * and frames written for clients that have not read them yet. It protects the server's memory;
 * and so that a handful of clients that never read cannot deny service to those that do, it is
 * kept by cutting the slowest consumers, the one with the most waiting first (as the per-client
 * cap, maxBufferedBytes, does for one client), before anyone is refused. A client that reads has
 * little waiting for it, so it is cut last, and only when the rest could not bring the total down.
 */

/** A client bytes wait for, as the budget sees it. */
export interface Consumer {
  /** Bytes waiting for it now: what cutting it frees, at most. */
  waiting(): number;
  /** Ends it at once (no linger), so that what waits for it is freed. */
  cut(): void;
}

export class WaitingBudget {
  private readonly consumers = new Set<Consumer>();
  private cutCount = 0;

  /**
   * `total`: the bytes waiting now, over all consumers (shared bytes counted once). `refresh`, when
   * given, brings `total` up to date before consumers are compared (a total kept lazily).
   */
  constructor(
    readonly maxBytes: number,
    private readonly total: () => number,
    private readonly refresh?: () => void,
    /** Called for each consumer cut (a server's `budgetCuts`). */
    private readonly onCut?: () => void,
  ) {}

  /** Consumers cut to keep the budget, since the server started. */
  get cuts(): number {
    return this.cutCount;
  }

  add(consumer: Consumer): void {
    this.consumers.add(consumer);
  }

  delete(consumer: Consumer): void {
    this.consumers.delete(consumer);
  }

  /** Whether more than `maxBytes` wait. */
  get over(): boolean {
    return this.total() > this.maxBytes;
  }

  /**
   * While more than `maxBytes` wait, cuts the consumer with the most waiting; `true` once within
   * the budget, `false` when no consumer is left to cut (what waits is nobody's to free). `spare`
   * is not cut: the client just written to, whose one answer or turn of events always goes, as
   * with the per-client cap.
   */
  enforce(spare?: Consumer): boolean {
    if (!this.over) return true;
    this.refresh?.();
    while (this.over) {
      let worst: Consumer | undefined;
      let most = 0;
      for (const consumer of this.consumers) {
        if (consumer === spare) continue;
        const waiting = consumer.waiting();
        if (waiting > most) [worst, most] = [consumer, waiting];
      }
      if (!worst) return false;
      this.consumers.delete(worst);
      this.cutCount++;
      this.onCut?.();
      worst.cut();
      this.refresh?.();
    }
    return true;
  }
}

/**
 * A total of bytes waiting kept lazily, for consumers that say what waits for them only when they
 * are written to (WebSocket connections: `ws` tells nothing when its buffer drains). Each write
 * notes the consumer's bytes; the total may be high by what drained since, which `refresh`
 * corrects by asking every consumer. So the budget asks everyone only when the total looks over.
 */
export class LazyTotal {
  private readonly noted = new Map<Consumer, number>();
  private sum = 0;

  get total(): number {
    return this.sum;
  }

  note(consumer: Consumer, bytes: number): void {
    this.sum += bytes - (this.noted.get(consumer) ?? 0);
    this.noted.set(consumer, bytes);
  }

  forget(consumer: Consumer): void {
    this.sum -= this.noted.get(consumer) ?? 0;
    this.noted.delete(consumer);
  }

  refresh(): void {
    this.sum = 0;
    for (const consumer of this.noted.keys()) {
      const bytes = consumer.waiting();
      this.noted.set(consumer, bytes);
      this.sum += bytes;
    }
  }
}

/**
 * The server-wide budget of a server whose clients say what waits for them only when written to
 * (the WebSocket and Socket.IO servers): each write notes the client's bytes, and past the budget
 * the clients with the most waiting are cut, the one written to spared.
 */
export class NotedBudget {
  private readonly waiting = new LazyTotal();
  private readonly budget: WaitingBudget;

  constructor(maxBytes: number, onCut: () => void) {
    this.budget = new WaitingBudget(maxBytes, () => this.waiting.total, () => this.waiting.refresh(), onCut);
  }

  /**
   * A client's place in the budget, for as long as it is open: `note` before each write to it
   * (what earlier writes left for it; past the budget, others are cut), `leave` once it closed,
   * after which `note` does nothing.
   */
  join(consumer: Consumer): { note(bytes: number): void; leave(): void } {
    let open = true;
    this.budget.add(consumer);
    return {
      note: (bytes) => {
        if (!open) return;
        this.waiting.note(consumer, bytes);
        if (this.waiting.total > this.budget.maxBytes) this.budget.enforce(consumer);
      },
      leave: () => {
        open = false;
        this.budget.delete(consumer);
        this.waiting.forget(consumer);
      },
    };
  }
}
