/**
 * The targets the project promises (issue "npm run bench"), checked on a run's own figures. They
 * are benchmarks, not tests: a run reports whether it met them, and `null` where it did not measure.
 */
import { TRANSPORT_FACTS, type BenchTransport, type CeilingResult, type StepResult, type TargetCheck, type VariantResult } from './results.ts';
import { BENCH_REGISTRY } from './transports.ts';

/** The WebSocket chat server's light-load p50 may be at most this many times the raw ws baseline's. */
export const WS_TO_RAW_P50_LIMIT = 2;
/** The short-poll route must keep at least this share of the bare fastify route's requests per second. */
export const SHORT_POLL_TO_BARE_LIMIT = 0.8;
/** Clients the harness must hold without loss in a scale run, per transport. */
export const SCALE_CLIENTS_TARGET = 5000;

function find(steps: readonly StepResult[], transport: string): { step: StepResult; variant: VariantResult }[] {
  return steps.flatMap((step) => step.variants.filter((v) => v.variant.transport === transport).map((variant) => ({ step, variant })));
}

export function checkTargets(steps: readonly StepResult[], ceilings: readonly CeilingResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];

  const baseline = 'raw-ws';
  const chat = TRANSPORT_FACTS[baseline].baselineOf;
  const paired = steps.find((s) => s.variants.some((v) => v.variant.transport === chat) && s.variants.some((v) => v.variant.transport === baseline));
  const ws = paired?.variants.find((v) => v.variant.transport === chat);
  const raw = paired?.variants.find((v) => v.variant.transport === baseline);
  const ratio = ws && raw && raw.summary.figures['latency.p50'].median > 0 ? ws.summary.figures['latency.p50'].median / raw.summary.figures['latency.p50'].median : null;
  checks.push({
    name: 'WebSocket chat p50 against raw ws',
    value: ratio,
    target: `≤ ${WS_TO_RAW_P50_LIMIT}× the raw ws baseline's p50, same step`,
    pass: ratio === null ? null : ratio <= WS_TO_RAW_P50_LIMIT,
    note: paired ? `median over rounds of each p50, step "${paired.step.label}"` : 'no step ran both websocket and raw-ws',
  });

  const shortGet = ceilings.find((c) => c.target.startsWith('short-polling GET'));
  const r = shortGet?.ratioToBare ?? null;
  checks.push({
    name: 'short-poll route ceiling against bare fastify',
    value: r,
    target: `≥ ${SHORT_POLL_TO_BARE_LIMIT}× the bare fastify route's requests per second`,
    pass: r === null ? null : r >= SHORT_POLL_TO_BARE_LIMIT,
    note: shortGet ? `${Math.round(shortGet.requestsPerSecond.mean)} req/s, autocannon, ${shortGet.connections} connections` : 'ceilings were not measured',
  });

  // Every transport the registry holds to the scale target, in registry order.
  const scaled = Object.entries(BENCH_REGISTRY).flatMap(([transport, entry]) => (entry.scaleTarget ? [[transport as BenchTransport, entry.scaleTarget] as const] : []));
  for (const [transport, what] of scaled) {
    const big = find(steps, transport).filter(({ variant }) => Math.max(0, ...variant.trials.map((t) => t.clients)) >= SCALE_CLIENTS_TARGET);
    const lostAny = big.some(({ variant }) => variant.summary.lost > 0 || !variant.summary.ok);
    const clients = Math.max(0, ...big.flatMap(({ variant }) => variant.trials.map((t) => t.clients)));
    checks.push({
      name: `${SCALE_CLIENTS_TARGET.toLocaleString('en-US')} ${what} without loss`,
      value: big.length > 0 ? clients : null,
      target: `≥ ${SCALE_CLIENTS_TARGET} clients, nothing lost`,
      pass: big.length === 0 ? null : !lostAny,
      note: big.length === 0 ? 'no step of this run had that many clients (run --scenario scale)' : lostAny ? 'messages were lost or a trial failed' : `every round of ${big.length} step(s) delivered everything`,
    });
  }
  // A failover (issue 11): whatever fails, nothing acknowledged may be lost.
  const failovers = steps.flatMap((step) => step.variants.flatMap((v) => v.trials.flatMap((t) => (t.failover ? [{ variant: v.variant.id, failover: t.failover }] : []))));
  const lostAcked = failovers.reduce((n, f) => n + f.failover.lostAcknowledged + (f.failover.seqsAckedTwice ?? 0), 0);
  const slowest = Math.max(0, ...failovers.flatMap((f) => f.failover.faults.map((fault) => fault.recoveryMs ?? Number.POSITIVE_INFINITY)));
  checks.push({
    name: 'nothing acknowledged lost in a failover',
    value: failovers.length > 0 ? lostAcked : null,
    target: '0 acknowledged messages lost while an instance is killed and Redis restarted',
    pass: failovers.length === 0 ? null : lostAcked === 0,
    note:
      failovers.length === 0
        ? 'no failover ran (run --scenario failover)'
        : `${failovers.length} failover trial(s) of ${[...new Set(failovers.map((f) => f.variant))].join(', ')}; ${
            Number.isFinite(slowest) ? `every client received again within ${Math.round(slowest)} ms of each fault` : 'some client never received again after a fault'
          }`,
  });
  return checks;
}
