/**
 * The report's section on instances and the broker (issue 11): what each instance and Redis cost
 * per message, step by step, and a failover's accounting of what was acknowledged, delivered and
 * lost, with the time until every client received again. Pure: results in, HTML out.
 */
import { median } from '../bench/model/aggregate.ts';
import { formatBytes, formatNumber, formatShare, formatUs } from '../bench/model/format.ts';
import type { BenchResults, StepResult, TrialResult } from '../bench/model/results.ts';
import { html, type Html } from './html.ts';
import { variantName } from './select.ts';

type VariantOf = StepResult['variants'][number];

/** The median over rounds of a figure, `–` when no round has it. */
function med(trials: readonly TrialResult[], pick: (t: TrialResult) => number | null | undefined, format: (n: number) => string): string {
  const values = trials.map(pick).filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
  return values.length > 0 ? format(median(values)) : '–';
}

/** Each instance's median CPU share and RSS over rounds: `12% · 80 MiB` per instance. */
function perInstance(trials: readonly TrialResult[]): string {
  const count = Math.max(0, ...trials.map((t) => t.instances?.length ?? 0));
  return Array.from({ length: count }, (_, i) => {
    const of = trials.flatMap((t) => (t.instances?.[i] ? [t.instances[i]] : []));
    const killed = of.some((m) => m.killed) ? ' (killed)' : '';
    return `#${i}: ${formatShare(median(of.map((m) => m.cpuShare)))} · ${formatBytes(median(of.map((m) => m.rssWindowBytes)))}${killed}`;
  }).join('; ');
}

function brokerRows(step: StepResult, v: VariantOf): Html {
  const t = v.trials;
  const cluster = t[0]?.cluster;
  const where = cluster ? `${cluster.instances} on ${cluster.backplane}` : '1 on memory';
  return html`<tr><th scope="row">${step.step.label}</th><td>${variantName(v)}</td><td>${where}</td>\
<td>${med(t, (x) => x.perDelivered.serverCpuUs, formatUs)}</td><td>${perInstance(t)}</td>\
<td>${med(t, (x) => x.broker?.cpuUsPerMessage, formatUs)}</td><td>${med(t, (x) => x.broker?.commandsPerMessage, (n) => n.toFixed(1))}</td>\
<td>${med(t, (x) => x.broker?.cpuShare, formatShare)}</td><td>${med(t, (x) => x.broker?.usedMemoryBytes, formatBytes)}</td>\
<td>${med(t, (x) => x.broker?.opsPerSecond, formatNumber)}</td><td>${String(t.reduce((n, x) => n + (x.delivery.lostAcknowledged ?? x.delivery.lost), 0))}</td></tr>`;
}

function failoverRows(step: StepResult, v: VariantOf): Html[] {
  return v.trials.flatMap((t) => {
    const f = t.failover;
    if (!f) return [];
    const faults = f.faults.map((fault) => {
      const outage = fault.outageMs !== undefined ? `, down ${formatNumber(fault.outageMs)} ms` : '';
      const recovery = fault.recoveryMs === null ? `${fault.waiting} clients never received again` : `every client again after ${formatNumber(fault.recoveryMs)} ms`;
      return html`<li>${fault.name} at ${formatNumber(fault.atMs / 1000)} s${outage}: ${recovery}</li>`;
    });
    const lost = f.lostAcknowledged === 0 ? html`<span class="badge supported">0</span>` : html`<span class="badge refuted">${String(f.lostAcknowledged)}</span>`;
    return [
      html`<tr><th scope="row">${variantName(v)} · round ${String(t.round + 1)}</th><td>${String(f.acknowledged)}</td><td>${String(f.notAcknowledged)}</td>\
<td>${String(f.delivered)}</td><td>${lost}</td><td>${String(f.reconnects)}</td><td><ul>${faults}</ul></td></tr>`,
    ];
  });
}

/** The section, or nothing when no step ran on several instances or on Redis. */
export function clusterSection(results: BenchResults): Html | string {
  const steps = results.steps.filter((s) => s.variants.some((v) => v.trials.some((t) => t.cluster)));
  if (steps.length === 0) return '';
  const instanceCounts = new Set(steps.flatMap((s) => s.variants.flatMap((v) => v.trials.map((t) => t.cluster?.instances ?? 1))));
  const cores = results.machine.cores;
  const capacity =
    instanceCounts.size > 1
      ? html`<p class="how">This machine has ${String(cores)} cores, shared by every instance, Redis and the generator: more instances cannot add \
capacity here, so the steps compare what the broker and the spreading cost per message, and check that nothing is lost. \
Server CPU per delivered message is the sum over the instances.</p>`
      : '';
  const head = html`<thead><tr><th>step</th><th>transport</th><th>instances</th><th>server CPU per delivered message (all instances)</th>\
<th>each instance: CPU · RSS</th><th>Redis CPU per message</th><th>Redis commands per message</th><th>Redis CPU</th><th>Redis used_memory</th>\
<th>Redis ops/s</th><th>lost (acknowledged)</th></tr></thead>`;
  const rows = steps.flatMap((s) => s.variants.map((v) => brokerRows(s, v)));
  const failover = steps.flatMap((s) => s.variants.flatMap((v) => failoverRows(s, v)));
  const failoverTable =
    failover.length > 0
      ? html`<h3>Failover</h3><p class="how">Posts refused while an instance or Redis was down were never acknowledged, so never promised; \
every acknowledged message must reach every member of its room. Recovery counts from each fault until every client received a message sent after it began.</p>\
<div class="scroll"><table><thead><tr><th>trial</th><th>acknowledged</th><th>not acknowledged</th><th>delivered</th><th>acknowledged and lost</th>\
<th>reconnects</th><th>faults</th></tr></thead><tbody>${failover}</tbody></table></div>`
      : '';
  return html`<section id="cluster"><h2>Instances and the broker</h2>${capacity}\
<p class="how">Per message means per acknowledged post in the window: one post is stored once in Redis and published once, whatever the room's size. \
Redis figures come from its own INFO (used_cpu_sys + used_cpu_user, total_commands_processed, used_memory), read every 250 ms and at the window's edges.</p>\
<div class="scroll"><table>${head}<tbody>${rows}</tbody></table></div>${failoverTable}</section>`;
}
