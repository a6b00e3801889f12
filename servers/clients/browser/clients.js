/*
 * The contract's clients as a browser page writes them: plain JavaScript on the platform's own
 * fetch, EventSource, WebSocket and RTCPeerConnection, and on Socket.IO's browser client (the
 * global `io` of its bundle), with no code of the Node clients. The demo page (cli/demo/) and the bench's browser
 * members (bench/generator/browser-members.ts) both load this file as it is.
 *
 * `openClient(transport, options)` gives a client of one room at a time per `subscribe`:
 *   connect()                 opens the socket where the transport has one
 *   subscribe(room)           resolves with the first cursor once receiving
 *   send(room, post)          resolves with { seq, cursor } once stored, or rejects with the code
 *   close()
 * options: base (the server's URL, no trailing slash), pollIntervalMs, pollPhaseMs, waitMs,
 * engine (Socket.IO: 'websocket', 'polling' or 'upgrade'), onMessages(room, messages, atMs) with
 * the page's performance.now() at the receipt, and onEvent(type, detail) for 'open', 'reconnect',
 * 'error' and 'state' (a line for people).
 */
/* global fetch, performance, setTimeout, clearTimeout, EventSource, WebSocket, RTCPeerConnection */

/** How long a failed poll or a closed socket waits before it tries again. */
const RETRY_MS = 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error answer of the server: its contract code and message. */
async function answerError(answer) {
  let code = `HTTP_${answer.status}`;
  try {
    // The contract's error body: { "error": { "code", "message" } }.
    code = (await answer.json()).error?.code ?? code;
  } catch {
    // a body that is not the contract's JSON: the status says it
  }
  const error = new Error(`${code} (${answer.status})`);
  error.code = code;
  return error;
}

/** `POST /rooms/:room/messages`, as every HTTP transport posts. */
async function post(base, room, message) {
  const answer = await fetch(`${base}/rooms/${encodeURIComponent(room)}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
  if (answer.status !== 201 && answer.status !== 200) throw await answerError(answer);
  const { seq, cursor } = await answer.json();
  return { seq, cursor };
}

/** A polling client: a loop of GETs per room, `wait` held (long polling) or every interval (short). */
function pollingClient(options, held) {
  const rooms = new Map();
  let closed = false;
  const read = async (room, cursor) => {
    const query = cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}${held ? `&wait=${options.waitMs ?? 25000}` : ''}`;
    const answer = await fetch(`${options.base}/rooms/${encodeURIComponent(room)}/messages${query}`);
    if (!answer.ok) throw await answerError(answer);
    const data = await answer.json();
    const at = performance.now();
    if (data.messages.length > 0) options.onMessages(room, data.messages, at);
    return data.cursor;
  };
  const loop = async (room, cursor) => {
    if (!held) await sleep(options.pollPhaseMs ?? 0);
    while (!closed && rooms.has(room)) {
      const began = performance.now();
      try {
        cursor = await read(room, cursor);
      } catch (error) {
        options.onEvent?.('error', error.message);
        await sleep(RETRY_MS);
        continue;
      }
      if (!held) await sleep(Math.max(0, (options.pollIntervalMs ?? 1000) - (performance.now() - began)));
    }
  };
  return {
    async connect() {},
    async subscribe(room) {
      rooms.set(room, true);
      const cursor = await read(room, undefined);
      void loop(room, cursor);
      return cursor;
    },
    send: (room, message) => post(options.base, room, message),
    async close() {
      closed = true;
    },
  };
}

function sseClient(options) {
  const streams = new Set();
  return {
    async connect() {},
    subscribe(room) {
      return new Promise((resolve, reject) => {
        // EventSource comes back by itself after a drop or a refusal's `retry`, with Last-Event-ID.
        const stream = new EventSource(`${options.base}/rooms/${encodeURIComponent(room)}/events`);
        streams.add(stream);
        let first = true;
        stream.addEventListener('messages', (event) => {
          const at = performance.now();
          const data = JSON.parse(event.data);
          if (first) {
            first = false;
            resolve(data.cursor);
          }
          if (data.messages.length > 0) options.onMessages(room, data.messages, at);
        });
        stream.addEventListener('chat_error', (event) => options.onEvent?.('error', JSON.parse(event.data).code));
        stream.onopen = () => options.onEvent?.(first ? 'open' : 'reconnect');
        stream.onerror = () => {
          if (stream.readyState === EventSource.CLOSED) {
            options.onEvent?.('error', 'the stream ended for good');
            if (first) reject(new Error('the stream was refused'));
          }
        };
      });
    },
    send: (room, message) => post(options.base, room, message),
    async close() {
      for (const stream of streams) stream.close();
    },
  };
}

