/**
 * The capacity step search with a fake trial: the exact steps it tries, where it stops and why,
 * for every kind of failure, the cap, and a first step that fails.
 */
import { describe, expect, it } from 'vitest';
import { checkSearchOptions, searchCapacity, type Failure, type FailureKind, type Outcome, type SearchOptions } from '../../bench/capacity/search.ts';
import { stopOf } from '../../bench/model/capacity-words.ts';

const PASS: Outcome = { pass: true, failures: [] };
const fails = (...kinds: FailureKind[]): Outcome => ({ pass: false, failures: kinds.map((kind): Failure => ({ kind, detail: `${kind} failed` })) });

/** A fake transport: passes up to `most` clients, then fails with what `above` says. */
function fakeTrial(most: number, above: (clients: number) => Outcome = () => fails('latency')): { trial: (clients: number) => Promise<Outcome>; tried: number[] } {
  const tried: number[] = [];
  return {
    tried,
    trial: async (clients) => {
      tried.push(clients);
      return clients <= most ? PASS : above(clients);
    },
  };
}

const OPTIONS: SearchOptions = { startClients: 100, maxClients: 20_000, unit: 10, resolution: 0.1 };

describe('searchCapacity', () => {
  it('steps up by 1.5 in whole rooms, then halves the interval until it is within 10% of the last pass', async () => {
    const fake = fakeTrial(1000);
    const result = await searchCapacity(fake.trial, OPTIONS);
    // Rooms 10, 15, 23, 35, 53, 80, 120 (each ⌈×1.5⌉); then between 80 and 120 rooms: 100 (pass), 110 (fail), and 110 − 100 ≤ 10% of 100.
    expect(fake.tried).toEqual([100, 150, 230, 350, 530, 800, 1200, 1000, 1100]);
    expect(result.steps.map((s) => [s.clients, s.phase, s.outcome.pass])).toEqual([
      [100, 'up', true],
      [150, 'up', true],
      [230, 'up', true],
      [350, 'up', true],
      [530, 'up', true],
      [800, 'up', true],
      [1200, 'up', false],
      [1000, 'halving', true],
      [1100, 'halving', false],
    ]);
    expect(result).toMatchObject({ lastPass: 1000, firstFail: 1100, stop: 'failed', cause: [{ kind: 'latency', detail: 'latency failed' }] });
  });

  it('halves fewer times with a coarser resolution (the --quick one), and not at all at 50%', async () => {
    const quarter = fakeTrial(1000);
    expect((await searchCapacity(quarter.trial, { ...OPTIONS, resolution: 0.25 })).firstFail).toBe(1200);
    expect(quarter.tried).toEqual([100, 150, 230, 350, 530, 800, 1200, 1000]);
    const half = fakeTrial(1000);
    const result = await searchCapacity(half.trial, { ...OPTIONS, resolution: 0.5 });
    expect(half.tried).toEqual([100, 150, 230, 350, 530, 800, 1200]);
    expect(result).toMatchObject({ lastPass: 800, firstFail: 1200, stop: 'failed' });
  });

  it('never halves at 50%, even where rounding up to whole rooms made the last step up a little more than ×1.5', async () => {
    const fake = fakeTrial(5070, () => fails('generator'));
    const result = await searchCapacity(fake.trial, { ...OPTIONS, startClients: 1000, resolution: 0.5 });
    // 507 rooms × 1.5 = 760.5, so 761 rooms: 254 more, ⌈50% of 507⌉ = 254.
    expect(fake.tried).toEqual([1000, 1500, 2250, 3380, 5070, 7610]);
    expect(result).toMatchObject({ lastPass: 5070, firstFail: 7610, stop: 'generator' });
  });

  it('stops halving at one room even when the resolution asks for less', async () => {
    const fake = fakeTrial(25);
    const result = await searchCapacity(fake.trial, { startClients: 10, maxClients: 1000, unit: 10, resolution: 0.001 });
    // Rooms 1, 2, 3 (fail); then 2 to 3 is one room: nothing to halve.
    expect(fake.tried).toEqual([10, 20, 30]);
    expect(result).toMatchObject({ lastPass: 20, firstFail: 30, stop: 'failed' });
  });

  it('grows by at least one room a step, and rounds the start up to whole rooms', async () => {
    const fake = fakeTrial(12);
    await searchCapacity(fake.trial, { startClients: 1, maxClients: 100, unit: 1, resolution: 0.5 });
    expect(fake.tried).toEqual([1, 2, 3, 5, 8, 12, 18]);
    const rounded = fakeTrial(0);
    await searchCapacity(rounded.trial, { ...OPTIONS, startClients: 95 });
    expect(rounded.tried[0]).toBe(100);
  });

  it('stops at the cap when every step passes, and says the capacity is at least the cap', async () => {
    const fake = fakeTrial(Infinity);
    const result = await searchCapacity(fake.trial, { ...OPTIONS, maxClients: 505 });
    // The cap rounds down to 50 rooms: 35 × 1.5 would be 53.
    expect(fake.tried).toEqual([100, 150, 230, 350, 500]);
    expect(result).toMatchObject({ lastPass: 500, firstFail: null, stop: 'max-clients', cause: [] });
  });

  it('steps down by 1.5 from a start that fails until a step passes, then halves as above', async () => {
    const fake = fakeTrial(25, () => fails('loss'));
    const result = await searchCapacity(fake.trial, OPTIONS);
    // Rooms 10 (fail), then ⌊10 / 1.5⌋ = 6 (fail), 4 (fail), 2 (pass); between 2 and 4 rooms: 3 (fail), and 3 − 2 ≤ 1 room.
    expect(result.steps.map((s) => [s.clients, s.phase, s.outcome.pass])).toEqual([
      [100, 'up', false],
      [60, 'down', false],
      [40, 'down', false],
      [20, 'down', true],
      [30, 'halving', false],
    ]);
    expect(result).toMatchObject({ lastPass: 20, firstFail: 30, stop: 'failed', cause: [{ kind: 'loss' }] });
  });

  it('says below-start, with what failed, when not even one room passes', async () => {
    const fake = fakeTrial(5, () => fails('generator'));
    const result = await searchCapacity(fake.trial, { ...OPTIONS, startClients: 30 });
    // Rooms 3, 2, 1: at least one room fewer each step, down to one room.
    expect(fake.tried).toEqual([30, 20, 10]);
    expect(result).toMatchObject({ lastPass: null, firstFail: 10, stop: 'below-start', cause: [{ kind: 'generator' }] });
  });

  it.each([
    ['latency', 'failed'],
    ['loss', 'failed'],
    ['server-cpu', 'failed'],
    ['generator', 'generator'],
    ['fd-limit', 'fd-limit'],
    ['error', 'error'],
  ] as const)('a %s failure stops the search as %s, after the same halving', async (kind, stop) => {
    const fake = fakeTrial(1000, () => fails(kind));
    const result = await searchCapacity(fake.trial, OPTIONS);
    expect(fake.tried).toEqual([100, 150, 230, 350, 530, 800, 1200, 1000, 1100]);
    expect(result).toMatchObject({ lastPass: 1000, firstFail: 1100, stop, cause: [{ kind }] });
  });

  it('names the cause of the fewest clients that failed: a latency failure below a generator-bound step is the verdict', async () => {
    const fake = fakeTrial(1000, (clients) => (clients >= 1200 ? fails('generator') : fails('latency')));
    const result = await searchCapacity(fake.trial, OPTIONS);
    expect(result).toMatchObject({ lastPass: 1000, firstFail: 1100, stop: 'failed', cause: [{ kind: 'latency' }] });
  });

  it('keeps a generator-bound first fail when every step below it passes: the capacity is then a lower bound', async () => {
    const fake = fakeTrial(1150, () => fails('generator', 'latency'));
    const result = await searchCapacity(fake.trial, OPTIONS);
    expect(result.stop).toBe('generator');
    expect(result.cause.map((f) => f.kind)).toEqual(['generator', 'latency']);
  });
});

describe('stopOf', () => {
  it('puts what could not be judged before a verdict', () => {
    expect(stopOf(fails('latency', 'loss', 'server-cpu').failures)).toBe('failed');
    expect(stopOf(fails('latency', 'generator').failures)).toBe('generator');
    expect(stopOf(fails('generator', 'error').failures)).toBe('error');
    expect(stopOf(fails('error', 'fd-limit', 'generator').failures)).toBe('fd-limit');
  });
});

describe('checkSearchOptions', () => {
  it.each([
    [{ unit: 0 }, /unit \(clients per room\) must be a whole number ≥ 1, got 0/],
    [{ startClients: 5 }, /the start \(5 clients\) must be at least one room of 10/],
    [{ maxClients: 50 }, /the most clients \(50\) must be at least the start \(100\)/],
    [{ resolution: 0 }, /the resolution must be a share above 0, got 0/],
    [{ factor: 1 }, /the step factor must be above 1, got 1/],
  ])('refuses %o', (change, message) => {
    expect(() => checkSearchOptions({ ...OPTIONS, ...change })).toThrow(message);
  });
});
