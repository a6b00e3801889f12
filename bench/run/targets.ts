/**
 * The targets the project promises (issue "npm run bench"), checked on a run's own figures. They
 * are benchmarks, not tests: a run reports whether it met them, and `null` where it did not measure.
 */
import { TRANSPORTS } from '../../servers/contract/index.ts';
import { TRANSPORT_FACTS, type BenchTransport, type CeilingResult, type FigureKey, type StepResult, type TargetCheck, type VariantResult } from '../model/results.ts';
import { BENCH_REGISTRY, type BenchEntry } from '../transports.ts';
import { figureValue } from '../model/aggregate.ts';
import { NOISE_ALPHA, mannWhitney, smallestP } from '../model/mann-whitney.ts';

/**
 * The WebSocket chat server's light-load p50 may be at most this many times the raw ws baseline's
 * (issue 21's goal: a server as fast as its library; the project promised 2× before).
 */
export const WS_TO_RAW_P50_LIMIT = 1.1;
/** The short-poll GET route must keep at least this share of the bare fastify route's requests per second (issue 21; 0.8 before). */
export const SHORT_POLL_TO_BARE_LIMIT = 0.95;
/** The short-poll POST route, against the bare fastify POST (issue 21). */
export const SHORT_POST_TO_BARE_LIMIT = 0.9;
export { SSE_TO_WS_LIMIT } from '../transports.ts';
/** Clients the harness must hold without loss in a scale run, per transport. */
export const SCALE_CLIENTS_TARGET = 5000;
/** WebSocket clients one server process must hold, connected and receiving without loss. */
export const WS_CONNECTIONS_TARGET = 19_000;
/** Clients of the step where the generator's CPU per delivered message is held to the server's. */
export const GENERATOR_COST_CLIENTS = 1000;

/** Met, missed, or within the noise of the rounds: a target's verdict, with why when the rounds cannot tell. */
export interface RoundsVerdict {
  readonly pass: boolean | null;
  readonly noise?: string;
}

/**
 * Whether per-round `values` keep to per-round `bounds` (`at most` or `at least` them), with the
 * CI gate's noise test (report/compare.ts): with enough rounds for the rank test to reach
 * {@link NOISE_ALPHA}, met or missed only when it says the rounds lie on that side beyond the
 * noise; with fewer, met or missed only when the ranges across rounds do not overlap (a single
 * round each is then a plain comparison). Otherwise within noise, saying why.
 */
export function judgeRounds(values: readonly number[], bounds: readonly number[], direction: 'at most' | 'at least'): RoundsVerdict {
  const n = bounds.length;
  const m = values.length;
  if (smallestP(n, m) <= NOISE_ALPHA) {
    const test = mannWhitney(bounds, values);
    const [good, bad] = direction === 'at most' ? [test.pLess, test.pGreater] : [test.pGreater, test.pLess];
    if (good <= NOISE_ALPHA) return { pass: true };
    if (bad <= NOISE_ALPHA) return { pass: false };
    return { pass: null, noise: `the rank test over ${m} and ${n} rounds cannot tell it from noise (one-sided p ≥ ${NOISE_ALPHA})` };
  }
  const [lowV, highV, lowB, highB] = [Math.min(...values), Math.max(...values), Math.min(...bounds), Math.max(...bounds)];
  const met = direction === 'at most' ? highV <= lowB : lowV >= highB;
  const missed = direction === 'at most' ? lowV > highB : highV < lowB;
  if (met) return { pass: true };
  if (missed) return { pass: false };
  return { pass: null, noise: `the ranges across rounds overlap, and ${m} and ${n} rounds are too few for the rank test to tell` };
}

/** A check with its verdict from {@link judgeRounds}. */
function judged(check: Omit<TargetCheck, 'pass' | 'noise'>, verdict: RoundsVerdict): TargetCheck {
  return { ...check, pass: verdict.pass, ...(verdict.noise === undefined ? {} : { noise: verdict.noise }) };
}

/** A figure's value in each round of a variant that may judge it: a latency without the rounds the generator limited. */
function roundValues(v: VariantResult, key: FigureKey): number[] {
  const rounds = key.startsWith('latency.') ? v.trials.filter((t) => !t.generator.bound) : v.trials;
  return rounds.flatMap((t) => figureValue(t, key) ?? []);
}

