// The live page of `npm run demo` (cli/demo/demo-server.ts serves it). One client per transport,
// servers/clients/browser/clients.js, written as a chat page would write it, on the platform's own
// fetch, EventSource and WebSocket, and on Socket.IO's browser client; no code of the bench runs here. What each transport spends is
// counted on the wire by the demo's relay in front of each server (GET /counters), not guessed here.
/* global Chart, document, fetch, performance, setInterval */
import { openClient } from '/clients.js';

/** @typedef {{ room: string, seq: number, id: string, from: string, body: string, ts: number }} ChatMessage */
/** @typedef {{ requests: number, sent: number, received: number, connections: number }} WireCounts */
/** @typedef {{ count: number, requests: number, bytes: number, messagesPosted: number, errors: number }} MemberCounts */
/** @typedef {{ at: number, transports: Record<string, { page: WireCounts, members: MemberCounts }> }} Counters */

const COLORS = { 'short-polling': '#d1495b', 'long-polling': '#edae49', sse: '#66a182', websocket: '#00798c', socketio: '#6a4c93' };
/** Points kept per transport on the chart. */
const CHART_POINTS = 400;
/** Messages listed per transport. */
const LISTED = 6;

const config = await (await fetch('/config')).json();
const ROOM = config.room;
const started = performance.now();
let sent = 0;
/** What each column says once its client receives. */
const RECEIVING = {
  'short-polling': () => `polling every ${config.pollIntervalMs} ms`,
  'long-polling': () => 'a poll held up to 25 s',
  sse: () => 'one stream open',
  websocket: () => 'one socket open',
  socketio: (client) => `connected over ${client.engineName()}`,
};

