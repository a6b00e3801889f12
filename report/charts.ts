/**
 * The report's charts as data: chart.js configurations (JSON, no functions) with format hints for
 * their axes, which the page's small script turns into tick labels. Pure; a chart is made only
 * where the results hold what it needs.
 */
import type { BenchResults, StepResult, VariantResult } from '../bench/results.ts';
import { TRANSPORT_NAMES, byTransport, figure, sweep, variantName } from './select.ts';

/** How an axis's numbers are shown: µs as times, bytes, shares of a core, ratios, plain numbers. */
export type AxisFormat = 'us' | 'bytes' | 'share' | 'ratio' | 'number' | 'seconds';

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** One or two sentences: how to read it. */
  readonly caption: string;
  /** A chart.js configuration, JSON only. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Formats of the axes by scale id (`x`, `y`, `y1`). */
  readonly formats: Readonly<Record<string, AxisFormat>>;
}

const COLORS: Readonly<Record<string, string>> = {
  'short-polling': '#d9480f',
  'long-polling': '#1971c2',
  websocket: '#2f9e44',
  'raw-ws': '#868e96',
};
const EXTRA = ['#7048e8', '#c2255c', '#e67700', '#0c8599', '#5c940d', '#495057'];

function colorOf(v: VariantResult, index: number): string {
  if (v.variant.keepAlive === false) return '#a61e4d';
  const base = COLORS[v.variant.transport];
  return base && index < 4 ? base : (EXTRA[index % EXTRA.length] as string);
}

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
  return {
    id: `latency-${index}-${slug(step.step.label)}`,
    title: `Delivery latency by percentile: ${step.step.label}`,
    caption: 'From the scheduled send time to each receiver, all rounds merged. The scale is logarithmic: each line up is ten times slower.',
    formats: { y: 'us' },
    config: {
      type: 'line',
      data: {
        labels: PERCENTILES.map(([, label]) => label),
        datasets: step.variants.map((v, i) => ({
          label: variantName(v),
          data: PERCENTILES.map(([key]) => Math.max(1, v.summary.latency[key])),
          borderColor: colorOf(v, i),
          backgroundColor: colorOf(v, i),
          borderDash: v.variant.transport === 'raw-ws' ? [6, 4] : [],
        })),
      },
      options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'latency' } } } },
    },
  };
}

function costPerMessage(step: StepResult, index: number): ChartSpec {
  return {
    id: `cost-${index}-${slug(step.step.label)}`,
    title: `Requests and bytes per delivered message: ${step.step.label}`,
    caption: 'HTTP requests (left axis) and bytes written plus read on the client sockets (right axis), per delivered message; medians across rounds.',
    formats: { y: 'number', y1: 'bytes' },
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
          y1: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'bytes' } },
        },
      },
    },
  };
}

function overTime(step: StepResult, index: number, what: 'rss' | 'cpu'): ChartSpec {
  const rss = what === 'rss';
  return {
    id: `${what}-${index}-${slug(step.step.label)}`,
    title: `${rss ? 'Server memory (RSS)' : 'Server CPU'} over time: ${step.step.label}`,
    caption: rss
      ? 'The first round of each transport, from the start of the warm-up; the measured window follows the warm-up.'
      : 'Share of one core the server used, sampled four times a second, in the first round of each transport.',
    formats: { x: 'seconds', y: rss ? 'bytes' : 'share' },
    config: {
      type: 'line',
      data: {
        datasets: step.variants.map((v, i) => ({
          label: variantName(v),
          data: (v.trials[0]?.series ?? []).filter((p) => p.tMs >= 0).map((p) => ({ x: p.tMs / 1000, y: rss ? p.rssBytes : p.cpuShare })),
          borderColor: colorOf(v, i),
          backgroundColor: colorOf(v, i),
          pointRadius: 0,
        })),
      },
      options: { scales: { x: { type: 'linear', title: { display: true, text: 'seconds' } }, y: { beginAtZero: true } } },
    },
  };
}

function scaleCharts(results: BenchResults): ChartSpec[] {
  const steps = sweep(results, 'clients');
  if (steps.length < 2) return [];
  const transports = [...new Set(steps.flatMap((s) => s.variants.map((v) => v.variant.transport)))];
  const series = (pick: (v: VariantResult) => number, suffix = ''): Record<string, unknown>[] =>
    transports.map((t, i) => {
      const color = COLORS[t] ?? EXTRA[i % EXTRA.length];
      return {
        label: `${TRANSPORT_NAMES[t] ?? t}${suffix}`,
        data: steps.flatMap((s) => {
          const v = byTransport(s, t);
          return v ? [{ x: s.step.x?.value ?? 0, y: Math.max(1e-9, pick(v)) }] : [];
        }),
        borderColor: color,
        backgroundColor: color,
      };
    });
  const xAxis = { type: 'logarithmic', title: { display: true, text: 'clients' } };
  return [
    {
      id: 'scale-latency',
      title: 'Latency against clients',
      caption: 'p50 (solid) and p99 (dashed) as the rooms grow; both axes logarithmic. A line that climbs steeply is a transport reaching its limit here.',
      formats: { x: 'number', y: 'us' },
      config: {
        type: 'line',
        data: {
          datasets: [
            ...series((v) => figure(v, 'latency.p50').median, ' p50'),
            ...series((v) => figure(v, 'latency.p99').median, ' p99').map((d) => ({ ...d, borderDash: [6, 4] })),
          ],
        },
        options: { scales: { x: xAxis, y: { type: 'logarithmic', title: { display: true, text: 'latency' } } } },
      },
    },
    {
      id: 'scale-cpu',
      title: 'Server CPU against clients',
      caption: 'Share of one core the server used in the window (1 = a whole core).',
      formats: { x: 'number', y: 'share' },
      config: { type: 'line', data: { datasets: series((v) => figure(v, 'server.cpuShare').median) }, options: { scales: { x: xAxis, y: { beginAtZero: true } } } },
    },
    {
      id: 'scale-memory',
      title: 'Server memory per client against clients',
      caption: 'Server RSS with every client connected above its RSS before any connected, both after a garbage collection, divided by the clients: what one held poll or socket costs. With few clients this is mostly noise; it settles as clients grow.',
      formats: { x: 'number', y: 'bytes' },
      config: { type: 'line', data: { datasets: series((v) => figure(v, 'server.perClientRssBytes').median) }, options: { scales: { x: xAxis, y: { beginAtZero: true } } } },
    },
  ];
}

