/**
 * The report's charts as data: chart.js configurations (JSON, no functions) with format hints for
 * their axes, which the page's small script turns into tick labels. Pure; a chart is made only
 * where the results hold what it needs.
 */
import { factsOf, type BenchResults, type SeriesPoint, type ServerMeasure, type StepResult, type VariantResult } from '../bench/model/results.ts';
import { EXTRA_COLOURS, byteAxis, colorOf, logAxis, logGridPhrase, type ChartSpec } from './chart-kit.ts';

export { byteAxis, colorOf, logAxis, logGridFor, logGridPhrase, MIN_DECADE_GRIDLINES, type AxisFormat, type ChartMarker, type ChartSpec, type LogGrid } from './chart-kit.ts';
import { formatBytes } from '../bench/model/format.ts';
import { lossyCharts } from './lossy.ts';
import { wanCharts } from './wan.ts';
import { RSS_MIN_CLIENTS, TRANSPORT_NAMES, byTransport, figure, handshakeVariants, inGroup, stepClients, sweep, variantName } from './select.ts';

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
}

const PERCENTILES = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
  ['max', 'max'],
] as const;

function latencyPercentiles(step: StepResult, index: number): ChartSpec {
  const { grid, scale } = logAxis(step.variants.flatMap((v) => PERCENTILES.map(([key]) => Math.max(1, v.summary.latency[key]))), 'latency');
  return {
    id: `latency-${index}-${slug(step.step.label)}`,
    title: `Delivery latency by percentile: ${step.step.label}`,
    caption: `From the scheduled send time to each receiver, all rounds merged. ${logGridPhrase(grid, 'latency')}`,
    formats: { y: 'us' },
    logGrid: { y: grid },
    markers: [],
    config: {
      type: 'line',
      data: {
        labels: PERCENTILES.map(([, label]) => label),
        datasets: step.variants.map((v, i) => ({
          label: variantName(v),
          data: PERCENTILES.map(([key]) => Math.max(1, v.summary.latency[key])),
          borderColor: colorOf(v, i, step.variants),
          backgroundColor: colorOf(v, i, step.variants),
          borderDash: inGroup(v, 'baseline') ? [6, 4] : [],
        })),
      },
      options: { scales: { y: scale } },
    },
  };
}

function costPerMessage(step: StepResult, index: number): ChartSpec {
  return {
    id: `cost-${index}-${slug(step.step.label)}`,
    title: `Requests and bytes per delivered message: ${step.step.label}`,
    caption: 'HTTP requests (left axis) and bytes written plus read on the client sockets (right axis), per delivered message; medians across rounds.',
    formats: { y: 'number', y1: 'bytes' },
    logGrid: {},
    markers: [],
    config: {
      type: 'bar',
      data: {
        labels: step.variants.map(variantName),
        datasets: [
          { label: 'requests per message', data: step.variants.map((v) => figure(v, 'perDelivered.requests').median), backgroundColor: '#4c6ef5', yAxisID: 'y' },
          { label: 'bytes per message', data: step.variants.map((v) => figure(v, 'perDelivered.bytes').median), backgroundColor: '#fab005', yAxisID: 'y1' },
        ],
      },
      options: {
        scales: {
          y: { position: 'left', beginAtZero: true, title: { display: true, text: 'requests' } },
          y1: byteAxis(
            step.variants.map((v) => figure(v, 'perDelivered.bytes').median),
            { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'bytes' } },
          ),
        },
      },
    },
  };
}

/** What an over-time chart shows: its title, the caption's opening, and a sample's value. */
const OVER_TIME = {
  rss: { title: 'Server memory (RSS)', what: 'Server RSS', value: (p: SeriesPoint) => p.rssBytes, slope: (s: ServerMeasure) => s.rssSlopeBytesPerS },
  heap: { title: 'Server V8 heap', what: 'Server V8 heap in use', value: (p: SeriesPoint) => p.heapUsedBytes, slope: (s: ServerMeasure) => s.heapSlopeBytesPerS },
  cpu: { title: 'Server CPU', what: 'Share of one core the server used', value: (p: SeriesPoint) => p.cpuShare, slope: undefined },
} as const;

/** Each variant's slope over the measured window of its first round, for a memory chart's caption. */
function slopes(step: StepResult, slope: (s: ServerMeasure) => number | undefined): string {
  const parts = step.variants.flatMap((v) => {
    const server = v.trials[0]?.server;
    const perS = server ? slope(server) : undefined;
    return perS === undefined ? [] : [`${variantName(v)} ${perS < 0 ? '−' : '+'}${formatBytes(Math.abs(perS))}/s`];
  });
  return parts.length > 0 ? ` Slope over the window (a straight line through the lowest sample of each tenth of it, so garbage collection does not read as growth; a leak shows as a slope that does not level off in a long run): ${parts.join(', ')}.` : '';
}