const format = {
  /** A time; `digits` 0 for one read on the wall clock, whole milliseconds. */
  ms: (ms, digits = 1) => (ms < 10 ? ms.toFixed(digits) : Math.round(ms).toLocaleString('en-US')) + ' ms',
  /** `n word`, the word plural unless n is 1. */
  of: (n, word) => `${format.count(n)} ${word}${Math.round(n) === 1 ? '' : 's'}`,
  bytes: (b) => (b < 1024 ? `${Math.round(b)} B` : b < 1024 * 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1024 / 1024).toFixed(2)} MiB`),
  count: (n) => Math.round(n).toLocaleString('en-US'),
};

/** @returns {Promise<Counters>} */
const readCounters = async () => (await fetch('/counters')).json();

const chart = new Chart(document.getElementById('latency'), {
  type: 'line',
  data: { datasets: [] },
  options: {
    animation: false,
    maintainAspectRatio: false,
    parsing: false,
    scales: {
      x: { type: 'linear', title: { display: true, text: 's since the page opened' } },
      y: { type: 'logarithmic', title: { display: true, text: 'ms from post to this page' } },
    },
    plugins: { legend: { position: 'bottom' } },
  },
});
let chartDirty = false;
setInterval(() => {
  if (chartDirty) chart.update('none');
  chartDirty = false;
}, 500);

/** One transport's column: its client, what it received, and its figures. */
function lane(spec) {
  const node = /** @type {HTMLElement} */ (document.getElementById('lane').content.firstElementChild.cloneNode(true));
  node.dataset.transport = spec.transport;
  node.dataset.state = 'connecting';
  node.style.setProperty('--lane-color', COLORS[spec.transport] ?? '#888');
  node.querySelector('h2').textContent = spec.label;
  document.getElementById('lanes').append(node);
  const field = (name) => node.querySelector(`.${name}`);
  const dataset = { label: spec.label, data: [], borderColor: COLORS[spec.transport], backgroundColor: COLORS[spec.transport], showLine: false, pointRadius: 2.5 };
  chart.data.datasets.push(dataset);
  /** The page's own messages on their way: id → when it was posted and the wire counts then. */
  const pending = new Map();
  const client = openClient(spec.transport, {
    base: spec.url,
    pollIntervalMs: config.pollIntervalMs,
    onMessages: (_room, messages, at) => self.received(messages, at),
    onEvent: (type, detail) => {
      if (type === 'error') self.state(`${detail}; coming back`, false);
      if (type === 'reconnect') self.state(RECEIVING[spec.transport](client), true);
    },
  });
  const self = {
    transport: spec.transport,
    ok: false,
    state(text, ok) {
      self.ok = ok;
      node.dataset.state = ok ? 'receiving' : 'trouble';
      field('state').textContent = text;
      checkReady();
    },
    received(messages, now) {
      for (const message of messages) {
        const mine = pending.get(message.id);
        // The page's own messages are timed on its monotonic clock; a member's by the time in its
        // id (`m<n>-<ms since epoch>`), on this machine's one wall clock.
        const latency = mine ? now - mine.at : message.id.startsWith('m') ? Date.now() - Number(message.id.split('-')[1]) : undefined;
        if (mine) {
          pending.delete(message.id);
          field('last-message').textContent = message.body;
          field('latency').textContent = format.ms(latency);
          void readCounters().then((after) => {
            const a = after.transports[spec.transport].page;
            const b = mine.wire;
            field('cost').textContent = `${format.of(a.requests - b.requests, 'request')} · ${format.bytes(a.sent + a.received - b.sent - b.received)} · ${format.of(a.connections - b.connections, 'new connection')}`;
            node.dataset.delivered = String(Number(node.dataset.delivered ?? 0) + 1);
          });
        }
        const item = document.createElement('li');
        if (mine) item.className = 'mine';
        item.textContent = `${message.from}: ${message.body}`;
        if (latency !== undefined && Number.isFinite(latency)) {
          const ms = document.createElement('span');
          ms.className = 'ms';
          ms.textContent = format.ms(latency, mine ? 1 : 0);
          item.prepend(ms);
          dataset.data.push({ x: (now - started) / 1000, y: Math.max(latency, 0.1) });
          if (dataset.data.length > CHART_POINTS) dataset.data.shift();
          chartDirty = true;
        }
        const list = field('messages');
        list.prepend(item);
        while (list.children.length > LISTED) list.lastElementChild.remove();
      }
    },
    async send(message, wire) {
      pending.set(message.id, { at: performance.now(), wire: wire.transports[spec.transport].page });
      try {
        await client.send(ROOM, message);
      } catch (error) {
        pending.delete(message.id);
        field('latency').textContent = '–';
        field('cost').textContent = `not sent: ${error.message}`;
      }
    },
    /** The running figures, from two readings of the counters. */
    show(now, then) {
      if (self.ok) field('state').textContent = RECEIVING[spec.transport](client);
      const a = now.transports[spec.transport];
      const b = then.transports[spec.transport];
      const seconds = (now.at - then.at) / 1000;
      const pageRequests = (a.page.requests - b.page.requests) / seconds;
      field('page-total').textContent = `${format.of(a.page.requests, 'request')} · ${format.bytes(a.page.sent + a.page.received)} · ${format.of(a.page.connections, 'connection')}`;
      field('page-rate').textContent = `${pageRequests < 10 ? pageRequests.toFixed(1) : format.count(pageRequests)} requests · ${format.bytes((a.page.sent + a.page.received - b.page.sent - b.page.received) / seconds)}`;
      field('members-rate').textContent =
        a.members.count === 0
          ? 'none'
          : `${format.of(a.members.count, 'member')}: ${format.count((a.members.requests - b.members.requests) / seconds)} requests · ${format.bytes((a.members.bytes - b.members.bytes) / seconds)}${a.members.errors > 0 ? ` · ${format.of(a.members.errors, 'error')}` : ''}`;
    },
  };
  client
    .connect()
    .then(() => client.subscribe(ROOM))
    .then(
      () => self.state(RECEIVING[spec.transport](client), true),
      (error) => self.state(`could not receive: ${error.message}`, false),
    );
  return self;
}

/** The columns, in the order of the config; filled below, once the form's fields are known. */
const lanes = [];
const input = /** @type {HTMLInputElement} */ (document.getElementById('message'));
const button = /** @type {HTMLButtonElement} */ (document.getElementById('send'));

/** The form opens once every transport receives: a message sent before would be missed by one that does not. */
function checkReady() {
  const waiting = config.transports.filter((spec) => !lanes.some((l) => l.transport === spec.transport && l.ok)).map((spec) => spec.label);
  const ready = waiting.length === 0;
  if (ready && input.disabled) {
    input.disabled = false;
    button.disabled = false;
    input.focus();
  }
  document.getElementById('page-state').textContent = ready ? `Every transport receives room "${ROOM}".` : `Waiting for ${waiting.join(', ')}…`;
}
for (const spec of config.transports) lanes.push(lane(spec));
checkReady();

document.getElementById('compose').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = input.value.trim();
  if (body === '') return;
  input.value = '';
  const wire = await readCounters();
  const id = `p${++sent}-${Math.random().toString(36).slice(2, 10)}`;
  // Every transport at once: each post goes over its own transport, in the same task.
  await Promise.all(lanes.map((l) => l.send({ id, from: 'you', body }, wire)));
});

const slider = /** @type {HTMLInputElement} */ (document.getElementById('members'));
slider.max = String(config.maxMembers);
slider.step = String(Math.max(1, Math.round(config.maxMembers / 50)));
slider.addEventListener('input', () => (document.getElementById('members-count').textContent = slider.value));
let slides = 0;
slider.addEventListener('change', async () => {
  // Only the latest move's answer is shown: the keyboard moves the slider a step per key.
  const move = ++slides;
  const status = document.getElementById('members-state');
  status.textContent = `${slider.value} members joining or leaving each transport…`;
  const answer = await fetch('/members', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: Number(slider.value) }) });
  const data = await answer.json();
  if (move !== slides) return;
  status.textContent = answer.ok ? `${data.count} simulated members on each transport, one message every ${config.memberPostMs} ms per transport.` : data.message;
  document.body.dataset.members = answer.ok ? String(data.count) : 'refused';
});

// The running figures: a reading every second, rates over the last five.
const readings = [await readCounters()];
setInterval(async () => {
  readings.push(await readCounters());
  if (readings.length > 6) readings.shift();
  for (const l of lanes) l.show(readings[readings.length - 1], readings[0]);
}, 1000);