/**
 * Whether `v` is a variant of `transport` that the targets may judge: the targets are the servers'
 * and the generator's, measured with Node members; a browser member's figures carry Chromium's own
 * costs (bench/METHOD.md, "Browser members").
 */
function judges(v: VariantResult, transport: string): boolean {
  return v.variant.transport === transport && v.variant.clients !== 'browser';
}

function find(steps: readonly StepResult[], transport: string): { step: StepResult; variant: VariantResult }[] {
  return steps.flatMap((step) => step.variants.filter((v) => judges(v, transport)).map((variant) => ({ step, variant })));
}

export function checkTargets(steps: readonly StepResult[], ceilings: readonly CeilingResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];

  const baseline = 'raw-ws';
  const chat = TRANSPORT_FACTS[baseline].baselineOf;
  const paired = steps.find((s) => s.variants.some((v) => judges(v, chat)) && s.variants.some((v) => judges(v, baseline)));
  const ws = paired?.variants.find((v) => judges(v, chat));
  const raw = paired?.variants.find((v) => judges(v, baseline));
  const ratio = ws && raw && raw.summary.figures['latency.p50'].median > 0 ? ws.summary.figures['latency.p50'].median / raw.summary.figures['latency.p50'].median : null;
  const wsRounds = ws ? roundValues(ws, 'latency.p50') : [];
  const rawRounds = raw ? roundValues(raw, 'latency.p50').map((p50) => p50 * WS_TO_RAW_P50_LIMIT) : [];
  checks.push(
    judged(
      {
        name: 'WebSocket chat p50 against raw ws',
        value: ratio,
        target: `≤ ${WS_TO_RAW_P50_LIMIT}× the raw ws baseline's p50, same step`,
        note: paired ? `median over rounds of each p50, step "${paired.step.label}"` : 'no step ran both websocket and raw-ws',
      },
      ratio === null ? { pass: null } : wsRounds.length > 0 && rawRounds.length > 0 ? judgeRounds(wsRounds, rawRounds, 'at most') : judgeRounds([ratio], [WS_TO_RAW_P50_LIMIT], 'at most'),
    ),
  );

  checks.push(ceilingTarget(ceilings, 'GET', 'short-poll route ceiling against bare fastify', SHORT_POLL_TO_BARE_LIMIT));
  checks.push(ceilingTarget(ceilings, 'POST', 'short-poll POST ceiling against bare fastify', SHORT_POST_TO_BARE_LIMIT));
  // Every ratio a transport's registry entry holds it to, in registry order.
  for (const [transport, entry] of Object.entries(BENCH_REGISTRY) as [BenchTransport, BenchEntry<BenchTransport>][]) {
    for (const { against, figure, limit, name, what } of entry.ratioTargets ?? []) checks.push(ratioTarget(steps, transport, against, figure, limit, name, what));
  }

  // Every transport the registry holds to the scale target, in registry order.
  const scaled = Object.entries(BENCH_REGISTRY).flatMap(([transport, entry]) => (entry.scaleTarget ? [[transport as BenchTransport, entry.scaleTarget] as const] : []));
  for (const [transport, { what, generatorFree = false }] of scaled) {
    const big = atLeast(steps, transport, SCALE_CLIENTS_TARGET);
    const lostAny = big.some(({ variant }) => variant.summary.lost > 0 || !variant.summary.ok);
    const boundAny = generatorFree && big.some(({ variant }) => variant.summary.generatorBound);
    const clients = Math.max(0, ...big.flatMap(({ variant }) => variant.trials.map((t) => t.clients)));
    checks.push({
      name: `${SCALE_CLIENTS_TARGET.toLocaleString('en-US')} ${what} without loss${generatorFree ? ', generator not the bottleneck' : ''}`,
      value: big.length > 0 ? clients : null,
      target: `≥ ${SCALE_CLIENTS_TARGET} clients, nothing lost${generatorFree ? ', generator not the bottleneck' : ''}`,
      pass: big.length === 0 ? null : !lostAny && !boundAny,
      note:
        big.length === 0
          ? 'no step of this run had that many clients (run --scenario scale)'
          : lostAny
            ? 'messages were lost or a trial failed'
            : boundAny
              ? 'the generator was the bottleneck in some round'
              : `every round of ${big.length} step(s) delivered everything`,
    });
  }
  // A failover (issue 11): whatever fails, nothing acknowledged may be lost. The target holds this
  // project's servers; Socket.IO on its own Redis adapters is measured beside them, not held to it.
  const allFailovers = steps.flatMap((step) => step.variants.flatMap((v) => v.trials.flatMap((t) => (t.failover ? [{ variant: v.variant, failover: t.failover }] : []))));
  const failovers = allFailovers.filter((f) => f.variant.adapter === undefined);
  const adapters = allFailovers.filter((f) => f.variant.adapter !== undefined);
  const lostOf = (list: typeof allFailovers): number => list.reduce((n, f) => n + f.failover.lostAcknowledged + (f.failover.seqsAckedTwice ?? 0), 0);
  const lostAcked = lostOf(failovers);
  const idsOf = (list: typeof allFailovers): string => [...new Set(list.map((f) => f.variant.id))].join(', ');
  const slowest = Math.max(0, ...failovers.flatMap((f) => f.failover.faults.map((fault) => fault.recoveryMs ?? Number.POSITIVE_INFINITY)));
  checks.push({
    name: 'nothing acknowledged lost in a failover',
    value: failovers.length > 0 ? lostAcked : null,
    target: '0 acknowledged messages lost while an instance is killed and Redis restarted',
    pass: failovers.length === 0 ? null : lostAcked === 0,
    note:
      failovers.length === 0
        ? 'no failover ran (run --scenario failover)'
        : `${failovers.length} failover trial(s) of ${idsOf(failovers)}; ${
            Number.isFinite(slowest) ? `every client received again within ${Math.round(slowest)} ms of each fault` : 'some client never received again after a fault'
          }${adapters.length > 0 ? `; not held to it, Socket.IO on its own Redis adapters (${idsOf(adapters)}): ${lostOf(adapters)} acknowledged lost` : ''}`,
  });

  checks.push(connectionsTarget(steps));
  for (const transport of TRANSPORTS) checks.push(generatorCostTarget(steps, transport));
  return checks;
}

