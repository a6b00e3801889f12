/**
 * Several instances of each transport on a backplane (issue 11): which instance each simulated
 * member talks to, the checks of `--instances`, `--backplane` and `--redis-url` against a scenario,
 * and the server flags an instance is started with. Pure: no process is started here.
 */
import { LOOPBACK_ONLY, isLoopback } from '../../servers/common/command-line/index.ts';
import { TRANSPORT_FACTS, type Cluster, type Scenario, type Step } from '../model/results.ts';

export const BACKPLANES = ['memory', 'redis'] as const;
export type BackplaneKind = (typeof BACKPLANES)[number];

/** One process on the memory backplane: what a step without a cluster runs. */
export const SINGLE: Cluster = { instances: 1, backplane: 'memory' };

/** The cluster a step runs. */
export function clusterOf(step: Step): Cluster {
  return step.cluster ?? SINGLE;
}

/**
 * The instance member `member` of a room talks to: `member mod instances`, so that the members of
 * every room are spread over every instance and most deliveries cross the broker (with N
 * instances, a message posted on one reaches (N−1)/N of its room through the backplane).
 */
export function instanceOf(member: number, instances: number): number {
  if (!Number.isInteger(instances) || instances < 1) throw new RangeError(`instances must be a positive integer, got ${instances}`);
  return member % instances;
}

/**
 * The URL list a member is given: its own instance first, then the others in order after it, so
 * that when its instance dies the members of the dead one move to the next instances in turn.
 */
export function urlsFor(member: number, urls: readonly string[]): string[] {
  const first = instanceOf(member, urls.length);
  return [...urls.slice(first), ...urls.slice(0, first)];
}

/** What the command line says of the cluster; each absent unless given. */
export interface ClusterOverrides {
  readonly instances?: number;
  readonly backplane?: string;
}

/**
 * Checks a cluster: more than one instance needs a shared backplane; a failover needs three
 * instances or more on Redis. Throws an Error naming the option.
 */
export function checkCluster(cluster: Cluster, where: string, step?: Step): Cluster {
  if (cluster.instances > 1 && cluster.backplane === 'memory') {
    throw new Error(
      `--instances ${cluster.instances} needs --backplane redis (${where}): instances on the memory backplane share nothing, so a room spread over them would not be one room`,
    );
  }
  if (cluster.backplane !== 'memory' && step?.variants.some((v) => isBaseline(v.transport))) {
    throw new Error(`${where}: a baseline (${step.variants.filter((v) => isBaseline(v.transport)).map((v) => v.id).join(', ')}) has no backplane; run it on memory`);
  }
  if (cluster.fault === 'failover' && (cluster.backplane !== 'redis' || cluster.instances < 2)) {
    throw new Error(`${where}: a failover kills one instance and restarts Redis, so it needs --backplane redis and 2 instances or more (it runs 3)`);
  }
  return cluster;
}

/**
 * A step with the command line's cluster applied. A step that sets its own cluster (the scale-out
 * and failover scenarios vary it) refuses an override of what it sets.
 */
export function applyClusterOverrides(step: Step, o: ClusterOverrides, scenario: string): Step {
  if (o.instances === undefined && o.backplane === undefined) return step;
  if (o.backplane !== undefined && !(BACKPLANES as readonly string[]).includes(o.backplane)) {
    throw new Error(`--backplane must be one of ${BACKPLANES.join(', ')}, got ${JSON.stringify(o.backplane)}`);
  }
  if (step.cluster) {
    const given = [o.instances !== undefined ? '--instances' : '', o.backplane !== undefined ? '--backplane' : ''].filter(Boolean).join(' and ');
    // Giving what the step already runs is no conflict; anything else is.
    if ((o.instances ?? step.cluster.instances) !== step.cluster.instances || (o.backplane ?? step.cluster.backplane) !== step.cluster.backplane) {
      throw new Error(`${given} cannot be used with scenario ${scenario}: it sets the instances and backplane of every step itself`);
    }
    return step;
  }
  const cluster: Cluster = { instances: o.instances ?? 1, backplane: (o.backplane as BackplaneKind | undefined) ?? 'memory' };
  checkCluster(cluster, `scenario ${scenario}`);
  // A baseline keeps no contract and has no backplane: it runs only as one process on memory.
  const variants = cluster.backplane === 'memory' ? step.variants : step.variants.filter((v) => !isBaseline(v.transport));
  return { ...step, cluster, variants };
}

/** A baseline (raw ws): no contract, no backplane. */
export function isBaseline(transport: keyof typeof TRANSPORT_FACTS): boolean {
  return TRANSPORT_FACTS[transport].group === 'baseline';
}

/** The steps of a scenario that need Redis, and whether any restarts it. */
export function brokerNeeds(scenario: Scenario): { readonly redis: boolean; readonly restarts: boolean } {
  const clusters = scenario.steps.map(clusterOf);
  return { redis: clusters.some((c) => c.backplane === 'redis'), restarts: clusters.some((c) => c.fault === 'failover') };
}

/**
 * `--redis-url`: a redis:// URL of this machine, host and port only. Returns it normalised;
 * throws an Error naming the option.
 */
export function parseRedisUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--redis-url ${JSON.stringify(text)} is not a URL; give one like redis://127.0.0.1:6379`);
  }
  if (url.protocol !== 'redis:') throw new Error(`--redis-url ${JSON.stringify(text)} must be a redis:// URL (TLS and sockets are not supported)`);
  if (!isLoopback(url.hostname)) throw new Error(`--redis-url ${JSON.stringify(text)} ${LOOPBACK_ONLY}`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new Error(`--redis-url ${JSON.stringify(text)} must be redis://HOST:PORT, without a database, user, password or query`);
  }
  if (url.port === '') throw new Error(`--redis-url ${JSON.stringify(text)} must name its port (redis://127.0.0.1:6379)`);
  return `redis://${url.host}`;
}

/**
 * Checks `--redis-url` against what the scenario needs: a URL only where a step runs on Redis, and
 * none for a failover, which restarts the Redis it runs on. Throws an Error naming the option.
 */
export function checkRedisUrl(scenario: Scenario, redisUrl: string): string | undefined {
  if (redisUrl === '') return undefined;
  const needs = brokerNeeds(scenario);
  if (!needs.redis) throw new Error(`--redis-url is for steps on Redis: give --backplane redis too (scenario ${scenario.name} runs on the memory backplane)`);
  if (needs.restarts) {
    throw new Error(`--redis-url cannot be used with scenario ${scenario.name}: it restarts Redis, so it needs a redis-server the bench starts itself; leave --redis-url out`);
  }
  return parseRedisUrl(redisUrl);
}

/** The server flag of a backplane: `--backplane memory` or `--backplane redis://…`. */
export function backplaneFlags(cluster: Cluster, redisUrl: string | undefined): string[] {
  if (cluster.backplane === 'memory') return [];
  if (!redisUrl) throw new Error('unreachable: a step on Redis runs with a Redis URL');
  return ['--backplane', redisUrl];
}