function overTime(step: StepResult, index: number, what: keyof typeof OVER_TIME): ChartSpec {
  const kind = OVER_TIME[what];
  const bytes = what !== 'cpu';
  const { warmupMs, durationMs } = step.step.workload;
  return {
    id: `${what}-${index}-${slug(step.step.label)}`,
    title: `${kind.title} over time: ${step.step.label}`,
    caption:
      `${kind.what}, sampled four times a second in the first round of each transport, from the start of the warm-up. The dashed lines mark the end of the warm-up (${warmupMs / 1000} s; what lies before it is discarded) and the end of the measured window.` +
      (kind.slope ? slopes(step, kind.slope) : ''),
    formats: { x: 'seconds', y: bytes ? 'bytes' : 'share' },
    logGrid: {},
    markers: [
      { axis: 'x', value: warmupMs / 1000, label: 'warm-up ends' },
      { axis: 'x', value: (warmupMs + durationMs) / 1000, label: 'window ends' },
    ],
    config: {
      type: 'line',
      data: {
        datasets: step.variants.map((v, i) => ({
          label: variantName(v),
          data: (v.trials[0]?.series ?? []).filter((p) => p.tMs >= 0).map((p) => ({ x: p.tMs / 1000, y: kind.value(p) })),
          borderColor: colorOf(v, i, step.variants),
          backgroundColor: colorOf(v, i, step.variants),
          pointRadius: 0,
        })),
      },
      options: {
        scales: {
          x: { type: 'linear', min: 0, suggestedMax: (warmupMs + durationMs) / 1000, title: { display: true, text: 'seconds from the start of the warm-up' } },
          y: bytes ? byteAxis(step.variants.flatMap((v) => (v.trials[0]?.series ?? []).map(kind.value))) : { beginAtZero: true },
        },
      },
    },
  };
}

function scaleCharts(results: BenchResults): ChartSpec[] {
  const steps = sweep(results, 'clients');
  if (steps.length < 2) return [];
  const transports = [...new Set(steps.flatMap((s) => s.variants.map((v) => v.variant.transport)))];
  interface Series {
    readonly label: string;
    readonly data: { x: number; y: number }[];
    readonly borderColor: string | undefined;
    readonly backgroundColor: string | undefined;
  }
  const series = (pick: (v: VariantResult) => number, suffix = '', from: readonly StepResult[] = steps): Series[] =>
    transports.map((t, i) => {
      const color = factsOf(t)?.colour ?? EXTRA_COLOURS[i % EXTRA_COLOURS.length];
      const first = steps.map((s) => byTransport(s, t)).find((v) => v !== undefined);
      return {
        label: `${first ? variantName(first) : (TRANSPORT_NAMES[t] ?? t)}${suffix}`,
        data: from.flatMap((s) => {
          const v = byTransport(s, t);
          return v ? [{ x: s.step.x?.value ?? 0, y: Math.max(1e-9, pick(v)) }] : [];
        }),
        borderColor: color,
        backgroundColor: color,
      };
    });
  const { grid: xGrid, scale: xAxis } = logAxis(
    steps.map((s) => s.step.x?.value ?? 0),
    'clients',
  );
  const latencies = [...series((v) => figure(v, 'latency.p50').median, ' p50'), ...series((v) => figure(v, 'latency.p99').median, ' p99').map((d) => ({ ...d, borderDash: [6, 4] }))];
  const { grid: yGrid, scale: yLatency } = logAxis(
    latencies.flatMap((d) => d.data.map((p) => p.y)),
    'latency',
  );
  const rssSteps = steps.filter((s) => stepClients(s) >= RSS_MIN_CLIENTS);
  const memory = [
    ...series((v) => figure(v, 'server.perClientHeapBytes').median, ' heap'),
    ...(rssSteps.length > 0 ? series((v) => figure(v, 'server.perClientRssBytes').median, ' RSS', rssSteps).map((d) => ({ ...d, borderDash: [6, 4] })) : []),
  ];
  return [
    {
      id: 'scale-latency',
      title: 'Latency against clients',
      caption: `p50 (solid) and p99 (dashed) as the rooms grow. ${logGridPhrase(xGrid, 'clients')} ${logGridPhrase(yGrid, 'latency')} A line that climbs steeply is a transport reaching its limit here.`,
      formats: { x: 'number', y: 'us' },
      logGrid: { x: xGrid, y: yGrid },
      markers: [],
      config: {
        type: 'line',
        data: { datasets: latencies },
        options: { scales: { x: xAxis, y: yLatency } },
      },
    },
    {
      id: 'scale-cpu',
      title: 'Server CPU against clients',
      caption: `Share of one core the server used in the window (100% = a whole core). ${logGridPhrase(xGrid, 'clients')}`,
      formats: { x: 'number', y: 'share' },
      logGrid: { x: xGrid },
      markers: [],
      config: { type: 'line', data: { datasets: series((v) => figure(v, 'server.cpuShare').median) }, options: { scales: { x: xAxis, y: { beginAtZero: true } } } },
    },
    {
      id: 'scale-memory',
      title: 'Server memory per client against clients',
      caption:
        'V8 heap per client (solid: with every client connected against after they all left, exact at any size) and, ' +
        `from ${RSS_MIN_CLIENTS.toLocaleString('en-US')} clients on, RSS per client (dashed: the whole cost, native memory and socket buffers included). ` +
        `Below ${RSS_MIN_CLIENTS.toLocaleString('en-US')} clients RSS per client is not meaningful (the server's RSS moves by megabytes with no client), so it is not drawn there. ${logGridPhrase(xGrid, 'clients')}`,
      formats: { x: 'number', y: 'bytes' },
      logGrid: { x: xGrid },
      markers: [],
      config: { type: 'line', data: { datasets: memory }, options: { scales: { x: xAxis, y: byteAxis(memory.flatMap((d) => d.data.map((p) => p.y))) } } },
    },
  ];
}