/**
 * What the two frame carriers share (WebSocket, Socket.IO): subscriptions answered by their first
 * `messages`, sends by their `ack` (or `error`, whose `ref` names the send), and every room
 * subscribed again from its last cursor when the carrier comes back.
 */
function frames(options, write) {
  const rooms = new Map();
  const waiting = new Map();
  const acks = new Map();
  return {
    received(frame) {
      if (frame.type === 'messages') {
        const at = performance.now();
        rooms.set(frame.room, frame.cursor);
        waiting.get(frame.room)?.(frame.cursor);
        waiting.delete(frame.room);
        if (frame.messages.length > 0) options.onMessages(frame.room, frame.messages, at);
      } else if (frame.type === 'ack') {
        acks.get(frame.id)?.resolve({ seq: frame.seq, cursor: frame.cursor });
        acks.delete(frame.id);
      } else if (frame.type === 'error') {
        const pending = frame.ref === undefined ? undefined : acks.get(frame.ref);
        if (pending) {
          acks.delete(frame.ref);
          const error = new Error(frame.code);
          error.code = frame.code;
          pending.reject(error);
        } else options.onEvent?.('error', frame.code);
      }
    },
    subscribe(room) {
      return new Promise((resolve) => {
        waiting.set(room, resolve);
        write({ type: 'subscribe', room });
      });
    },
    resubscribe() {
      for (const [room, cursor] of rooms) write({ type: 'subscribe', room, ...(cursor ? { cursor } : {}) });
    },
    send(room, message) {
      return new Promise((resolve, reject) => {
        acks.set(message.id, { resolve, reject });
        if (!write({ type: 'send', room, ...message })) {
          acks.delete(message.id);
          reject(new Error('not connected'));
        }
      });
    },
  };
}

/**
 * A client whose frame carrier comes back once lost (WebSocket, WebRTC): `open(lost)` opens one and
 * resolves once it carries frames (or rejects), and calls `lost(why)` once if it goes after that;
 * a loss or a failed attempt to come back is tried again after RETRY_MS, and each comeback
 * subscribes every room again from its last cursor. `shut()` closes the carrier for good.
 */
function comingBack(options, protocol, open, shut) {
  let closed = false;
  let timer;
  const retry = (why) => {
    if (closed) return;
    options.onEvent?.('error', why);
    timer = setTimeout(() => void reopen(), RETRY_MS);
  };
  const reopen = async () => {
    try {
      await open(retry);
      options.onEvent?.('reconnect');
      protocol.resubscribe();
    } catch (error) {
      retry(error.message);
    }
  };
  return {
    async connect() {
      await open(retry);
      options.onEvent?.('open');
    },
    subscribe: (room) => protocol.subscribe(room),
    send: (room, message) => protocol.send(room, message),
    async close() {
      closed = true;
      clearTimeout(timer);
      shut();
    },
  };
}