function intervalChart(results: BenchResults): ChartSpec[] {
  const steps = sweep(results, 'pollIntervalMs');
  if (steps.length < 2) return [];
  const points = steps.flatMap((s) => s.variants.map((v) => ({ x: figure(v, 'perDelivered.requests').median, y: figure(v, 'latency.mean').median, label: `${s.step.x?.value ?? ''} ms` })));
  const reference = results.steps
    .filter((s) => s.step.x === undefined)
    .flatMap((s) => s.variants.filter((v) => v.variant.transport !== 'short-polling').map((v) => ({ v, point: { x: figure(v, 'perDelivered.requests').median, y: figure(v, 'latency.mean').median } })));
  return [
    {
      id: 'interval-tradeoff',
      title: 'Short polling: latency against requests as the interval changes',
      caption: 'Each point is one poll interval (labelled); shorter intervals move left to right, buying latency with requests. Long polling and WebSocket are the reference points.',
      formats: { x: 'number', y: 'us' },
      config: {
        type: 'scatter',
        data: {
          datasets: [
            { label: 'short polling (interval)', data: points, borderColor: COLORS['short-polling'], backgroundColor: COLORS['short-polling'], showLine: true, pointRadius: 5 },
            ...reference.map(({ v, point }, i) => ({ label: variantName(v), data: [point], borderColor: colorOf(v, i), backgroundColor: colorOf(v, i), pointRadius: 7, pointStyle: 'rectRot' })),
          ],
        },
        options: {
          scales: {
            x: { type: 'linear', beginAtZero: true, title: { display: true, text: 'HTTP requests per delivered message' } },
            y: { type: 'logarithmic', title: { display: true, text: 'mean latency' } },
          },
        },
      },
    },
  ];
}

function handshakeChart(results: BenchResults): ChartSpec[] {
  const step = results.steps.find((s) => s.variants.some((v) => v.variant.keepAlive === false));
  const keep = step?.variants.find((v) => v.variant.transport === 'short-polling' && v.variant.keepAlive !== false);
  const fresh = step?.variants.find((v) => v.variant.keepAlive === false);
  if (!step || !keep || !fresh) return [];
  const aspects = [
    ['server CPU per message', 'perDelivered.serverCpuUs'],
    ['bytes per message', 'perDelivered.bytes'],
    ['TCP connections per message', 'perDelivered.connections'],
    ['latency p50', 'latency.p50'],
    ['latency p99', 'latency.p99'],
  ] as const;
  return [
    {
      id: 'handshake',
      title: 'Keep-alive against a new connection per request',
      caption: 'Each figure of the new-connection run divided by the keep-alive run (keep-alive = 1). Above 1, the handshake costs that many times more.',
      formats: { y: 'ratio' },
      config: {
        type: 'bar',
        data: {
          labels: aspects.map(([label]) => label),
          datasets: [
            { label: variantName(keep), data: aspects.map(() => 1), backgroundColor: COLORS['short-polling'] },
            {
              label: variantName(fresh),
              data: aspects.map(([, key]) => {
                const base = figure(keep, key).median;
                const value = figure(fresh, key).median;
                // Keep-alive opens almost no connection: show the ratio to one per message then.
                return base > 0 ? value / base : value;
              }),
              backgroundColor: '#a61e4d',
            },
          ],
        },
        options: { scales: { y: { type: 'logarithmic' } } },
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
      caption: 'Ratios to the baselines measured in the same run: the raw ws broadcast server (no contract) and the bare fastify route. For latency, CPU and bytes, 1 means no cost over the library; for requests per second, 1 means as fast as the bare route.',
      formats: { y: 'ratio' },
      config: {
        type: 'bar',
        data: { labels, datasets: [{ label: 'ratio to baseline', data, backgroundColor: '#7048e8' }] },
        options: { indexAxis: 'x', scales: { y: { beginAtZero: true } } },
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
  out.push(...scaleCharts(results), ...intervalChart(results), ...handshakeChart(results), ...baselineChart(results));
  perStep.forEach((s, i) => {
    if (s.variants.some((v) => (v.trials[0]?.series.length ?? 0) > 0)) out.push(overTime(s, i, 'rss'), overTime(s, i, 'cpu'));
  });
  return out;
}
