/**
 * The projection table's inputs, read from a results file, and its arithmetic (report/projection.js,
 * the very script the page runs, evaluated here in a context of its own). bench/METHOD.md, "Cost at
 * your scale, on paper".
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { factsOf, type BenchResults, type Spread, type VariantResult, type Workload } from '../bench/model/results.ts';
import { RSS_MIN_CLIENTS, variantName } from './select.ts';

export const PROJECTION_SCRIPT = new URL('./projection.js', import.meta.url);

/** What a reader describes: the defaults the page opens with. */
export interface Deployment {
  readonly users: number;
  readonly roomSize: number;
  readonly messagesPerUserPerMinute: number;
}

export const DEFAULT_DEPLOYMENT: Deployment = { users: 1_000_000, roomSize: 10, messagesPerUserPerMinute: 1 };

/** The figures a projection may use. */
export type ProjectedFigure = 'cpuUsPerDelivery' | 'rssPerClient' | 'requestsPerDelivery' | 'bytesPerDelivery';

/** One transport as measured: the step its projection rests on, and its figures there. */
export interface MeasuredTransport {
  readonly transport: string;
  /** The transport with its knobs, in prose. */
  readonly name: string;
  /** The step it rests on, in words: `long-polling: 5,070 clients (the last passing capacity step), 2 rounds`. */
  readonly basis: string;
  readonly clients: number;
  readonly members: number;
  readonly ratePerMember: number;
  /** It polls over HTTP: requests and bytes per delivery depend on the rate. */
  readonly http: boolean;
  /** Each figure's median and range across rounds; `null` where it cannot be used. */
  readonly figures: { readonly [K in ProjectedFigure]: Spread | null };
  /** Why a `null` figure cannot be used. */
  readonly missing: { readonly [K in ProjectedFigure]?: string };
}

export interface ProjectedCell {
  readonly value: number;
  readonly low: number;
  readonly high: number;
  /** The measured figure it scales (the median). */
  readonly per: number;
}

export interface Projection {
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly rows: readonly {
    readonly transport: string;
    readonly cores: ProjectedCell | null;
    readonly memoryBytes: ProjectedCell | null;
    readonly requestsPerSecond: ProjectedCell | null;
    readonly bytesPerSecond: ProjectedCell | null;
  }[];
}

/** The table as text, as the page shows it. */
export interface ProjectionTable {
  readonly totals: string;
  readonly head: readonly string[];
  readonly rows: readonly {
    readonly transport: string;
    readonly name: string;
    readonly basis: string;
    readonly caveats: readonly string[];
    readonly cells: readonly { readonly text: string; readonly formula: string; readonly missing: boolean }[];
  }[];
}

interface ProjectionApi {
  project(d: Deployment, measured: readonly MeasuredTransport[]): Projection;
  table(d: Deployment, measured: readonly MeasuredTransport[]): ProjectionTable;
  checkDeployment(d: Deployment): void;
}

let api: ProjectionApi | undefined;

/** The arithmetic of report/projection.js, loaded once. Its results are made plain objects of this realm. */
function projection(): ProjectionApi {
  if (!api) {
    const context: { chatProjection?: ProjectionApi } = {};
    runInNewContext(readFileSync(PROJECTION_SCRIPT, 'utf8'), context, { filename: PROJECTION_SCRIPT.pathname });
    const loaded = context.chatProjection as ProjectionApi;
    const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
    // Errors thrown in the other context are of its RangeError: give them ours, same message.
    const here = <T>(run: () => T): T => {
      try {
        return plain(run());
      } catch (error) {
        throw new RangeError((error as Error).message, { cause: error });
      }
    };
    api = {
      project: (d, m) => here(() => loaded.project(d, m)),
      table: (d, m) => here(() => loaded.table(d, m)),
      checkDeployment: (d) => here(() => loaded.checkDeployment(d)),
    };
  }
  return api;
}

/** What each transport would need for a deployment (numbers). */
export function project(d: Deployment, measured: readonly MeasuredTransport[]): Projection {
  return projection().project(d, measured);
}

/** The same as the page's table text. */
export function projectionTable(d: Deployment, measured: readonly MeasuredTransport[]): ProjectionTable {
  return projection().table(d, measured);
}

const clientsOf = (v: VariantResult): number => v.trials[0]?.clients ?? 0;
/**
 * A variant a projection may rest on: one that delivered everything. Rounds the generator limited
 * are kept: the projection scales CPU, RSS, requests and bytes per message, which the generator's
 * lateness cannot change (only latency, which it does not project, could).
 */
const trusted = (v: VariantResult): boolean => v.summary.ok;