function websocketClient(options) {
  let socket;
  const protocol = frames(options, (frame) => {
    if (socket?.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  });
  const open = (lost) =>
    new Promise((resolve, reject) => {
      let opened = false;
      socket = new WebSocket(`${options.base.replace(/^http/, 'ws')}/ws`);
      socket.onopen = () => {
        opened = true;
        resolve();
      };
      socket.onmessage = (event) => protocol.received(JSON.parse(event.data));
      socket.onclose = () => (opened ? lost('the socket closed') : reject(new Error('the socket closed before it opened')));
    });
  return comingBack(options, protocol, open, () => socket?.close());
}

function socketIoClient(options) {
  const engine = options.engine ?? 'upgrade';
  // Socket.IO's own reconnection, as its applications run it; on each connect every room is
  // subscribed again from its last cursor (its connection state recovery is off on the server).
  const socket = globalThis.io(options.base, { autoConnect: false, transports: engine === 'upgrade' ? ['polling', 'websocket'] : [engine], upgrade: engine === 'upgrade' });
  const protocol = frames(options, (frame) => {
    if (!socket.connected) return false;
    const { type, ...payload } = frame;
    if (type === 'send') socket.emit('send', payload, (answer) => protocol.received(answer));
    else socket.emit(type, payload);
    return true;
  });
  let connected = false;
  socket.on('messages', (frame) => protocol.received({ type: 'messages', ...frame }));
  socket.on('chat_error', (frame) => protocol.received({ ...frame, type: 'error' }));
  socket.on('disconnect', (reason) => options.onEvent?.('error', `disconnected: ${reason}`));
  return {
    connect() {
      return new Promise((resolve, reject) => {
        socket.once('connect_error', reject);
        socket.on('connect', () => {
          if (connected) {
            options.onEvent?.('reconnect');
            protocol.resubscribe();
            return;
          }
          connected = true;
          socket.off('connect_error', reject);
          options.onEvent?.('open');
          resolve();
        });
        socket.connect();
      });
    },
    subscribe: (room) => protocol.subscribe(room),
    send: (room, message) => protocol.send(room, message),
    async close() {
      socket.disconnect();
    },
    /** The engine.io transport in use, for people. */
    engineName: () => socket.io.engine?.transport?.name,
  };
}

/** An address a WebRTC peer of this project may offer: 127.0.0.0/8 and the benchmarking range 198.18.0.0/15. */
const allowedAddress = (address) => /^127\./.test(address) || /^198\.(18|19)\./.test(address);

/**
 * A WebRTC data channel `chat` (ordered, reliable) carrying the WebSocket frames, as the contract's
 * WebRTC section says: one offer, sent once gathering is complete (no trickle), keeping only the
 * candidates on allowed addresses, to `POST /rtc/offer`. The peer uses no STUN or TURN server.
 * A closed channel comes back with a new peer and every room subscribed again from its cursor.
 * `bytes()` is what its ICE transports carried (DTLS records, SCTP inside), as `getStats` reads it.
 */
function webrtcClient(options) {
  let peer;
  let channel;
  const carried = { sent: 0, received: 0 };
  const protocol = frames(options, (frame) => {
    if (channel?.readyState !== 'open') return false;
    channel.send(JSON.stringify(frame));
    return true;
  });
  /** What a peer's ICE transports carried so far. */
  const readBytes = async (pc) => {
    let sent = 0;
    let received = 0;
    for (const stat of (await pc.getStats()).values()) {
      if (stat.type === 'transport') {
        sent += stat.bytesSent ?? 0;
        received += stat.bytesReceived ?? 0;
      }
    }
    return { sent, received };
  };
  const open = async (lost) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    peer = pc;
    const dc = pc.createDataChannel('chat', { ordered: true });
    channel = dc;
    dc.onmessage = (event) => protocol.received(JSON.parse(event.data));
    const gathered = new Promise((resolve) => {
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') await gathered;
    const sdp = pc.localDescription.sdp
      .split(/\r?\n/)
      .filter((line) => !line.startsWith('a=candidate:') || allowedAddress(line.split(' ')[4]))
      .join('\r\n');
    const answer = await fetch(`${options.base}/rtc/offer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'offer', sdp }) });
    if (answer.status !== 201) throw await answerError(answer);
    const { type, sdp: answerSdp } = await answer.json();
    await pc.setRemoteDescription({ type, sdp: answerSdp });
    await new Promise((resolve, reject) => {
      let opened = false;
      dc.onopen = () => {
        opened = true;
        resolve();
      };
      dc.onclose = async () => {
        if (!opened) return reject(new Error('the data channel closed before it opened'));
        // What the peer carried stays counted once it is gone.
        const last = await readBytes(pc).catch(() => ({ sent: 0, received: 0 }));
        carried.sent += last.sent;
        carried.received += last.received;
        pc.close();
        lost('the data channel closed');
      };
    });
  };
  return {
    ...comingBack(options, protocol, open, () => peer?.close()),
    /** Bytes its peers' ICE transports carried so far: the closed ones' and the live one's. */
    async bytes() {
      const live = peer && peer.connectionState !== 'closed' ? await readBytes(peer) : { sent: 0, received: 0 };
      return { sent: carried.sent + live.sent, received: carried.received + live.received };
    },
  };
}

const CLIENTS = {
  'short-polling': (options) => pollingClient(options, false),
  'long-polling': (options) => pollingClient(options, true),
  sse: sseClient,
  websocket: websocketClient,
  socketio: socketIoClient,
  webrtc: webrtcClient,
};

/** The transports this file has a client of. */
export const BROWSER_TRANSPORTS = Object.keys(CLIENTS);

export function openClient(transport, options) {
  const make = CLIENTS[transport];
  if (!make) throw new Error(`no browser client of ${transport}; there are ${BROWSER_TRANSPORTS.join(', ')}`);
  return make(options);
}