function intervalChart(results: BenchResults): ChartSpec[] {
  const steps = sweep(results, 'pollIntervalMs');
  if (steps.length < 2) return [];
  const points = steps.flatMap((s) => s.variants.map((v) => ({ x: figure(v, 'perDelivered.requests').median, y: figure(v, 'latency.mean').median, label: `${s.step.x?.value ?? ''} ms` })));
  const reference = results.steps
    .filter((s) => s.step.x === undefined)
    .flatMap((s) => s.variants.filter((v) => !inGroup(v, 'poll')).map((v) => ({ v, point: { x: figure(v, 'perDelivered.requests').median, y: figure(v, 'latency.mean').median } })));
  const { grid, scale } = logAxis([...points.map((p) => p.y), ...reference.map((r) => r.point.y)], 'mean latency');
  const swept = steps[0]?.variants[0];
  const sweptColor = swept ? colorOf(swept, 0) : undefined;
  return [
    {
      id: 'interval-tradeoff',
      title: 'Short polling: latency against requests as the interval changes',
      caption: `Each point is one poll interval (labelled); shorter intervals move left to right, buying latency with requests. Long polling and WebSocket are the reference points. ${logGridPhrase(grid, 'latency')}`,
      formats: { x: 'number', y: 'us' },
      logGrid: { y: grid },
      markers: [],
      config: {
        type: 'scatter',
        data: {
          datasets: [
            { label: 'short polling (interval)', data: points, borderColor: sweptColor, backgroundColor: sweptColor, showLine: true, pointRadius: 5 },
            ...reference.map(({ v, point }, i) => ({ label: variantName(v), data: [point], borderColor: colorOf(v, i), backgroundColor: colorOf(v, i), pointRadius: 7, pointStyle: 'rectRot' })),
          ],
        },
        options: {
          scales: {
            x: { type: 'linear', beginAtZero: true, title: { display: true, text: 'HTTP requests per delivered message' } },
            y: scale,
          },
        },
      },
    },
  ];
}