/** A chat route's ceiling against the bare fastify route of the same method, at least `limit` of it. */
function ceilingTarget(ceilings: readonly CeilingResult[], method: 'GET' | 'POST', name: string, limit: number): TargetCheck {
  const chat = ceilings.find((c) => c.target.startsWith(`short-polling ${method}`));
  const bare = ceilings.find((c) => c.target.startsWith(`bare fastify ${method}`));
  const r = chat?.ratioToBare ?? null;
  const rounds = (c: CeilingResult): readonly number[] => c.rounds ?? [c.requestsPerSecond.mean];
  return judged(
    {
      name,
      value: r,
      target: `≥ ${limit}× the bare fastify route's requests per second`,
      note: chat
        ? `${Math.round(chat.requestsPerSecond.mean)} req/s, autocannon, ${chat.connections} connections` +
          (bare ? `; rounds: ${rounds(chat).map(Math.round).join(', ')} against the bare route's ${rounds(bare).map(Math.round).join(', ')}` : '')
        : 'ceilings were not measured',
    },
    r === null || !chat ? { pass: null } : bare ? judgeRounds(rounds(chat), rounds(bare).map((rps) => rps * limit), 'at least') : judgeRounds([r], [limit], 'at least'),
  );
}

/**
 * One transport's figure against another's in the first step that ran both, at most `limit` times
 * it: the medians' ratio, judged round by round with the gate's noise test.
 */