/** A transport's figures at the step it rests on. */
function measuredAt(v: VariantResult, workload: Workload, basis: string): MeasuredTransport {
  const clients = clientsOf(v);
  const f = v.summary.figures;
  const notMeasured = new Set(v.summary.notMeasured ?? []);
  const missing: { -readonly [K in ProjectedFigure]?: string } = {};
  const usable = (key: ProjectedFigure, spread: Spread, why: string | undefined): Spread | null => {
    if (why === undefined && Number.isFinite(spread.median)) return spread;
    missing[key] = why ?? 'not measured in this run';
    return null;
  };
  const serverWhy = notMeasured.has('perDelivered.serverCpuUs') ? 'the server’s CPU was not measured (a --target run without --target-pid)' : undefined;
  const peak = v.trials.some((t) => t.server?.rssIsPeak === true);
  const rssWhy = notMeasured.has('server.perClientRssBytes')
    ? 'the server’s RSS was not measured (a --target run without --target-pid)'
    : clients < RSS_MIN_CLIENTS
      ? `RSS per client is not meaningful below ${RSS_MIN_CLIENTS.toLocaleString('en-US')} clients (this step had ${clients.toLocaleString('en-US')}); run --scenario capacity or scale`
      : peak
        ? 'RSS was read as a peak at the fd limit (an upper bound, not a reading)'
        : undefined;
  return {
    transport: v.variant.transport,
    name: variantName(v),
    basis,
    clients,
    members: workload.members,
    ratePerMember: workload.ratePerMember,
    http: factsOf(v.variant.transport)?.http === true,
    figures: {
      cpuUsPerDelivery: usable('cpuUsPerDelivery', f['perDelivered.serverCpuUs'], serverWhy),
      rssPerClient: usable('rssPerClient', f['server.perClientRssBytes'], rssWhy),
      requestsPerDelivery: usable('requestsPerDelivery', f['perDelivered.requests'], undefined),
      bytesPerDelivery: usable('bytesPerDelivery', f['perDelivered.bytes'], undefined),
    },
    missing,
  };
}

const rounds = (v: VariantResult): string => `${v.summary.rounds} round${v.summary.rounds === 1 ? '' : 's'}`;

/**
 * Per chat transport of a run, the step a projection rests on: in a capacity run the last passing
 * step of its search (the most it served within the SLO); otherwise the step with the most clients
 * where it delivered everything. A transport with no such step is left out
 * ({@link projectionLeftOut} says why): there is nothing trustworthy to scale.
 */
export function projectionInputs(results: BenchResults): MeasuredTransport[] {
  const out: MeasuredTransport[] = [];
  for (const c of results.capacity ?? []) {
    const last = c.steps.find((s) => s.pass && s.clients === c.lastPass && s.result);
    const template = results.config.scenario.steps[0];
    if (!last?.result || !template) continue;
    const basis = `${last.clients.toLocaleString('en-US')} clients, the last passing step of its capacity search (${rounds(last.result)})`;
    out.push(measuredAt(last.result, { ...template.workload, rooms: last.clients / template.workload.members }, basis));
  }
  const best = new Map<string, { v: VariantResult; workload: Workload; label: string }>();
  for (const step of results.steps) {
    for (const v of step.variants) {
      if (factsOf(v.variant.transport)?.group === 'baseline' || v.variant.keepAlive === false || !trusted(v)) continue;
      const had = best.get(v.variant.transport);
      if (!had || clientsOf(v) > clientsOf(had.v)) best.set(v.variant.transport, { v, workload: step.step.workload, label: step.step.label });
    }
  }
  for (const { v, workload, label } of best.values()) {
    if (out.some((m) => m.transport === v.variant.transport)) continue;
    out.push(measuredAt(v, workload, `${clientsOf(v).toLocaleString('en-US')} clients, step “${label}” (${rounds(v)})`));
  }
  return out;
}

/** The chat transports of a run that have no projection row, each with why, in words. */
export function projectionLeftOut(results: BenchResults, measured: readonly MeasuredTransport[]): { readonly name: string; readonly why: string }[] {
  const out = new Map<string, { name: string; why: string }>();
  for (const step of results.steps) {
    for (const v of step.variants) {
      if (factsOf(v.variant.transport)?.group === 'baseline' || v.variant.keepAlive === false) continue;
      if (measured.some((m) => m.transport === v.variant.transport) || out.has(v.variant.transport)) continue;
      out.set(v.variant.transport, { name: variantName(v), why: 'it lost or mis-delivered messages in every step it ran, so its costs are not those of a working chat' });
    }
  }
  return [...out.values()];
}

/**
 * How much of a core the busiest server of the run used, and whether it was measured: what a
 * projection's cores column is held against, in the server's own measured terms.
 */
export function busiestServer(results: BenchResults): { readonly share: number; readonly name: string } | undefined {
  let busiest: { share: number; name: string } | undefined;
  for (const step of results.steps) {
    for (const v of step.variants) {
      if (factsOf(v.variant.transport)?.group === 'baseline' || (v.summary.notMeasured ?? []).includes('server.cpuShare')) continue;
      const share = v.summary.figures['server.cpuShare'].max;
      if (Number.isFinite(share) && (busiest === undefined || share > busiest.share)) busiest = { share, name: variantName(v) };
    }
  }
  return busiest;
}