function handshakeChart(results: BenchResults): ChartSpec[] {
  const found = handshakeVariants(results);
  if (!found) return [];
  const { keep, fresh, tlsKeep, tlsFresh, tlsFull } = found;
  const aspects = [
    ['server CPU per message', 'perDelivered.serverCpuUs'],
    ['bytes per message', 'perDelivered.bytes'],
    ['TCP connections per message', 'perDelivered.connections'],
    ['latency p50', 'latency.p50'],
    ['latency p99', 'latency.p99'],
  ] as const;
  const ratios = (paying: VariantResult, base: VariantResult): number[] =>
    aspects.map(([, key]) => {
      const b = figure(base, key).median;
      const value = figure(paying, key).median;
      // Keep-alive opens almost no connection: show the ratio to one per message then.
      return b > 0 ? value / b : value;
    });
  // Each new-connection run against the keep-alive run of its own kind: plain against plain, TLS against TLS.
  const pairs: [VariantResult, VariantResult, string][] = [[fresh, keep, '#a61e4d']];
  if (tlsKeep && tlsFresh) pairs.push([tlsFresh, tlsKeep, '#e8590c']);
  if (tlsKeep && tlsFull) pairs.push([tlsFull, tlsKeep, '#5f3dc4']);
  const datasets = pairs.map(([paying, base, color]) => ({ label: `${variantName(paying)} ÷ ${tlsKeep && base === tlsKeep ? 'keep-alive over TLS' : 'keep-alive'}`, data: ratios(paying, base), backgroundColor: color }));
  const { grid, scale } = logAxis([1, ...datasets.flatMap((d) => d.data)], 'ratio to keep-alive');
  return [
    {
      id: 'handshake',
      title: 'Keep-alive against a new connection per request',
      caption:
        `Each figure of a new-connection run divided by the keep-alive run of the same kind (plain by plain, TLS by TLS; keep-alive = 1×, the dashed line). Above 1×, the handshake costs that many times more. ` +
        logGridPhrase(grid, 'ratio'),
      formats: { y: 'ratio' },
      logGrid: { y: grid },
      markers: [{ axis: 'y', value: 1, label: '1× = keep-alive' }],
      config: {
        type: 'bar',
        data: {
          labels: aspects.map(([label]) => label),
          datasets: [{ label: variantName(keep), data: aspects.map(() => 1), backgroundColor: colorOf(keep, 0) }, ...datasets],
        },
        options: { scales: { y: scale } },
      },
    },
  ];
}

function baselineChart(results: BenchResults): ChartSpec[] {
  const labels: string[] = [];
  const data: number[] = [];
  const step = results.steps.find((s) => byTransport(s, 'websocket') && byTransport(s, 'raw-ws'));
  const ws = step && byTransport(step, 'websocket');
  const raw = step && byTransport(step, 'raw-ws');
  if (ws && raw) {
    for (const [label, key] of [
      ['WebSocket p50 ÷ raw ws', 'latency.p50'],
      ['WebSocket p99 ÷ raw ws', 'latency.p99'],
      ['WebSocket CPU/msg ÷ raw ws', 'perDelivered.serverCpuUs'],
      ['WebSocket bytes/msg ÷ raw ws', 'perDelivered.bytes'],
    ] as const) {
      const base = figure(raw, key).median;
      if (base > 0) {
        labels.push(label);
        data.push(figure(ws, key).median / base);
      }
    }
  }
  for (const c of results.ceilings) {
    if (c.ratioToBare === undefined) continue;
    labels.push(`${c.target} req/s ÷ bare fastify`);
    data.push(c.ratioToBare);
  }
  if (labels.length === 0) return [];
  return [
    {
      id: 'baselines',
      title: 'Each chat server against what its library allows',
      caption: 'Ratios to the baselines measured in the same run: the raw ws broadcast server (no contract) and the bare fastify route. The dashed line is 1×: for latency, CPU and bytes, no cost over the library; for requests per second, as fast as the bare route.',
      formats: { y: 'ratio' },
      logGrid: {},
      markers: [{ axis: 'y', value: 1, label: '1× = the baseline' }],
      config: {
        type: 'bar',
        data: { labels, datasets: [{ label: 'ratio to baseline', data, backgroundColor: '#7048e8' }] },
        options: { indexAxis: 'x', scales: { y: { beginAtZero: true, suggestedMax: 1.2 } } },
      },
    },
  ];
}

/** Every chart the results support, in reading order. */
export function buildCharts(results: BenchResults): ChartSpec[] {
  const perStep = results.steps
    .filter((s) => s.variants.length > 0)
    // A sweep gets its own charts; per-step charts for every point would drown them.
    .filter((s, _i, all) => s.step.x === undefined || all.filter((o) => o.step.x?.name === s.step.x?.name).length < 2 || s === all.find((o) => o.step.x?.name === s.step.x?.name));
  const out: ChartSpec[] = [];
  perStep.forEach((s, i) => {
    out.push(latencyPercentiles(s, i), costPerMessage(s, i));
  });
  out.push(...scaleCharts(results), ...intervalChart(results), ...lossyCharts(results), ...wanCharts(results), ...handshakeChart(results), ...baselineChart(results));
  perStep.forEach((s, i) => {
    if (s.variants.some((v) => (v.trials[0]?.series.length ?? 0) > 0)) out.push(overTime(s, i, 'rss'), overTime(s, i, 'heap'), overTime(s, i, 'cpu'));
  });
  return out;
}