function ratioTarget(steps: readonly StepResult[], transport: BenchTransport, against: BenchTransport, key: FigureKey, limit: number, name: string, what: string): TargetCheck {
  const step = steps.find((s) => s.variants.some((v) => judges(v, transport)) && s.variants.some((v) => judges(v, against)));
  const a = step?.variants.find((v) => judges(v, transport));
  const b = step?.variants.find((v) => judges(v, against));
  const [aRounds, bRounds] = [a ? roundValues(a, key) : [], b ? roundValues(b, key) : []];
  const [aMedian, bMedian] = [a?.summary.figures[key].median, b?.summary.figures[key].median];
  const ratio = aMedian !== undefined && bMedian !== undefined && bMedian > 0 && aRounds.length > 0 && bRounds.length > 0 ? aMedian / bMedian : null;
  return judged(
    {
      name,
      value: ratio,
      target: `≤ ${limit}× ${what}, same step`,
      note: step ? `medians over rounds, step "${step.step.label}"` : `no step ran both ${transport} and ${against}`,
    },
    ratio === null ? { pass: null } : judgeRounds(aRounds, bRounds.map((x) => x * limit), 'at most'),
  );
}

/** The variants of a transport in steps where some round had at least `clients` clients. */
function atLeast(steps: readonly StepResult[], transport: string, clients: number): { step: StepResult; variant: VariantResult }[] {
  return find(steps, transport).filter(({ variant }) => Math.max(0, ...variant.trials.map((t) => t.clients)) >= clients);
}

/** 19,000 WebSocket clients on one server process (several generator processes), nothing lost. */
function connectionsTarget(steps: readonly StepResult[]): TargetCheck {
  const big = atLeast(steps, 'websocket', WS_CONNECTIONS_TARGET);
  const trials = big.flatMap(({ variant }) => variant.trials);
  const limited = trials.find((t) => t.limit);
  const failed = big.some(({ variant }) => variant.summary.lost > 0 || !variant.summary.ok);
  const processes = Math.max(0, ...trials.map((t) => t.generator.processes));
  return {
    name: `${WS_CONNECTIONS_TARGET.toLocaleString('en-US')} WebSocket clients on one server process`,
    value: big.length > 0 ? Math.max(...trials.map((t) => t.clients)) : null,
    target: `≥ ${WS_CONNECTIONS_TARGET} clients connected and receiving, nothing lost`,
    pass: big.length === 0 ? null : !failed,
    note:
      big.length === 0
        ? 'no step of this run had that many WebSocket clients (run --scenario scale)'
        : limited
          ? limited.problems.join('; ')
          : failed
            ? `messages were lost or a trial failed (${[...new Set(trials.flatMap((t) => t.problems))].join('; ')})`
            : `every round delivered everything, over ${processes} generator processes`,
  };
}

/** The generator's CPU per delivered message at most the server's, at 1,000 clients, for one transport. */
function generatorCostTarget(steps: readonly StepResult[], transport: string): TargetCheck {
  const at = find(steps, transport).filter(({ variant }) => variant.trials.some((t) => t.clients === GENERATOR_COST_CLIENTS));
  const measured = at.filter(({ variant }) => !['perDelivered.generatorCpuUs', 'perDelivered.serverCpuUs'].some((k) => variant.summary.notMeasured?.includes(k as FigureKey)));
  const first = measured[0];
  const figures = first?.variant.summary.figures;
  const [gen, server] = figures ? [figures['perDelivered.generatorCpuUs'].median, figures['perDelivered.serverCpuUs'].median] : [NaN, NaN];
  const ratio = figures && server > 0 ? gen / server : null;
  const fmt = (us: number): string => `${us.toFixed(1)} µs`;
  const genRounds = first ? roundValues(first.variant, 'perDelivered.generatorCpuUs') : [];
  const serverRounds = first ? roundValues(first.variant, 'perDelivered.serverCpuUs') : [];
  const verdict = ratio === null ? { pass: null } : genRounds.length > 0 && serverRounds.length > 0 ? judgeRounds(genRounds, serverRounds, 'at most') : judgeRounds([ratio], [1], 'at most');
  return judged({
    name: `generator CPU per message against the server's, ${transport}, ${GENERATOR_COST_CLIENTS.toLocaleString('en-US')} clients`,
    value: ratio,
    target: "≤ 1× the server's CPU per delivered message",
    note: first
      ? `generator ${fmt(gen)}, server ${fmt(server)} per delivered message (medians over rounds), step "${first.step.step.label}"`
      : at.length > 0
        ? "the server's or the generator's CPU was not measured"
        : `no step of this run had ${GENERATOR_COST_CLIENTS.toLocaleString('en-US')} ${transport} clients (run --scenario scale)`,
  }, verdict);
}
