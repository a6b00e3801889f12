// servers/contract/transports.ts
var TRANSPORT_INFO = {
  "short-polling": { label: "short polling", http: true, knob: "pollIntervalMs", http2: true },
  "long-polling": { label: "long polling", http: true, knob: "waitMs", http2: true, idleGuard: "maxWaitMs" },
  websocket: { label: "WebSocket", http: false, http2: false },
  sse: { label: "SSE", http: false, http2: true, idleGuard: "heartbeatMs" },
  webrtc: { label: "WebRTC", http: false, http2: false }
};
var TRANSPORTS = Object.keys(TRANSPORT_INFO);
var HTTP2_TRANSPORTS = TRANSPORTS.filter((t) => TRANSPORT_INFO[t].http2);

// servers/contract/routes.ts
var HEALTH_PATH = "/healthz";
var WS_PATH = "/ws";
var RTC_OFFER_PATH = "/rtc/offer";
var RTC_CHANNELS = { reliable: "chat", lossy: "chat-lossy" };
var MESSAGES_ROUTE = "/rooms/:room/messages";
var EVENTS_ROUTE = "/rooms/:room/events";
var LAST_EVENT_ID_HEADER = "last-event-id";
var WS_TOKEN_PARAM = "token";

// servers/contract/errors.ts
var ERRORS = {
  BAD_REQUEST: { status: 400, close: void 0, when: "malformed JSON, a missing or wrong field, a bad room id, a bad limit, wait or cursor parameter, an unknown frame type" },
  UNAUTHORIZED: { status: 401, close: void 0, when: "a token is required and missing or wrong" },
  FORBIDDEN: { status: 403, close: void 0, when: "a WebSocket handshake from an Origin outside the allow-list; a request whose Host is not allowed (loopback names and allowedHosts on a loopback server)" },
  NOT_FOUND: { status: 404, close: void 0, when: "an unknown route" },
  REQUEST_TIMEOUT: { status: 408, close: void 0, when: "a request whose headers or body did not arrive within headersTimeoutMs or requestTimeoutMs" },
  CURSOR_EXPIRED: { status: 410, close: void 0, when: "the cursor is older than history, from another epoch, or not a cursor this server made" },
  PAYLOAD_TOO_LARGE: { status: 413, close: 1009, when: "a body or frame over the limit" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, close: void 0, when: "a POST that is not application/json" },
  TOO_MANY_ROOMS: { status: 503, close: void 0, when: "a new room while the server keeps maxRooms rooms already" },
  TOO_MANY_SUBSCRIPTIONS: { status: void 0, close: void 0, when: "a WebSocket subscribe beyond maxSubscriptions rooms on one connection" },
  BUSY: { status: 503, close: void 0, when: "a WebRTC offer while the server has maxPeers peer connections already" },
  TOO_MANY_HELD_POLLS: { status: 503, close: void 0, when: "a long poll that would be held while the server holds maxHeldPolls already" },
  TOO_MANY_STREAMS: { status: 503, close: void 0, when: "an SSE stream opened while the server holds maxStreams streams already" },
  SERVER_BUSY: { status: 503, close: void 0, when: "a GET of messages while more than maxWaitingBytes of answers wait for clients that do not read" },
  HEADERS_TOO_LARGE: { status: 431, close: void 0, when: "a request line and headers over Node's limit (16 KiB)" },
  BACKPLANE_UNAVAILABLE: { status: 503, close: void 0, when: "a post (or a read the server cannot answer from what it holds) while the Redis backplane cannot be reached; nothing was acknowledged, retrying with the same id is safe" },
  BACKPLANE_FULL: { status: 503, close: void 0, when: "a post while the Redis backplane is out of memory (maxmemory reached); nothing was acknowledged, retrying with the same id once memory is freed stores once" },
  SHUTTING_DOWN: { status: 503, close: 1001, when: "the server is stopping" },
  SLOW_CONSUMER: { status: void 0, close: 4008, when: "a WebSocket client or SSE stream with more than maxBufferedBytes waiting for it" },
  INTERNAL_ERROR: { status: 500, close: 1011, when: "a bug in the server: never expected, reported if it happens" }
};
var ChatError = class extends Error {
  code;
  /** With `CURSOR_EXPIRED`: the cursor at the room's head to restart from. */
  cursor;
  constructor(code, message, cursor2) {
    super(message);
    this.name = "ChatError";
    this.code = code;
    this.cursor = cursor2;
  }
  /** The HTTP status of this error (500 for a code that has none, which is a bug). */
  get status() {
    return ERRORS[this.code].status ?? 500;
  }
  /** The contract's HTTP error body. */
  toBody() {
    return this.cursor === void 0 ? { error: { code: this.code, message: this.message } } : { error: { code: this.code, message: this.message, cursor: this.cursor } };
  }
};

// cli/option-table.ts
function toFlag(name2) {
  return `--${name2.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
function inWords(items) {
  return items.length <= 1 ? items[0] ?? "" : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
function describeValid(spec) {
  switch (spec.kind) {
    case "int":
      return `an integer from ${spec.min} to ${spec.max}`;
    case "number":
      return `a number from ${spec.min} to ${spec.max}`;
    case "boolean":
      return "a flag";
    case "list":
      return "a comma-separated list";
    case "string":
      return spec.choices ? `one of ${spec.choices.join(", ")}` : "a string";
  }
}
function checkOption(name2, spec, value) {
  const bad = () => `option ${name2} must be ${describeValid(spec)}, got ${JSON.stringify(value)}`;
  switch (spec.kind) {
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError(bad());
      if (value < spec.min || value > spec.max) throw new RangeError(bad());
      return;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) throw new TypeError(bad());
      if (value < spec.min || value > spec.max) throw new RangeError(bad());
      return;
    case "boolean":
      if (typeof value !== "boolean") throw new TypeError(bad());
      return;
    case "list":
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw new TypeError(bad());
      return;
    case "string":
      if (typeof value !== "string") throw new TypeError(bad());
      if (spec.choices && !spec.choices.includes(value)) throw new RangeError(bad());
      return;
  }
}
function parseOptionText(name2, spec, text) {
  const bad = () => new Error(`${toFlag(name2)} must be ${describeValid(spec)}, got ${JSON.stringify(text)}`);
  switch (spec.kind) {
    case "int": {
      if (!/^-?\d+$/.test(text.trim())) throw bad();
      const n = Number(text.trim());
      if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) throw bad();
      return n;
    }
    case "number": {
      const n = /^-?(\d+\.?\d*|\.\d+)$/.test(text.trim()) ? Number(text.trim()) : NaN;
      if (!(n >= spec.min && n <= spec.max)) throw bad();
      return n;
    }
    case "boolean":
      if (text === "true" || text === "") return true;
      if (text === "false") return false;
      throw bad();
    case "list":
      return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    case "string":
      if (spec.choices && !spec.choices.includes(text)) throw bad();
      return text;
  }
}
function resolveOptions(table, given = {}) {
  const out = {};
  for (const [name2, spec] of Object.entries(table)) if (spec.default !== void 0) out[name2] = spec.default;
  for (const [name2, value] of Object.entries(given)) {
    if (value === void 0) continue;
    const spec = table[name2];
    if (!spec) {
      throw new TypeError(`unknown option ${JSON.stringify(name2)}; known options: ${Object.keys(table).join(", ")}`);
    }
    checkOption(name2, spec, value);
    out[name2] = value;
  }
  return out;
}
function shownDefaultOf(spec) {
  if ("shownDefault" in spec && spec.shownDefault !== void 0) return spec.shownDefault;
  if (spec.kind === "list") return spec.default.join(",") || "(none)";
  return spec.default === void 0 ? "(none)" : String(spec.default);
}
function formatOptionHelp(table) {
  const rows = Object.entries(table).map(([name2, spec]) => {
    const shown = shownDefaultOf(spec);
    const value = { int: " <n>", number: " <x>", boolean: "", list: " <a,b>", string: " <s>" }[spec.kind];
    if (spec.kind === "boolean") return { left: toFlag(name2), right: spec.doc };
    return { left: `${toFlag(name2)}${value}`, right: `${spec.doc} (default: ${shown}; ${describeValid(spec)})` };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return rows.map((r) => `  ${r.left.padEnd(width)}${r.right}`).join("\n");
}

// servers/contract/limits.ts
var KiB = 1024;
var MiB = 1024 * KiB;
var SERVER_OPTIONS = {
  transport: { kind: "string", default: "websocket", choices: TRANSPORTS, doc: "which server to start" },
  host: { kind: "string", default: "127.0.0.1", doc: "address to listen on" },
  port: { kind: "int", default: 0, min: 0, max: 65535, doc: "port to listen on; 0 picks a free one" },
  historySize: { kind: "int", default: 1e4, min: 1, max: 1e7, doc: "messages kept per room; older cursors expire" },
  maxBodyBytes: { kind: "int", default: 4096, min: 1, max: MiB, doc: "largest message body, in UTF-8 bytes" },
  maxPayloadBytes: { kind: "int", default: 64 * KiB, min: 1 * KiB, max: 16 * MiB, doc: "largest HTTP request body or WebSocket frame, in bytes" },
  pageSize: { kind: "int", default: 100, min: 1, max: 1e5, doc: "messages per GET when `limit` is not given" },
  maxPageSize: { kind: "int", default: 1e3, min: 1, max: 1e5, doc: "largest `limit` a GET may ask for; also the largest WebSocket replay frame" },
  defaultWaitMs: { kind: "int", default: 25e3, min: 0, max: 36e5, doc: "long polling: how long a GET is held when `wait` is not given" },
  maxWaitMs: { kind: "int", default: 6e4, min: 0, max: 36e5, doc: "long polling: largest `wait` a GET may ask for" },
  maxBufferedBytes: {
    kind: "int",
    default: 1 * MiB,
    min: 1,
    max: 1024 * MiB,
    doc: "bytes waiting for one client: a WebSocket client beyond it is closed with 4008, an SSE stream beyond it is ended; an HTTP connection beyond it has its next requests parked until it drains; a replay waits for the buffer to drain"
  },
  maxWaitingBytes: {
    kind: "int",
    default: 256 * MiB,
    min: 1,
    max: 64 * 1024 * MiB,
    doc: "bytes waiting for clients that have not read them, over all connections (HTTP answers, SSE events counted once however many streams share them, WebSocket frames): past it, the client with the most waiting is cut first, until the rest fit; only when none is left to cut does a GET of messages or events get 503 SERVER_BUSY"
  },
  maxHeldPolls: { kind: "int", default: 5e4, min: 1, max: 1e7, doc: "long polling: polls held at once over all connections; beyond it a poll that would be held gets 503 TOO_MANY_HELD_POLLS" },
  maxStreams: { kind: "int", default: 5e4, min: 1, max: 1e7, doc: "SSE: event streams open at once over all connections; beyond it a new stream gets 503 TOO_MANY_STREAMS" },
  maxStoredBytes: {
    kind: "int",
    default: 1024 * MiB,
    min: 1 * KiB,
    max: 1024 * 1024 * MiB,
    doc: "bytes of stored messages over all rooms (body, id and from in UTF-8, plus 300 per message); beyond it the oldest messages server-wide are dropped, and cursors into them expire"
  },
  maxRooms: { kind: "int", default: 1e5, min: 1, max: 1e8, doc: "rooms kept at once (with messages or listeners); a new room beyond it is refused with TOO_MANY_ROOMS" },
  maxSubscriptions: { kind: "int", default: 1e3, min: 1, max: 1e6, doc: "WebSocket: rooms one connection may subscribe to; beyond it, TOO_MANY_SUBSCRIPTIONS" },
  maxPeers: { kind: "int", default: 500, min: 1, max: 1e5, doc: "WebRTC: peer connections at once (each a UDP socket, DTLS and SCTP in JavaScript); beyond it an offer gets 503 BUSY" },
  heartbeatMs: { kind: "int", default: 3e4, min: 10, max: 36e5, doc: "WebSocket: ping interval; a client that has not answered the last ping is dropped. SSE: interval of the `: ping` comment on every stream; must be shorter than idle-timeout-ms by max(1000 ms, 10%)" },
  allowedOrigins: { kind: "list", default: [], doc: "WebSocket: Origins allowed to connect; empty allows any (requests without Origin are always allowed)" },
  allowedHosts: {
    kind: "list",
    default: [],
    doc: "Host names answered beside loopback ones (localhost, 127.x.x.x, [::1]) when listening on loopback, against DNS rebinding; a leading dot allows subdomains (.example.com); listening elsewhere, only these when given; other hosts get 403 FORBIDDEN"
  },
  token: { kind: "string", default: "", shownDefault: "(none)", doc: "shared token required on every request (Authorization: Bearer, or ?token= on /ws)" },
  headersTimeoutMs: { kind: "int", default: 1e4, min: 1, max: 36e5, doc: "a request whose headers take longer is cut off" },
  requestTimeoutMs: { kind: "int", default: 1e4, min: 1, max: 36e5, doc: "a request that takes longer to arrive whole is cut off" },
  idleTimeoutMs: { kind: "int", default: 75e3, min: 1, max: 36e5, doc: "an HTTP connection silent this long is closed; long polling: must exceed max-wait-ms by max(1000 ms, 10%)" },
  keepAliveTimeoutMs: { kind: "int", default: 72e3, min: 1, max: 36e5, doc: "an idle keep-alive connection is closed after this long" },
  backplane: {
    kind: "string",
    default: "memory",
    doc: "where rooms live: memory (this process only) or redis://HOST:PORT (every instance started with the same URL serves the same rooms; use the same --history-size on each)"
  },
  shutdownGraceMs: { kind: "int", default: 2e3, min: 0, max: 6e5, doc: "on shutdown, how long clients get to finish (close handshakes, answers in flight) before every connection is cut" },
  tls: {
    kind: "boolean",
    default: false,
    doc: "serve https:// and wss:// with a self-signed certificate for 127.0.0.1 and localhost made at start (printed, and sent to a harness, so clients can trust it); --cert and --key give your own"
  },
  cert: { kind: "string", default: "", shownDefault: "(made at start)", doc: "with --tls: a PEM certificate (chain) file to serve instead of a self-signed one; needs --key" },
  key: { kind: "string", default: "", shownDefault: "(made at start)", doc: "with --tls: the PEM private key file of --cert" },
  http2: { kind: "boolean", default: false, doc: "short and long polling and SSE: serve HTTP/2 (HTTP/1.1 clients still served, by ALPN); needs --tls" }
};
function resolveServerOptions(given = {}) {
  const o = resolveOptions(SERVER_OPTIONS, given);
  if (o.pageSize > o.maxPageSize) {
    throw new RangeError(`option pageSize (${o.pageSize}) must not exceed maxPageSize (${o.maxPageSize})`);
  }
  if (o.defaultWaitMs > o.maxWaitMs) {
    throw new RangeError(`option defaultWaitMs (${o.defaultWaitMs}) must not exceed maxWaitMs (${o.maxWaitMs})`);
  }
  const { idleGuard } = TRANSPORT_INFO[o.transport];
  if (idleGuard === "maxWaitMs" && o.idleTimeoutMs < minIdleTimeoutMs(o.maxWaitMs)) {
    throw new RangeError(
      `option maxWaitMs (${o.maxWaitMs}) must be shorter than idleTimeoutMs (${o.idleTimeoutMs}) by at least ${idleMarginMs(o.maxWaitMs)} ms (the larger of ${IDLE_MARGIN_MIN_MS} ms and ${IDLE_MARGIN_FRACTION * 100}% of option maxWaitMs), or held polls would be cut off without an answer; raise option idleTimeoutMs to ${minIdleTimeoutMs(o.maxWaitMs)} or more`
    );
  }
  if (idleGuard === "heartbeatMs" && o.idleTimeoutMs < minIdleTimeoutMs(o.heartbeatMs)) {
    throw new RangeError(
      `option heartbeatMs (${o.heartbeatMs}) must be shorter than idleTimeoutMs (${o.idleTimeoutMs}) by at least ${idleMarginMs(o.heartbeatMs)} ms, or quiet SSE streams would be cut off by the idle timeout; raise option idleTimeoutMs to ${minIdleTimeoutMs(o.heartbeatMs)} or more, or lower option heartbeatMs`
    );
  }
  if (o.headersTimeoutMs > o.requestTimeoutMs) {
    throw new RangeError(`option headersTimeoutMs (${o.headersTimeoutMs}) must not exceed requestTimeoutMs (${o.requestTimeoutMs})`);
  }
  parseBackplane(o.backplane);
  if (o.maxBodyBytes >= o.maxPayloadBytes) {
    throw new RangeError(`option maxBodyBytes (${o.maxBodyBytes}) must be smaller than maxPayloadBytes (${o.maxPayloadBytes})`);
  }
  if (o.cert === "" !== (o.key === "")) {
    throw new RangeError(`option cert and option key go together: option ${o.cert === "" ? "cert" : "key"} is missing (give both files, or neither for a self-signed certificate)`);
  }
  if (o.cert !== "" && !o.tls) throw new RangeError("option cert and option key need option tls: they are the certificate it serves");
  if (o.http2 && !o.tls) throw new RangeError("option http2 needs option tls: HTTP/2 is served over TLS only (ALPN h2), as browsers speak it");
  if (o.http2 && !HTTP2_TRANSPORTS.includes(o.transport)) {
    throw new RangeError(`option http2 applies to ${inWords(HTTP2_TRANSPORTS)}, not ${o.transport}`);
  }
  return o;
}
var REDIS_PACKAGE = "redis-server";
function parseBackplane(value) {
  if (value === "memory") return { kind: "memory" };
  const allowed = "memory or redis://HOST:PORT (a running Redis, e.g. redis://127.0.0.1:6379)";
  if (value === "redis") {
    throw new RangeError(
      `option backplane must be ${allowed}, got "redis": a server needs the URL of a running Redis; the harness's --backplane redis starts one itself from Debian's ${REDIS_PACKAGE} package (apt-get install ${REDIS_PACKAGE})`
    );
  }
  let url;
  try {
    url = new URL(value);
  } catch {
    url = void 0;
  }
  const port = url?.port === "" ? NaN : Number(url?.port);
  if (!url || url.protocol !== "redis:" || url.hostname === "" || !(port >= 1 && port <= 65535) || url.username !== "" || url.password !== "" || url.pathname !== "" && url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw new RangeError(`option backplane must be ${allowed}, got ${JSON.stringify(value)}`);
  }
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { kind: "redis", host, port, url: `redis://${url.host}` };
}
var IDLE_MARGIN_MIN_MS = 1e3;
var IDLE_MARGIN_FRACTION = 0.1;
function idleMarginMs(maxWaitMs) {
  return Math.max(IDLE_MARGIN_MIN_MS, Math.ceil(maxWaitMs * IDLE_MARGIN_FRACTION));
}
function minIdleTimeoutMs(maxWaitMs) {
  return maxWaitMs + idleMarginMs(maxWaitMs);
}
function connectionsCheckingIntervalMs(options) {
  return Math.min(5e3, Math.max(50, Math.floor(options.headersTimeoutMs / 4)));
}
var ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
var MAX_NAME_CHARS = 64;
var MAX_CURSOR_CHARS = 128;

// servers/contract/cursor.ts
import { randomBytes } from "node:crypto";
function newEpoch() {
  return randomBytes(6).toString("base64url");
}
function roomTag(room2) {
  let h = 2166136261;
  for (let i = 0; i < room2.length; i++) {
    h ^= room2.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(36);
}
function encodeCursor(epoch, tag, seq) {
  return `${epoch}.${tag}.${seq.toString(36)}`;
}
var SEQ_PATTERN = /^[0-9a-z]{1,10}$/;
function decodeCursor(epoch, tag, cursor2) {
  const first = cursor2.indexOf(".");
  const second = cursor2.indexOf(".", first + 1);
  if (first < 0 || second < 0) return void 0;
  if (cursor2.slice(0, first) !== epoch || cursor2.slice(first + 1, second) !== tag) return void 0;
  const seqText = cursor2.slice(second + 1);
  if (!SEQ_PATTERN.test(seqText)) return void 0;
  return parseInt(seqText, 36);
}

// servers/contract/validate.ts
import { Ajv } from "ajv";
var name = { type: "string", minLength: 1, maxLength: MAX_NAME_CHARS };
var room = { type: "string", pattern: ROOM_ID_PATTERN.source };
var cursor = { type: "string", minLength: 1, maxLength: MAX_CURSOR_CHARS };
var SCHEMAS = {
  post: {
    type: "object",
    required: ["id", "from", "body"],
    additionalProperties: false,
    properties: { id: name, from: name, body: { type: "string" } }
  },
  subscribe: {
    type: "object",
    required: ["type", "room"],
    additionalProperties: false,
    properties: { type: { const: "subscribe" }, room, cursor }
  },
  unsubscribe: {
    type: "object",
    required: ["type", "room"],
    additionalProperties: false,
    properties: { type: { const: "unsubscribe" }, room }
  },
  send: {
    type: "object",
    required: ["type", "room", "id", "from", "body"],
    additionalProperties: false,
    properties: { type: { const: "send" }, room, id: name, from: name, body: { type: "string" } }
  }
};
var FIELD_RULES = {
  id: `a string of 1 to ${MAX_NAME_CHARS} characters`,
  from: `a string of 1 to ${MAX_NAME_CHARS} characters`,
  body: "a string",
  room: `a room id matching ${ROOM_ID_PATTERN.source}`,
  cursor: `a cursor string (1 to ${MAX_CURSOR_CHARS} characters) that this server handed out`,
  type: 'one of "subscribe", "unsubscribe", "send"'
};
var ajv = new Ajv({ allErrors: false, strict: true });
var validators = {
  post: ajv.compile(SCHEMAS.post),
  subscribe: ajv.compile(SCHEMAS.subscribe),
  unsubscribe: ajv.compile(SCHEMAS.unsubscribe),
  send: ajv.compile(SCHEMAS.send)
};
function describeError(error, what, allowed) {
  if (!error) return `invalid ${what}`;
  if (error.keyword === "additionalProperties") {
    const extra = String(error.params.additionalProperty);
    return `unknown field ${JSON.stringify(extra)} in ${what}; allowed fields: ${allowed.join(", ")}`;
  }
  if (error.keyword === "required") {
    const missing = String(error.params.missingProperty);
    return `missing field ${JSON.stringify(missing)} in ${what}; it must be ${FIELD_RULES[missing] ?? "present"}`;
  }
  const field = error.instancePath.slice(1);
  if (field === "") return `${what} must be a JSON object with fields ${allowed.join(", ")}`;
  return `field ${JSON.stringify(field)} must be ${FIELD_RULES[field] ?? error.message ?? "valid"}`;
}
function checkBodyBytes(body, maxBodyBytes) {
  if (body.length * 3 <= maxBodyBytes) return;
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > maxBodyBytes) {
    throw new ChatError("PAYLOAD_TOO_LARGE", `field "body" is ${bytes} UTF-8 bytes; at most ${maxBodyBytes} are allowed`);
  }
}
var LONE_SURROGATE = /\p{Cs}/u;
function checkWellFormed(message) {
  for (const field of ["id", "from", "body"]) {
    const at = message[field].search(LONE_SURROGATE);
    if (at >= 0) {
      throw new ChatError("BAD_REQUEST", `field ${JSON.stringify(field)} has a lone UTF-16 surrogate at index ${at}; text must be well-formed Unicode (a surrogate only as half of a pair)`);
    }
  }
}
function checkPost(value, maxBodyBytes) {
  if (!validators.post(value)) {
    throw new ChatError("BAD_REQUEST", describeError(validators.post.errors?.[0], "the message", ["id", "from", "body"]));
  }
  checkWellFormed(value);
  checkBodyBytes(value.body, maxBodyBytes);
  return value;
}
function checkRoomId(value) {
  if (typeof value !== "string" || !ROOM_ID_PATTERN.test(value)) {
    throw new ChatError("BAD_REQUEST", `room id ${JSON.stringify(value)} is not valid; it must be ${FIELD_RULES.room}`);
  }
  return value;
}
var FRAME_FIELDS = {
  subscribe: ["type", "room", "cursor"],
  unsubscribe: ["type", "room"],
  send: ["type", "room", "id", "from", "body"]
};
var FrameError = class extends ChatError {
  ref;
  constructor(error, ref) {
    super(error.code, error.message, error.cursor);
    this.ref = ref;
  }
};
function refOf(value) {
  if (typeof value !== "object" || value === null) return void 0;
  const v = value;
  if (v.type === "send" && typeof v.id === "string") return v.id;
  if (typeof v.room === "string") return v.room;
  if (typeof v.id === "string") return v.id;
  return void 0;
}
function parseClientFrame(text, maxBodyBytes) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError(new ChatError("BAD_REQUEST", 'the frame is not valid JSON; frames are JSON text such as {"type":"subscribe","room":"lobby"}'), void 0);
  }
  const ref = refOf(value);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FrameError(new ChatError("BAD_REQUEST", 'a frame must be a JSON object with a "type" field'), ref);
  }
  const type = value.type;
  if (type !== "subscribe" && type !== "unsubscribe" && type !== "send") {
    throw new FrameError(
      new ChatError("BAD_REQUEST", `unknown frame type ${JSON.stringify(type) ?? "undefined"}; it must be ${FIELD_RULES.type}`),
      ref
    );
  }
  const validate = validators[type];
  if (!validate(value)) {
    throw new FrameError(new ChatError("BAD_REQUEST", describeError(validate.errors?.[0], `a "${type}" frame`, FRAME_FIELDS[type])), ref);
  }
  if (value.type === "send") {
    try {
      checkWellFormed(value);
      checkBodyBytes(value.body, maxBodyBytes);
    } catch (error) {
      throw new FrameError(error, ref);
    }
  }
  return value;
}
function single(name2, value) {
  if (value === void 0) return void 0;
  if (typeof value !== "string") {
    throw new ChatError("BAD_REQUEST", `query parameter "${name2}" must be given once`);
  }
  return value;
}
function integerParam(name2, value, min, max) {
  const text = single(name2, value);
  if (text === void 0) return void 0;
  const n = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new ChatError("BAD_REQUEST", `query parameter "${name2}" must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}
function checkLimit(value, pageSize, maxPageSize) {
  return integerParam("limit", value, 1, maxPageSize) ?? pageSize;
}
function checkWait(value, defaultWaitMs, maxWaitMs) {
  return integerParam("wait", value, 0, maxWaitMs) ?? defaultWaitMs;
}
function checkCursorParam(value) {
  const text = single("cursor", value);
  if (text === void 0) return void 0;
  if (text.length === 0 || text.length > MAX_CURSOR_CHARS) {
    throw new ChatError("BAD_REQUEST", `query parameter "cursor" must be ${FIELD_RULES.cursor}`);
  }
  return text;
}
function checkLastEventId(value) {
  if (value === void 0 || value === "") return void 0;
  if (typeof value !== "string" || value.length > MAX_CURSOR_CHARS) {
    throw new ChatError("BAD_REQUEST", `header Last-Event-ID must be ${FIELD_RULES.cursor}, given once`);
  }
  return value;
}

// cli/command-line.ts
import { parseArgs } from "node:util";
var UsageError = class extends Error {
  name = "UsageError";
};
function parseCommandLine(table, argv) {
  const byFlag = new Map(Object.keys(table).map((name2) => [toFlag(name2).slice(2), name2]));
  const specs = { help: { type: "boolean", short: "h" } };
  for (const [flag, name2] of byFlag) {
    const spec = table[name2];
    specs[flag] = { type: spec?.kind === "boolean" ? "boolean" : "string", ...spec?.kind === "string" && spec.repeatable ? { multiple: true } : {} };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(table, argv), options: specs, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error.message;
    const missing = /^Option '(--[\w-]+) <value>' argument missing/.exec(message);
    throw new UsageError(missing ? `${missing[1]} needs a value (--help lists what it takes)` : message.replace(/\. To specify a positional.*$/s, ""));
  }
  const values = {};
  const repeated = {};
  for (const [flag, raw] of Object.entries(parsed.values)) {
    if (flag === "help") continue;
    const name2 = byFlag.get(flag);
    const spec = name2 === void 0 ? void 0 : table[name2];
    if (name2 === void 0 || spec === void 0) continue;
    if (Array.isArray(raw)) {
      repeated[name2] = raw.filter((v) => typeof v === "string");
      continue;
    }
    if (typeof raw === "boolean") {
      values[name2] = raw;
      continue;
    }
    if (typeof raw !== "string") continue;
    try {
      values[name2] = parseOptionText(name2, spec, raw);
    } catch (error) {
      throw new UsageError(error.message);
    }
  }
  return { values, repeated, positionals: parsed.positionals, help: parsed.values.help === true };
}
function withFlagNames(table, message) {
  return message.replace(/\boption (\w+)/g, (all, name2) => name2 in table ? toFlag(name2) : all).replace(
    /\(\d+\) must (?:not exceed|be shorter than|be smaller than) (\w+)/g,
    (all, name2) => name2 in table ? all.replace(name2, toFlag(name2)) : all
  );
}
function joinNegativeValues(table, argv) {
  const takesValue = new Set(Object.entries(table).filter(([, spec]) => spec.kind !== "boolean").map(([name2]) => toFlag(name2)));
  const { options, rest } = splitAtDoubleDash(argv);
  const out = [];
  for (let i = 0; i < options.length; i++) {
    const arg = options[i];
    const next = options[i + 1];
    if (takesValue.has(arg) && next !== void 0 && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return [...out, ...rest];
}
function splitAtDoubleDash(argv) {
  const at = argv.indexOf("--");
  return at < 0 ? { options: argv, rest: [] } : { options: argv.slice(0, at), rest: argv.slice(at) };
}

// cli/loopback.ts
function isLoopback(hostname) {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

// servers/common/self-report.ts
import { monitorEventLoopDelay } from "node:perf_hooks";

// servers/common/profiler.ts
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
var PROFILE_SAMPLING_US = 200;
var WindowProfiler = class {
  #session;
  /** Starts sampling; a second start while running is refused. */
  async start() {
    if (this.#session) throw new Error("the CPU profiler is already running");
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: PROFILE_SAMPLING_US });
    await session.post("Profiler.start");
    this.#session = session;
  }
  /** Stops sampling and writes the profile to `file`; resolves with its size in bytes. */
  async stop(file) {
    const session = this.#session;
    if (!session) throw new Error("the CPU profiler was not started");
    this.#session = void 0;
    try {
      const { profile } = await session.post("Profiler.stop");
      const text = JSON.stringify(profile);
      await writeFile(file, text);
      return Buffer.byteLength(text);
    } finally {
      session.disconnect();
    }
  }
};

// servers/common/self-report.ts
import { getHeapStatistics } from "node:v8";
function monotonicUs() {
  return Number(process.hrtime.bigint() / 1000n);
}
var LOOP_DELAY_RESOLUTION_MS = 10;
function cpuUs() {
  const { user, system } = process.cpuUsage();
  return user + system;
}
function fallbackMemory() {
  return { rss: process.resourceUsage().maxRSS * 1024, heapUsed: getHeapStatistics().used_heap_size, rssIsPeak: true };
}
var MEMORY_READ_FAILURES = "memoryReadFailures";
function startSelfReport(options) {
  const channel = options.channel ?? processChannel();
  if (!channel) return () => void 0;
  const readMemory = options.readMemory ?? (() => process.memoryUsage());
  let failures = 0;
  const send = (report) => {
    channel.send(report, () => void 0);
  };
  const tryReadMemory = () => {
    try {
      return readMemory();
    } catch (error) {
      if (failures === 0) console.error(`self-report: memory reading failed (${error.message}); skipping it, and counting in ${MEMORY_READ_FAILURES}`);
      failures++;
      return void 0;
    }
  };
  const loop = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loop.enable();
  const sample = () => {
    const memory = tryReadMemory();
    if (!memory) return;
    const report = { type: "sample", tUs: monotonicUs(), cpuUs: cpuUs(), rss: memory.rss, heapUsed: memory.heapUsed };
    send(report);
  };
  const timer = setInterval(sample, options.intervalMs);
  timer.unref();
  sample();
  const profiler = new WindowProfiler();
  const onMessage = (command) => {
    if (command.type === "stop") {
      options.onStop();
      return;
    }
    if (command.type === "profile") {
      const done = command.action === "start" ? profiler.start().then(() => void 0) : profiler.stop(command.file);
      done.then(
        (bytes) => send({ type: "profile", action: command.action, ...bytes === void 0 ? {} : { bytes } }),
        (error) => send({ type: "profile", action: command.action, error: error.message })
      );
      return;
    }
    if (command.type !== "mark") return;
    const gc = globalThis.gc;
    if (command.gc && gc) {
      gc();
      gc();
    }
    const memory = tryReadMemory() ?? fallbackMemory();
    const toUs = (ns) => Math.max(0, Math.round(ns / 1e3) - LOOP_DELAY_RESOLUTION_MS * 1e3);
    const mark = {
      type: "mark",
      name: command.name,
      tUs: monotonicUs(),
      cpuUs: cpuUs(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      ...memory.rssIsPeak ? { rssIsPeak: true } : {},
      collected: command.gc === true && gc !== void 0,
      loopDelay: {
        mean: toUs(Number.isNaN(loop.mean) ? LOOP_DELAY_RESOLUTION_MS * 1e6 : loop.mean),
        p50: toUs(loop.percentile(50)),
        p99: toUs(loop.percentile(99)),
        max: toUs(loop.max)
      },
      stats: { ...options.stats(), [MEMORY_READ_FAILURES]: failures }
    };
    loop.reset();
    send(mark);
  };
  channel.on("message", onMessage);
  return () => {
    clearInterval(timer);
    loop.disable();
    channel.off("message", onMessage);
  };
}
function processChannel() {
  if (!process.send) return void 0;
  return {
    send: (report, callback) => process.send?.(report, void 0, {}, callback),
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener)
  };
}

// servers/common/room-log.ts
var MESSAGE_OVERHEAD_BYTES = 300;
function messageCost(message) {
  return Buffer.byteLength(message.body) + Buffer.byteLength(message.id) + Buffer.byteLength(message.from) + MESSAGE_OVERHEAD_BYTES;
}
var Room = class {
  id;
  /** Hash of the id that cursors carry. */
  tag;
  /** The epoch of the log this room belongs to: its cursors carry it. */
  epoch;
  capacity;
  /** The messages kept, oldest first, from index `start`; the ones before it were dropped. */
  kept = [];
  start = 0;
  /** `messageCost` over the messages kept. */
  keptBytes = 0;
  bySender = /* @__PURE__ */ new Map();
  listeners = /* @__PURE__ */ new Set();
  /** The `RoomExpired` callbacks of the listeners that gave one. */
  expiries = /* @__PURE__ */ new Map();
  onIdle;
  lastSeq = 0;
  /** `onIdle` is called when the last listener leaves a room that holds no message. */
  constructor(id, epoch, capacity, onIdle) {
    this.id = id;
    this.tag = roomTag(id);
    this.epoch = epoch;
    this.capacity = capacity;
    this.onIdle = onIdle;
  }
  /** The seq of the newest message; 0 when none was stored. */
  get head() {
    return this.lastSeq;
  }
  /** The seq of the oldest message still kept (head + 1 when none is). */
  get oldest() {
    return this.lastSeq - this.count + 1;
  }
  /** How many messages are kept. */
  get count() {
    return this.kept.length - this.start;
  }
  /** `messageCost` over the messages kept. */
  get bytes() {
    return this.keptBytes;
  }
  /** How many listeners wait on this room. */
  get listenerCount() {
    return this.listeners.size;
  }
  cursorAt(seq) {
    return encodeCursor(this.epoch, this.tag, seq);
  }
  /** The cursor at the head: "from now on". */
  headCursor() {
    return encodeCursor(this.epoch, this.tag, this.lastSeq);
  }
  /**
   * Stores a message, or finds the original of a retry; wakes the listeners for a new one.
   * Acknowledged means stored: the caller answers only after this returns.
   */
  append(post, now) {
    const key = senderKey(post.from, post.id);
    const known = this.bySender.get(key);
    if (known !== void 0) {
      const original = this.at(known);
      if (original) return { message: original, stored: false, cursor: this.cursorAt(known) };
    }
    const seq = this.lastSeq + 1;
    const message = { room: this.id, seq, id: post.id, from: post.from, body: post.body, ts: now };
    this.store(message);
    return { message, stored: true, cursor: this.cursorAt(seq) };
  }
  /**
   * Keeps a message numbered elsewhere (a backplane's mirror of this room) and wakes the listeners.
   * Its seq must be the next one: a mirror fills its gaps before it stores.
   */
  store(message) {
    if (message.seq !== this.lastSeq + 1) throw new Error(`room "${this.id}" stores seq ${this.lastSeq + 1} next, not ${message.seq}`);
    this.lastSeq = message.seq;
    this.kept.push(message);
    this.keptBytes += messageCost(message);
    if (this.count > this.capacity) this.dropOldest();
    this.bySender.set(senderKey(message.from, message.id), message.seq);
    for (const listener of this.listeners) listener(message, this);
  }
  /** Makes an empty room start after `seq`: a mirror of a room whose older messages are gone. */
  startAfter(seq) {
    if (this.kept.length > 0 || this.lastSeq > seq) throw new Error(`room "${this.id}" cannot start after seq ${seq}: it has seq ${this.lastSeq}`);
    this.lastSeq = seq;
  }
  /**
   * Drops the messages up to and including `seq` that are still kept, oldest first: a cursor
   * before them expires exactly as one older than `capacity` does. The seq numbering goes on.
   */
  trimThrough(seq) {
    while (this.count > 0 && this.oldest <= seq) this.dropOldest();
  }
  dropOldest() {
    const dropped = this.kept[this.start];
    this.kept[this.start++] = void 0;
    this.keptBytes -= messageCost(dropped);
    if (this.bySender.get(senderKey(dropped.from, dropped.id)) === dropped.seq) this.bySender.delete(senderKey(dropped.from, dropped.id));
    if (this.start >= 64 && this.start * 2 >= this.kept.length) {
      this.kept = this.kept.slice(this.start);
      this.start = 0;
    }
  }
  /** The message with this seq, if it is still kept. */
  at(seq) {
    if (seq < this.oldest || seq > this.lastSeq) return void 0;
    return this.kept[this.start + seq - this.oldest];
  }
  /**
   * Up to `limit` messages after `seq`, oldest first. `seq` must be a resolved cursor; one that
   * fell out of history since it was resolved (a held poll's) throws `CURSOR_EXPIRED`.
   */
  after(seq, limit) {
    if (seq < this.oldest - 1) throw this.expired(seq);
    const end = Math.min(this.lastSeq, seq + limit);
    const out = [];
    const offset = this.start - this.oldest;
    for (let s = seq + 1; s <= end; s++) out.push(this.kept[offset + s]);
    return out;
  }
  expired(seq) {
    return new ChatError(
      "CURSOR_EXPIRED",
      `cursor (seq ${seq}) is older than the messages room "${this.id}" keeps (the last ${this.capacity}, fewer when the server's stored-bytes budget dropped older ones); restart from the cursor given`,
      this.headCursor()
    );
  }
  /**
   * The seq a cursor stands for. Throws `CURSOR_EXPIRED`, with the head cursor to restart from,
   * when the cursor is older than history, from another epoch or room, or was never handed out.
   */
  resolve(cursor2) {
    const seq = decodeCursor(this.epoch, this.tag, cursor2);
    if (seq === void 0) {
      throw new ChatError("CURSOR_EXPIRED", `cursor was not made for room "${this.id}" in this epoch (this server run; with a Redis backplane, the data Redis holds now); restart from the cursor given`, this.headCursor());
    }
    if (seq > this.lastSeq) {
      throw new ChatError("CURSOR_EXPIRED", `cursor points past the newest message of room "${this.id}"; restart from the cursor given`, this.headCursor());
    }
    if (seq < this.oldest - 1) throw this.expired(seq);
    return seq;
  }
  /**
   * Registers a listener for new messages, and what to do if the room's cursors stop holding
   * (`expired`); returns the function that removes it.
   */
  listen(listener, expired) {
    this.listeners.add(listener);
    if (expired) this.expiries.set(listener, expired);
    return () => {
      this.expiries.delete(listener);
      if (this.listeners.delete(listener) && this.listeners.size === 0 && this.lastSeq === 0) this.onIdle?.(this);
    };
  }
  /** Tells every listener that this room's cursors no longer hold, with `cursor` to restart from, and removes them. */
  expire(cursor2) {
    const expiries = [...this.expiries.values()];
    this.listeners.clear();
    this.expiries.clear();
    for (const expired of expiries) expired(cursor2);
  }
};
function senderKey(from, id) {
  return `${from.length}:${from}${id}`;
}
var RoomLog = class {
  epoch;
  historySize;
  now;
  maxRooms;
  maxStoredBytes;
  rooms = /* @__PURE__ */ new Map();
  /** Every message stored, from index `first`, in storing order; some have left their room since. */
  stored = [];
  first = 0;
  storedBytes = 0;
  storedCount = 0;
  forget = (room2) => {
    if (this.rooms.get(room2.id) === room2) this.rooms.delete(room2.id);
  };
  constructor(options) {
    this.historySize = options.historySize;
    this.epoch = options.epoch ?? newEpoch();
    this.now = options.now ?? Date.now;
    this.maxRooms = options.maxRooms ?? Infinity;
    this.maxStoredBytes = options.maxStoredBytes ?? Infinity;
  }
  /**
   * The room with this id, created when it does not exist yet; throws `TOO_MANY_ROOMS` when that
   * would pass `maxRooms`. The id must be valid. The caller appends to it or listens to it at
   * once (a room left empty without a listener would be kept); to only read, use `peek`.
   */
  room(id) {
    let room2 = this.rooms.get(id);
    if (!room2) {
      if (this.rooms.size >= this.maxRooms) {
        throw new ChatError("TOO_MANY_ROOMS", `this server keeps at most ${this.maxRooms} rooms (option maxRooms) and they are all in use; room "${id}" cannot be opened`);
      }
      room2 = new Room(id, this.epoch, this.historySize, this.forget);
      this.rooms.set(id, room2);
    }
    return room2;
  }
  /**
   * The room with this id to read from: the kept one, or an empty one that is not kept (reading
   * an unknown room must cost nothing). Its cursors are those the room will have once created.
   */
  peek(id) {
    return this.rooms.get(id) ?? new Room(id, this.epoch, this.historySize);
  }
  /** The room with this id, if it exists. */
  get(id) {
    return this.rooms.get(id);
  }
  /**
   * Stores a message (or finds the original of a retry). Past `maxStoredBytes`, the oldest messages
   * over all rooms are dropped, in the order they were stored, until the rest fit; the new one is
   * always kept.
   */
  append(roomId, post) {
    const room2 = this.room(roomId);
    const [bytes, count] = [room2.bytes, room2.count];
    const result = room2.append(post, this.now());
    if (result.stored) this.account(room2, bytes, count, result.message.seq);
    return result;
  }
  /**
   * Keeps a message numbered by a backplane in its room's mirror, which must exist (`mirror`) and
   * expect it next; the stored-bytes budget counts it as `append` does.
   */
  store(message) {
    const room2 = this.rooms.get(message.room);
    if (!room2) throw new Error(`room "${message.room}" has no mirror to store seq ${message.seq} in`);
    const [bytes, count] = [room2.bytes, room2.count];
    room2.store(message);
    this.account(room2, bytes, count, message.seq);
  }
  /**
   * Creates the mirror of a room kept by a backplane: it starts after `after` and holds `messages`
   * (consecutive, from `after + 1`). Throws `TOO_MANY_ROOMS` as `room` does.
   */
  mirror(roomId, after, messages) {
    const room2 = this.room(roomId);
    room2.startAfter(after);
    for (const message of messages) this.store(message);
    return room2;
  }
  /**
   * Forgets a room whose cursors no longer hold: its listeners are told so, with `cursor` to
   * restart from, and its messages leave the budget.
   */
  expire(roomId, cursor2) {
    const room2 = this.rooms.get(roomId);
    if (!room2) return;
    this.rooms.delete(roomId);
    const [bytes, count] = [room2.bytes, room2.count];
    room2.trimThrough(room2.head);
    this.storedBytes -= bytes - room2.bytes;
    this.storedCount -= count - room2.count;
    room2.expire(cursor2);
  }
  /** Every room kept. */
  roomIds() {
    return [...this.rooms.keys()];
  }
  account(room2, bytes, count, seq) {
    this.storedBytes += room2.bytes - bytes;
    this.storedCount += room2.count - count;
    this.stored.push({ room: room2, seq });
    while (this.storedBytes > this.maxStoredBytes && this.first < this.stored.length - 1) this.dropOldest();
    this.compact();
  }
  /** `messageCost` bytes kept over all rooms (for messages stored through `append`). */
  get bytesStored() {
    return this.storedBytes;
  }
  /** Messages kept over all rooms (stored through `append`). */
  get messagesStored() {
    return this.storedCount;
  }
  dropOldest() {
    const oldest = this.stored[this.first];
    if (!oldest) return;
    this.stored[this.first++] = void 0;
    const { room: room2, seq } = oldest;
    if (seq < room2.oldest) return;
    const [bytes, count] = [room2.bytes, room2.count];
    room2.trimThrough(seq);
    this.storedBytes -= bytes - room2.bytes;
    this.storedCount -= count - room2.count;
  }
  /**
   * Keeps the storing order at most about twice the messages kept: messages that left their room
   * past its history size leave entries behind; they are swept once they are as many as the rest.
   */
  compact() {
    if (this.first >= 1024 && this.first * 2 >= this.stored.length) {
      this.stored = this.stored.slice(this.first);
      this.first = 0;
    }
    const length = this.stored.length - this.first;
    if (length < 1024 || length < 2 * this.storedCount) return;
    this.stored = this.stored.slice(this.first).filter((entry) => entry.seq >= entry.room.oldest);
    this.first = 0;
  }
  get size() {
    return this.rooms.size;
  }
  /** Listeners over all rooms (held polls plus WebSocket room subscriptions). */
  listenerCount() {
    let n = 0;
    for (const room2 of this.rooms.values()) n += room2.listenerCount;
    return n;
  }
};
function roomLogFor(options, epoch) {
  return new RoomLog({ historySize: options.historySize, maxRooms: options.maxRooms, maxStoredBytes: options.maxStoredBytes, ...epoch === void 0 ? {} : { epoch } });
}

// servers/common/chat-server.ts
var EMPTY_STATS = {
  heldPolls: 0,
  abortedPolls: 0,
  sockets: 0,
  streams: 0,
  subscriptions: 0,
  slowConsumerCloses: 0,
  heartbeatDrops: 0,
  bufferingSockets: 0,
  maxBufferedBytes: 0,
  waitingBytes: 0,
  parkedRequests: 0,
  peakParkedRequests: 0,
  peakWaitingBytes: 0,
  busyRefusals: 0,
  budgetCuts: 0
};
function countConnections(server) {
  let open = 0;
  server.on("connection", (socket) => {
    open++;
    socket.once("close", () => open--);
  });
  return () => open;
}
function baseUrl(host, port, tls = false) {
  const scheme = tls ? "https" : "http";
  return host.includes(":") ? `${scheme}://[${host}]:${port}` : `${scheme}://${host}:${port}`;
}

// servers/common/sockets.ts
var LINGER_MS = 1e3;
function endSoon(socket, lingerMs = LINGER_MS) {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  socket.on("error", () => socket.destroy());
  socket.resume();
  socket.end();
}
function trackSockets(server) {
  const open = /* @__PURE__ */ new Set();
  server.on("connection", (socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  return {
    destroyAll() {
      for (const socket of open) socket.destroy();
    }
  };
}
async function closeWithin(closing, graceMs, sockets) {
  let grace;
  const graceOver = new Promise((resolve) => grace = setTimeout(resolve, graceMs));
  await Promise.race([closing, graceOver]);
  clearTimeout(grace);
  sockets.destroyAll();
  await closing;
}

// servers/common/tls.ts
import { execFileSync } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
var SELF_SIGNED_DAYS = 7;
function selfSignedNames(host) {
  const names = ["IP:127.0.0.1", "IP:::1", "DNS:localhost"];
  if (isIP(host) !== 0 && !names.includes(`IP:${host}`) && host !== "0.0.0.0" && host !== "::") names.push(`IP:${host}`);
  return `subjectAltName=${names.join(",")}`;
}
var loaded = /* @__PURE__ */ new Map();
function tlsMaterial(options) {
  if (!options.tls) return void 0;
  const id = `${options.cert}\0${options.key}\0${options.host}`;
  let material = loaded.get(id);
  if (!material) loaded.set(id, material = options.cert === "" ? makeSelfSigned(options.host) : loadFiles(options.cert, options.key));
  return material;
}
function loadFiles(certFile, keyFile) {
  const cert = readPem("cert", certFile);
  const key = readPem("key", keyFile);
  checkPair(cert, key, certFile, keyFile);
  return { cert, key, certFile, selfSigned: false };
}
function readPem(option, file) {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`option ${option}: cannot read ${JSON.stringify(file)} (${error.message}); give a readable PEM file`, { cause: error });
  }
}
function checkPair(cert, key, certFile, keyFile) {
  let x509;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`option cert: ${JSON.stringify(certFile)} is not a PEM certificate (${error.message}); it must begin with -----BEGIN CERTIFICATE-----`, { cause: error });
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`option key: ${JSON.stringify(keyFile)} is not an unencrypted PEM private key (${error.message})`, { cause: error });
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new Error(`option key: ${JSON.stringify(keyFile)} is not the private key of option cert ${JSON.stringify(certFile)} (subject ${x509.subject.replace(/\n/g, ", ")}); give the key the certificate was made for`);
  }
}
function makeSelfSigned(host) {
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-tls-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const args = [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    String(SELF_SIGNED_DAYS),
    "-subj",
    "/CN=localhost",
    "-addext",
    selfSignedNames(host),
    "-keyout",
    keyFile,
    "-out",
    certFile
  ];
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"], timeout: 3e4 });
  } catch (error) {
    const stderr = error.stderr?.toString().trim();
    throw new Error(
      `option tls: making a self-signed certificate needs the openssl command (Debian: apt-get install openssl), or give option cert and option key: ${stderr || error.message}`,
      { cause: error }
    );
  }
  return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8"), certFile, selfSigned: true };
}
function handshakeTimeoutMs(options) {
  return options.headersTimeoutMs;
}

// servers/common/fastify-server.ts
var HTTP2_MAX_STREAMS = 100;
function fastifyServerOptions(options) {
  const checking = connectionsCheckingIntervalMs(options);
  const tls = tlsMaterial(options);
  if (!tls) return { http: { connectionsCheckingInterval: checking } };
  const https = { key: tls.key, cert: tls.cert, handshakeTimeout: handshakeTimeoutMs(options), connectionsCheckingInterval: checking };
  if (!options.http2) return { https };
  return {
    http2: true,
    https: { ...https, allowHTTP1: true, settings: { maxConcurrentStreams: HTTP2_MAX_STREAMS } },
    http2SessionTimeout: options.idleTimeoutMs
  };
}
function fastifyChatServer(transport, options, backplane, app, stats) {
  let closed;
  const connections = countConnections(app.server);
  const sockets = trackSockets(app.server);
  const tls = tlsMaterial(options);
  if (options.http2) closeSessionsOnClose(app);
  return {
    transport,
    options,
    backplane,
    get log() {
      return backplane.log;
    },
    ...tls ? { tls } : {},
    async listen() {
      await backplane.ready();
      await app.listen({ port: options.port, host: options.host });
      const address = app.server.address();
      if (address === null || typeof address === "string") throw new Error("server is not listening on a TCP port");
      return baseUrl(options.host, address.port, tls !== void 0);
    },
    /** Answers held polls at once; a connection still open after `shutdownGraceMs` is cut. */
    close() {
      closed ??= closeWithin(app.close(), options.shutdownGraceMs, sockets).finally(() => backplane.close());
      return closed;
    },
    stats() {
      return { transport, rooms: backplane.log.size, listeners: backplane.log.listenerCount(), connections: connections(), ...stats() };
    }
  };
}
function closeSessionsOnClose(app) {
  const sessions = /* @__PURE__ */ new Set();
  app.server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  app.addHook("preClose", (done) => {
    for (const session of sessions) session.close();
    done();
  });
}

// servers/common/http-app.ts
import { constants as http2Constants } from "node:http2";
import Fastify from "fastify";

// servers/common/http-reply.ts
import { STATUS_CODES, maxHeaderSize } from "node:http";
function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
function writeErrorAndEnd(socket, error) {
  const body = JSON.stringify(error.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}\r
Content-Type: application/json; charset=utf-8\r
Content-Length: ${Buffer.byteLength(body)}\r
Connection: close\r
\r
` + body
    );
  }
  endSoon(socket);
}
function refuseUpgrade(socket, error) {
  writeErrorAndEnd(socket, error);
}
function clientErrorToChatError(error) {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new ChatError("REQUEST_TIMEOUT", "the request did not arrive whole within the headers or request timeout");
    case "HPE_HEADER_OVERFLOW":
      return new ChatError("HEADERS_TOO_LARGE", `the request line and headers are over ${maxHeaderSize} bytes`);
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new ChatError("PAYLOAD_TOO_LARGE", "the chunk extensions of the request body are over the limit");
    default:
      return new ChatError("BAD_REQUEST", `malformed HTTP request (${error.code ?? "unknown"}: ${error.reason ?? error.message})`);
  }
}
function createClientErrorAnswer() {
  const states = /* @__PURE__ */ new WeakMap();
  const stateOf = (socket) => {
    let state = states.get(socket);
    if (!state) states.set(socket, state = { open: /* @__PURE__ */ new Set(), pending: void 0, failed: false });
    return state;
  };
  const flush = (socket, state) => {
    if (state.pending === void 0 || [...state.open].some((request) => request.complete)) return;
    const error = state.pending;
    state.pending = void 0;
    writeErrorAndEnd(socket, error);
  };
  return {
    onRequest(request, response) {
      const socket = request.socket;
      const state = stateOf(socket);
      state.open.add(request);
      response.once("close", () => {
        state.open.delete(request);
        flush(socket, state);
      });
    },
    onClientError(error, socket) {
      const code = error.code;
      const state = stateOf(socket);
      if (state.failed || socket.destroyed) return;
      state.failed = true;
      if (code !== "ERR_HTTP_REQUEST_TIMEOUT" && !code?.startsWith("HPE_")) {
        socket.destroy();
        return;
      }
      state.pending = clientErrorToChatError(error);
      flush(socket, state);
    }
  };
}

// servers/backplane/backplane.ts
function settle(value, next) {
  return value instanceof Promise ? value.then(next) : next(value);
}
var MemoryBackplane = class {
  kind = "memory";
  log;
  constructor(log) {
    this.log = log;
  }
  append(roomId, post) {
    return this.log.append(roomId, post);
  }
  load(roomId) {
    return this.log.peek(roomId);
  }
  unavailable() {
    return void 0;
  }
  ready() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
};

// servers/backplane/redis.ts
import { Redis } from "ioredis";

// servers/backplane/redis-scripts.ts
var KEY_PREFIX = "chat";
var EPOCH_KEY = `${KEY_PREFIX}:epoch`;
var POSTS_CHANNEL = `${KEY_PREFIX}:posts`;
function logKey(room2) {
  return `${KEY_PREFIX}:{${room2}}:log`;
}
function idsKey(room2) {
  return `${KEY_PREFIX}:{${room2}}:ids`;
}
var APPEND_SCRIPT = `
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {'epoch', epoch or ''} end
local function sender(from, id) return string.len(from) .. ':' .. from .. id end
local key = sender(ARGV[3], ARGV[2])
local known = redis.call('HGET', KEYS[3], key)
if known then
  local entry = redis.call('XRANGE', KEYS[2], known, known)
  if #entry > 0 then
    local f = entry[1][2]
    return {'retry', known, f[2], f[4], f[6], f[8]}
  end
end
local seq = 1
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last > 0 then seq = tonumber(string.match(last[1][1], '^%d+')) + 1 end
local maxlen = tonumber(ARGV[6])
local excess = redis.call('XLEN', KEYS[2]) + 1 - maxlen
local trimmed = {}
if excess > 0 then trimmed = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', excess) end
local id = seq .. '-0'
-- The first write: when Redis is out of memory it fails here, and nothing has changed.
redis.call('XADD', KEYS[2], 'MAXLEN', maxlen, id, 'id', ARGV[2], 'from', ARGV[3], 'body', ARGV[4], 'ts', ARGV[5])
for _, old in ipairs(trimmed) do
  local f = old[2]
  local oldKey = sender(f[4], f[2])
  if redis.call('HGET', KEYS[3], oldKey) == old[1] then redis.call('HDEL', KEYS[3], oldKey) end
end
redis.call('HSET', KEYS[3], key, id)
redis.call('PUBLISH', ARGV[7], cjson.encode({e = epoch, r = ARGV[8], s = seq, i = ARGV[2], f = ARGV[3], b = ARGV[4], t = ARGV[5]}))
return {'stored', id, ARGV[2], ARGV[3], ARGV[4], ARGV[5]}
`;
var READ_SCRIPT = `#!lua flags=no-writes,allow-oom
return {redis.call('GET', KEYS[1]) or '', redis.call('XRANGE', KEYS[2], ARGV[1], '+')}
`;

// servers/backplane/redis.ts
var REDIS_COMMAND_TIMEOUT_MS = 5e3;
var REDIS_RECONNECT_STEP_MS = 50;
var REDIS_RECONNECT_MAX_MS = 500;
function seqOf(entryId) {
  return parseInt(entryId, 10);
}
function toMessage(room2, [entryId, f]) {
  return { room: room2, seq: seqOf(entryId), id: f[1], from: f[3], body: f[5], ts: Number(f[7]) };
}
function epochOf(cursor2) {
  return cursor2.slice(0, Math.max(0, cursor2.indexOf(".")));
}
var REDIS_FULL_RECHECK_MS = 500;
function isOutOfMemory(error) {
  return /\bOOM\b/.test(error.message);
}
function fullError(why) {
  return new ChatError(
    "BACKPLANE_FULL",
    `the Redis backplane is out of memory (${why}); nothing was acknowledged: retry with the same id once memory is freed (a retry stores once)`
  );
}
function unavailableError(why) {
  return new ChatError(
    "BACKPLANE_UNAVAILABLE",
    `the Redis backplane cannot be reached (${why}); nothing was acknowledged: retry later with the same id (a retry stores once)`
  );
}
var RedisBackplane = class {
  kind = "redis";
  current;
  /** The data's epoch, once Redis was reached. */
  epoch;
  options;
  cmd;
  sub;
  subscribed = false;
  closed = false;
  /** Rooms being loaded: the messages published meanwhile, applied once the load is in. */
  loading = /* @__PURE__ */ new Map();
  /** Rooms whose mirror is catching up from the stream; `again` when another gap showed meanwhile. */
  syncing = /* @__PURE__ */ new Map();
  contact;
  firstContact;
  lastError = "not connected yet";
  /** Resolves `firstContact`: called each time contact is made (only the first call counts). */
  reached = () => void 0;
  reportedDown = false;
  /** Redis refused the last write for want of memory: why, until a write succeeds or it has room again. */
  full;
  fullRecheck;
  constructor(url, options) {
    this.options = options;
    this.current = roomLogFor(options, "none");
    const common = {
      host: url.host,
      port: url.port,
      // Fail at once while Redis is away, rather than queueing posts that nobody acknowledges.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * REDIS_RECONNECT_STEP_MS, REDIS_RECONNECT_MAX_MS)
    };
    this.cmd = new Redis({ ...common, connectionName: "chat-backplane" });
    this.cmd.defineCommand("chatAppend", { numberOfKeys: 3, lua: APPEND_SCRIPT });
    this.cmd.defineCommand("chatRead", { numberOfKeys: 2, lua: READ_SCRIPT });
    this.sub = new Redis({ ...common, connectionName: "chat-backplane-sub", autoResubscribe: false });
    this.sub.on("message", (_channel, text) => this.onPublished(text));
    for (const client of [this.cmd, this.sub]) {
      client.on("error", (error) => this.down(error.message));
      client.on("close", () => {
        if (client === this.sub) this.subscribed = false;
        this.down("connection closed");
      });
    }
    this.cmd.on("ready", () => this.recontact().catch(() => void 0));
    this.sub.on("ready", () => {
      this.sub.subscribe(POSTS_CHANNEL).then(
        () => {
          this.subscribed = true;
          this.recontact().catch(() => void 0);
        },
        (error) => this.down(error.message)
      );
    });
    this.firstContact = new Promise((resolve) => {
      this.reached = resolve;
      this.cmd.once("error", () => resolve());
      this.sub.once("error", () => resolve());
    });
  }
  get log() {
    return this.current;
  }
  ready() {
    return this.firstContact;
  }
  unavailable() {
    return this.unreachable() ?? (this.full === void 0 ? void 0 : fullError(this.full));
  }
  /** `BACKPLANE_UNAVAILABLE` while Redis cannot be reached (a full Redis can: posts still try it). */
  unreachable() {
    if (this.closed) return unavailableError("the server is closing");
    if (this.epoch === void 0 || !this.subscribed || this.cmd.status !== "ready") return unavailableError(this.lastError);
    return void 0;
  }
  /**
   * Redis refused a write for want of memory: `/healthz` says so until a write succeeds, or until
   * Redis reports room again (asked every `REDIS_FULL_RECHECK_MS`, so that health recovers without posts).
   */
  outOfMemory(why) {
    if (this.full === void 0) console.error(`backplane: Redis is out of memory (${why}); posts get 503 BACKPLANE_FULL until it has room`);
    this.full = why;
    this.fullRecheck ??= setInterval(() => {
      this.hasRoom().then(
        (room2) => {
          if (room2) this.roomAgain();
        },
        () => void 0
      );
    }, REDIS_FULL_RECHECK_MS);
    this.fullRecheck.unref();
  }
  roomAgain() {
    clearInterval(this.fullRecheck);
    this.fullRecheck = void 0;
    if (this.full === void 0) return;
    this.full = void 0;
    console.error("backplane: Redis has memory again");
  }
  /** Whether Redis is under its maxmemory (or has none), from `INFO memory`. */
  async hasRoom() {
    const info = await this.cmd.info("memory");
    const field = (name2) => Number(new RegExp(`^${name2}:(\\d+)`, "m").exec(info)?.[1] ?? NaN);
    const max = field("maxmemory");
    return max === 0 || field("used_memory") < max;
  }
  async close() {
    this.closed = true;
    clearInterval(this.fullRecheck);
    this.cmd.disconnect();
    this.sub.disconnect();
  }
  down(why) {
    this.lastError = why;
    if (this.closed || this.reportedDown) return;
    this.reportedDown = true;
    console.error(`backplane: Redis unreachable (${why}); posts get 503 BACKPLANE_UNAVAILABLE until it is back`);
  }
  async append(roomId, post) {
    for (let attempt = 0; ; attempt++) {
      const down = this.unreachable();
      if (down) throw down;
      const epoch = this.epoch;
      let reply;
      try {
        reply = await this.cmd.chatAppend(
          EPOCH_KEY,
          logKey(roomId),
          idsKey(roomId),
          epoch,
          post.id,
          post.from,
          post.body,
          String(Date.now()),
          String(this.options.historySize),
          POSTS_CHANNEL,
          roomId
        );
      } catch (error) {
        if (isOutOfMemory(error)) {
          this.outOfMemory(error.message);
          throw fullError(error.message);
        }
        throw unavailableError(error.message);
      }
      this.roomAgain();
      if (reply[0] === "epoch") {
        await this.checkEpoch();
        if (attempt > 0) throw unavailableError("the epoch changed twice while storing");
        continue;
      }
      const [outcome, entryId, id, from, body, ts] = reply;
      const message = { room: roomId, seq: seqOf(entryId), id, from, body, ts: Number(ts) };
      this.apply(message, epoch);
      return { message, stored: outcome === "stored", cursor: encodeCursor(epoch, roomTag(roomId), message.seq) };
    }
  }
  load(roomId, cursor2) {
    const room2 = this.current.get(roomId);
    if (room2 && (cursor2 === void 0 || !this.behind(room2, cursor2))) return room2;
    return this.fetch(roomId, cursor2);
  }
  /** The cursor is of another epoch, or past what the mirror holds: Redis knows more. */
  behind(room2, cursor2) {
    if (epochOf(cursor2) !== this.current.epoch) return true;
    const seq = parseInt(cursor2.slice(cursor2.lastIndexOf(".") + 1), 36);
    return seq > room2.head;
  }
  async fetch(roomId, cursor2) {
    if (this.closed || this.epoch === void 0 || this.cmd.status !== "ready") throw this.unavailable() ?? unavailableError(this.lastError);
    if (cursor2 !== void 0 && epochOf(cursor2) !== this.current.epoch) await this.checkEpoch();
    for (let attempt = 0; ; attempt++) {
      if (this.current.get(roomId)) {
        await this.sync(roomId);
        return this.current.peek(roomId);
      }
      const room2 = await (this.loading.get(roomId)?.done ?? this.startLoad(roomId));
      if (attempt > 0 || cursor2 === void 0 || !this.behind(room2, cursor2)) return room2;
    }
  }
  /**
   * Loads a room's mirror: the stream, plus what is published while it is read. An empty room gets
   * no mirror (reading an unknown room costs nothing); a listener creates one in the same turn.
   */
  startLoad(roomId) {
    const published = [];
    const unheard = !this.subscribed;
    const done = this.read(roomId, 0).then(
      ({ epoch, messages }) => {
        this.loading.delete(roomId);
        if (epoch !== this.current.epoch) {
          this.kick();
          throw unavailableError("the data changed epoch while loading; retry");
        }
        if (this.current.get(roomId)) this.catchUp(roomId, messages);
        else if (messages.length > 0 || published.length > 0) this.current.mirror(roomId, (messages[0]?.seq ?? 1) - 1, messages);
        else return this.current.peek(roomId);
        for (const message of [...published].sort((a, b) => a.seq - b.seq)) this.apply(message, epoch);
        if (unheard) void this.sync(roomId);
        return this.current.peek(roomId);
      },
      (error) => {
        this.loading.delete(roomId);
        throw error instanceof ChatError ? error : unavailableError(error.message);
      }
    );
    this.loading.set(roomId, { published, done });
    return done;
  }
  /** The data's epoch and the room's messages after `after`, read together. */
  async read(roomId, after) {
    const [epoch, entries] = await this.cmd.chatRead(EPOCH_KEY, logKey(roomId), after === 0 ? "-" : `${after + 1}-0`);
    return { epoch, messages: entries.map((entry) => toMessage(roomId, entry)) };
  }
  onPublished(text) {
    let published;
    try {
      published = JSON.parse(text);
    } catch {
      return;
    }
    const message = { room: published.r, seq: published.s, id: published.i, from: published.f, body: published.b, ts: Number(published.t) };
    this.apply(message, published.e);
  }
  /** A message stored in Redis (published, or stored by this instance): into the room's mirror, if there is one. */
  apply(message, epoch) {
    if (epoch !== this.current.epoch) {
      this.kick();
      return;
    }
    const loading = this.loading.get(message.room);
    if (loading) {
      loading.published.push(message);
      return;
    }
    const room2 = this.current.get(message.room);
    if (!room2 || message.seq <= room2.head) return;
    if (message.seq === room2.head + 1) this.current.store(message);
    else void this.sync(message.room);
  }
  /** Brings a room's mirror up to the stream; one at a time per room. Failures wait for the next contact. */
  sync(roomId) {
    const running = this.syncing.get(roomId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: true, done: Promise.resolve() };
    state.done = (async () => {
      try {
        while (state.again) {
          state.again = false;
          const room2 = this.current.get(roomId);
          if (!room2) return;
          const { epoch, messages } = await this.read(roomId, room2.head);
          if (epoch !== this.current.epoch) {
            this.kick();
            return;
          }
          this.catchUp(roomId, messages);
        }
      } catch {
      } finally {
        this.syncing.delete(roomId);
      }
    })();
    this.syncing.set(roomId, state);
    return state.done;
  }
  /** Stores what the mirror lacks; a mirror that fell behind the stream's history is replaced. */
  catchUp(roomId, messages) {
    for (const [i, message] of messages.entries()) {
      const room2 = this.current.get(roomId);
      if (!room2) return;
      if (message.seq <= room2.head) continue;
      if (message.seq === room2.head + 1) {
        this.current.store(message);
        continue;
      }
      this.current.expire(roomId, encodeCursor(this.current.epoch, room2.tag, message.seq - 1));
      this.current.mirror(roomId, message.seq - 1, messages.slice(i));
      return;
    }
  }
  /** Checks the epoch in the background; a failure waits for the next contact. */
  kick() {
    this.checkEpoch().catch(() => void 0);
  }
  /** Learns the data's epoch, setting a fresh one when Redis has none (it lost its data, or is new). */
  async checkEpoch() {
    const results = await this.cmd.multi().set(EPOCH_KEY, newEpoch(), "NX").get(EPOCH_KEY).exec();
    const epoch = results?.[1]?.[1];
    if (typeof epoch !== "string") throw new Error("could not read the epoch");
    this.adopt(epoch);
  }
  /**
   * Learns the data's epoch (setting a fresh one if Redis has none) and brings every mirror up to
   * the streams: after a first connection, a reconnection, or a sign that the data changed. One at
   * a time; a call while one runs makes it run again.
   */
  recontact() {
    if (this.contact) {
      this.contact.again = true;
      return this.contact.done;
    }
    const state = { again: true, done: Promise.resolve() };
    state.done = (async () => {
      try {
        while (state.again) {
          state.again = false;
          await this.checkEpoch();
          if (!this.subscribed) return;
          await Promise.all(this.current.roomIds().map((id) => this.sync(id)));
          if (this.reportedDown && this.unavailable() === void 0) {
            this.reportedDown = false;
            console.error("backplane: Redis reachable again");
          }
          this.reached();
        }
      } finally {
        this.contact = void 0;
      }
    })();
    this.contact = state;
    return state.done;
  }
  /**
   * Takes the data's epoch. A new one means Redis lost its data: every mirror is dropped and its
   * listeners get `CURSOR_EXPIRED` with the cursor before the room's first message in the new data,
   * so that what other instances stored since is not skipped.
   */
  adopt(epoch) {
    this.epoch = epoch;
    if (epoch === this.current.epoch) return;
    const old = this.current;
    this.current = roomLogFor(this.options, epoch);
    for (const id of old.roomIds()) old.expire(id, encodeCursor(epoch, roomTag(id), 0));
  }
};

// servers/backplane/index.ts
function backplaneFor(options, log) {
  const spec = parseBackplane(options.backplane);
  if (log) {
    if (spec.kind !== "memory") throw new RangeError(`option backplane must be memory when a room log is given, got ${JSON.stringify(options.backplane)}`);
    return new MemoryBackplane(log);
  }
  return spec.kind === "memory" ? new MemoryBackplane(roomLogFor(options)) : new RedisBackplane(spec, options);
}

// servers/common/host-check.ts
function bracketed(host) {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
function hostName(header) {
  const lower = header.trim().toLowerCase();
  const name2 = lower.startsWith("[") ? lower.slice(0, lower.indexOf("]") + 1) : lower.split(":", 1)[0] ?? "";
  return name2.endsWith(".") ? name2.slice(0, -1) : name2;
}
function listed(name2, allowed) {
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith(".") ? name2 === e.slice(1) || name2.endsWith(e) : name2 === e;
  });
}
function hostCheck(options) {
  const loopbackBound = isLoopback(bracketed(options.host));
  if (!loopbackBound && options.allowedHosts.length === 0) return void 0;
  return (header) => {
    if (header === void 0) return void 0;
    const name2 = hostName(header);
    if (isLoopback(name2) || name2.endsWith(".localhost") || listed(name2, options.allowedHosts)) return void 0;
    return new ChatError(
      "FORBIDDEN",
      `Host ${JSON.stringify(header)} is not allowed: this server answers ${loopbackBound ? "loopback names (localhost, 127.x.x.x, [::1]) and " : ""}the names of option allowedHosts only, against DNS rebinding; add the name to option allowedHosts`
    );
  };
}

// servers/common/waiting-budget.ts
var WaitingBudget = class {
  /**
   * `total`: the bytes waiting now, over all consumers (shared bytes counted once). `refresh`, when
   * given, brings `total` up to date before consumers are compared (a total kept lazily).
   */
  constructor(maxBytes, total, refresh, onCut) {
    this.maxBytes = maxBytes;
    this.total = total;
    this.refresh = refresh;
    this.onCut = onCut;
  }
  maxBytes;
  total;
  refresh;
  onCut;
  consumers = /* @__PURE__ */ new Set();
  cutCount = 0;
  /** Consumers cut to keep the budget, since the server started. */
  get cuts() {
    return this.cutCount;
  }
  add(consumer) {
    this.consumers.add(consumer);
  }
  delete(consumer) {
    this.consumers.delete(consumer);
  }
  /** Whether more than `maxBytes` wait. */
  get over() {
    return this.total() > this.maxBytes;
  }
  /**
   * While more than `maxBytes` wait, cuts the consumer with the most waiting; `true` once within
   * the budget, `false` when no consumer is left to cut (what waits is nobody's to free). `spare`
   * is not cut: the client just written to, whose one answer or turn of events always goes, as
   * with the per-client cap.
   */
  enforce(spare) {
    if (!this.over) return true;
    this.refresh?.();
    while (this.over) {
      let worst;
      let most = 0;
      for (const consumer of this.consumers) {
        if (consumer === spare) continue;
        const waiting = consumer.waiting();
        if (waiting > most) [worst, most] = [consumer, waiting];
      }
      if (!worst) return false;
      this.consumers.delete(worst);
      this.cutCount++;
      this.onCut?.();
      worst.cut();
      this.refresh?.();
    }
    return true;
  }
};
var LazyTotal = class {
  noted = /* @__PURE__ */ new Map();
  sum = 0;
  get total() {
    return this.sum;
  }
  note(consumer, bytes) {
    this.sum += bytes - (this.noted.get(consumer) ?? 0);
    this.noted.set(consumer, bytes);
  }
  forget(consumer) {
    this.sum -= this.noted.get(consumer) ?? 0;
    this.noted.delete(consumer);
  }
  refresh() {
    this.sum = 0;
    for (const consumer of this.noted.keys()) {
      const bytes = consumer.waiting();
      this.noted.set(consumer, bytes);
      this.sum += bytes;
    }
  }
};

// servers/common/token.ts
import { timingSafeEqual } from "node:crypto";
function tokenMatches(expected, presented) {
  if (presented === void 0) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
function bearerToken(header) {
  if (!header || header.length < 7 || header.slice(0, 7).toLowerCase() !== "bearer ") return void 0;
  return header.slice(7);
}

// servers/common/http-app.ts
function answerNow(poll) {
  const { room: room2, after, limit } = poll;
  if (after === void 0) return { messages: [], cursor: room2.headCursor() };
  const messages = room2.after(after, limit);
  return { messages, cursor: messages.length > 0 ? room2.cursorAt(after + messages.length) : room2.cursorAt(after) };
}
var MAX_PARKED_REQUESTS = 4096;
function newBacklogTotals() {
  return { waitingBytes: 0, parkedRequests: 0, peakParkedRequests: 0, peakWaitingBytes: 0, busyRefusals: 0, budgetCuts: 0 };
}
function newWaitingBudget(totals, options) {
  return new WaitingBudget(options.maxWaitingBytes, () => totals.waitingBytes, void 0, () => totals.budgetCuts++);
}
function stopReading(socket) {
  socket._paused = true;
  socket.pause();
}
function startReading(socket) {
  if (!socket._paused) return;
  socket._paused = false;
  socket.parser?.resume();
  socket.resume();
}
function boundBacklog(app, maxBufferedBytes, totals, budget) {
  const backlogs = /* @__PURE__ */ new WeakMap();
  const counted = /* @__PURE__ */ new WeakSet();
  const backlogOf = (socket) => {
    let backlog = backlogs.get(socket);
    if (!backlog) {
      const created = { bytes: 0, parked: [], unanswered: 0, holding: false };
      backlogs.set(socket, backlog = created);
      const consumer = { waiting: () => created.bytes, cut: () => socket.destroy() };
      created.consumer = consumer;
      budget.add(consumer);
      socket.once("close", () => {
        budget.delete(consumer);
        totals.parkedRequests -= created.parked.length;
        created.parked = [];
        totals.waitingBytes -= created.bytes;
        created.bytes = 0;
        created.unanswered = 0;
      });
      socket.on("resume", () => {
        if (created.holding) stopReading(socket);
      });
    }
    return backlog;
  };
  const ready = (backlog) => backlog.unanswered === 0 && backlog.bytes <= maxBufferedBytes;
  const admit = (backlog, request) => {
    backlog.unanswered++;
    counted.add(request);
  };
  const next = (socket, backlog) => {
    if (!ready(backlog)) return;
    const parked = backlog.parked.shift();
    if (parked) {
      totals.parkedRequests--;
      admit(backlog, parked.request);
      process.nextTick(parked.done);
      return;
    }
    if (backlog.holding) {
      backlog.holding = false;
      startReading(socket);
    }
  };
  const answered = (request) => {
    const socket = request.raw.socket;
    if (!counted.delete(request) || socket.destroyed) return;
    const backlog = backlogOf(socket);
    backlog.unanswered--;
    next(socket, backlog);
  };
  app.addHook("onRequest", (request, reply, done) => {
    const socket = request.raw.socket;
    const backlog = backlogOf(socket);
    if (ready(backlog) && backlog.parked.length === 0) {
      admit(backlog, request);
      done();
      return;
    }
    if (backlog.parked.length >= MAX_PARKED_REQUESTS) {
      socket.destroy();
      return;
    }
    totals.parkedRequests++;
    backlog.parked.push({ request, done: () => done() });
    totals.peakParkedRequests = Math.max(totals.peakParkedRequests, backlog.parked.length);
    if (!backlog.holding) {
      backlog.holding = true;
      stopReading(socket);
    }
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    const bytes = typeof payload === "string" ? Buffer.byteLength(payload) : Buffer.isBuffer(payload) ? payload.length : 0;
    const socket = request.raw.socket;
    const backlog = backlogOf(socket);
    backlog.bytes += bytes;
    totals.waitingBytes += bytes;
    totals.peakWaitingBytes = Math.max(totals.peakWaitingBytes, totals.waitingBytes);
    if (totals.waitingBytes > budget.maxBytes) budget.enforce(backlog.consumer);
    reply.raw.once("finish", () => {
      backlog.bytes -= bytes;
      totals.waitingBytes -= bytes;
      next(socket, backlog);
    });
    done(null, payload);
    answered(request);
  });
}
function busyRefusal(budget, totals, cursor2) {
  if (budget.enforce()) return void 0;
  totals.busyRefusals++;
  return new ChatError(
    "SERVER_BUSY",
    `more than ${budget.maxBytes} bytes of answers (option maxWaitingBytes) wait for clients, and none can be cut to free them; nothing is lost, poll again with the same cursor`,
    cursor2
  );
}
function clientGone(res) {
  return res.closed || res.stream?.destroyed === true;
}
function settleForClient(reply, value, next) {
  if (!(value instanceof Promise)) return next(value);
  return value.then((ready) => clientGone(reply.raw) ? reply : next(ready));
}
var REFUSED_BODY_DRAIN_BYTES = 16 * 1024 * 1024;
var REFUSED_BODY_DRAIN_MS = 5e3;
function drainRefusedBody(request, reply) {
  const req = request.raw;
  reply.removeHeader("connection");
  const stream = reply.raw.stream;
  const timer = setTimeout(() => cut(), REFUSED_BODY_DRAIN_MS);
  timer.unref();
  let bytes = 0;
  const onData = (chunk) => {
    bytes += chunk.length;
    if (bytes > REFUSED_BODY_DRAIN_BYTES) cut();
  };
  const stop = () => {
    clearTimeout(timer);
    req.removeListener("data", onData);
  };
  const cut = () => {
    stop();
    if (stream) stream.close(http2Constants.NGHTTP2_CANCEL);
    else req.socket.destroy();
  };
  const drain = () => {
    if (req.complete) return stop();
    req.on("data", onData);
    req.resume();
  };
  req.once("end", stop);
  req.once("close", stop);
  if (stream) drain();
  else reply.raw.once("finish", drain);
}
var MAX_PARAM_CHARS = 1024;
function isJson(contentType) {
  if (!contentType) return false;
  const type = contentType.split(";", 1)[0]?.trim().toLowerCase();
  return type === "application/json";
}
function toChatError(error) {
  if (error instanceof ChatError) return error;
  const e = error;
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  const message = typeof e.message === "string" ? e.message : "unexpected error";
  switch (status) {
    case 413:
      return new ChatError("PAYLOAD_TOO_LARGE", `request body is over the limit; ${message}`);
    case 415:
      return new ChatError("UNSUPPORTED_MEDIA_TYPE", "a POST must have Content-Type: application/json");
    case 404:
      return new ChatError("NOT_FOUND", message);
    case 503:
      return new ChatError("SHUTTING_DOWN", "the server is shutting down");
    default:
      if (status >= 400 && status < 500) return new ChatError("BAD_REQUEST", message);
      return new ChatError("INTERNAL_ERROR", "internal error; this is a bug in the server");
  }
}
function frameworkError(error) {
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      return new ChatError("BAD_REQUEST", "the path is not valid percent-encoding; escape each room id with encodeURIComponent");
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new ChatError("BAD_REQUEST", `a path parameter is over ${MAX_PARAM_CHARS} characters; a room id matches ${ROOM_ID_PATTERN.source}`);
    default:
      return toChatError(error);
  }
}
function buildPollingApp(config) {
  const { transport, options, backplane } = config;
  const clientErrors = createClientErrorAnswer();
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxPayloadBytes,
    connectionTimeout: options.idleTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // Room ids are checked by the handler so that a long one is a 400 that says why, not a 404.
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
    return503OnClosing: false,
    forceCloseConnections: "idle",
    ...fastifyServerOptions(options),
    // What the HTTP parser refuses and what the router refuses before any route runs get contract
    // errors too, instead of fastify's own bodies.
    clientErrorHandler: clientErrors.onClientError,
    frameworkErrors: (error, _request, reply) => {
      const chat = frameworkError(error);
      if (chat.code === "INTERNAL_ERROR") console.error(`${transport}: a request answered 500 INTERNAL_ERROR:`, error);
      void reply.code(chat.status).send(chat.toBody());
    }
  });
  app.server.on("request", clientErrors.onRequest);
  app.server.headersTimeout = options.headersTimeoutMs;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, text, done) => {
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new ChatError("BAD_REQUEST", `the body is not valid JSON (${error.message}); send a JSON object {"id","from","body"}`), void 0);
    }
  });
  boundBacklog(app, options.maxBufferedBytes, config.backlog, config.budget);
  app.addHook("onSend", (request, reply, payload, done) => {
    if (reply.statusCode === 413 && !request.raw.complete) drainRefusedBody(request, reply);
    done(null, payload);
  });
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    config.onClose?.();
    done();
  });
  const checkHost = hostCheck(options);
  app.addHook("onRequest", (request, reply, done) => {
    const wrongHost = checkHost?.(request.headers.host ?? request.headers[":authority"]);
    if (wrongHost) {
      done(wrongHost);
      return;
    }
    if (closing) {
      reply.header("connection", "close");
      done(new ChatError("SHUTTING_DOWN", "the server is shutting down; retry on another server with your cursor"));
      return;
    }
    if (options.token !== "" && !tokenMatches(options.token, bearerToken(request.headers.authorization))) {
      done(new ChatError("UNAUTHORIZED", "this server requires a token: send Authorization: Bearer <token>"));
      return;
    }
    done();
  });
  app.setErrorHandler((error, request, reply) => {
    const chat = toChatError(error);
    if (chat.code === "INTERNAL_ERROR") console.error(`${transport}: ${request.method} ${request.url.split("?", 1)[0] ?? ""} answered 500 INTERNAL_ERROR:`, error);
    void reply.code(chat.status).send(chat.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const chat = new ChatError(
      "NOT_FOUND",
      `no route ${request.method} ${request.url.split("?", 1)[0] ?? ""}; routes are ${[`GET ${HEALTH_PATH}`, `POST and GET ${MESSAGES_ROUTE}`, ...config.moreRoutes ?? []].join(", ")}`
    );
    void reply.code(chat.status).send(chat.toBody());
  });
  app.get(HEALTH_PATH, () => {
    const down = backplane.unavailable();
    if (down) throw down;
    return { status: "ok", transport };
  });
  app.post(MESSAGES_ROUTE, (request, reply) => {
    if (!isJson(request.headers["content-type"])) {
      throw new ChatError("UNSUPPORTED_MEDIA_TYPE", "a POST must have Content-Type: application/json");
    }
    const room2 = checkRoomId(request.params.room);
    const post = checkPost(request.body, options.maxBodyBytes);
    return settle(backplane.append(room2, post), (result) => {
      void reply.code(result.stored ? 201 : 200);
      return { seq: result.message.seq, cursor: result.cursor };
    });
  });
  app.get(MESSAGES_ROUTE, (request, reply) => {
    const busy = busyRefusal(config.budget, config.backlog);
    if (busy) throw busy;
    const roomId = checkRoomId(request.params.room);
    const cursor2 = checkCursorParam(request.query.cursor);
    const limit = checkLimit(request.query.limit, options.pageSize, options.maxPageSize);
    return settleForClient(reply, backplane.load(roomId, cursor2), (room2) => {
      const after = cursor2 === void 0 ? void 0 : room2.resolve(cursor2);
      return config.poll({ room: room2, after, limit, query: request.query }, request, reply);
    });
  });
  return app;
}

// servers/long-polling/holds.ts
var Holds = class {
  active = /* @__PURE__ */ new Set();
  aborted = 0;
  /** When it says so, a hold due is answered with this error instead of its messages. */
  refusal;
  constructor(refusal = () => void 0) {
    this.refusal = refusal;
  }
  get size() {
    return this.active.size;
  }
  /** Holds whose client went away, since the server started. */
  get abortedCount() {
    return this.aborted;
  }
  /** Holds `reply` until a message arrives in the room after `poll.after`, or `waitMs` pass. */
  hold(poll, reply, waitMs) {
    const res = reply.raw;
    const hold = {
      poll,
      reply,
      timer: setTimeout(() => this.answer(hold), waitMs),
      stopListening: poll.room.listen(
        (_message, _room) => this.answer(hold),
        (cursor2) => this.expire(hold, cursor2)
      ),
      onGone: () => {
        if (this.end(hold)) this.aborted++;
      }
    };
    this.active.add(hold);
    res.once("close", hold.onGone);
  }
  /** Answers every held poll with `SHUTTING_DOWN`. */
  shutdown() {
    for (const hold of [...this.active]) {
      if (!this.end(hold)) continue;
      const error = new ChatError("SHUTTING_DOWN", "the server is shutting down; poll again with your cursor", hold.poll.room.cursorAt(hold.poll.after));
      void hold.reply.header("connection", "close").code(error.status).send(error.toBody());
    }
  }
  /** The room's cursors stopped holding (the Redis backplane lost its data): the poll restarts from `cursor`. */
  expire(hold, cursor2) {
    if (!this.end(hold)) return;
    const error = new ChatError("CURSOR_EXPIRED", `room "${hold.poll.room.id}" lost its history while this poll was held (the backplane's data was lost); restart from the cursor given`, cursor2);
    void hold.reply.code(error.status).send(error.toBody());
  }
  answer(hold) {
    if (!this.end(hold)) return;
    const refused = this.refusal(hold.poll);
    if (refused) {
      void hold.reply.code(refused.status).send(refused.toBody());
      return;
    }
    let answer;
    try {
      answer = answerNow(hold.poll);
    } catch (error) {
      if (!(error instanceof ChatError)) throw error;
      void hold.reply.code(error.status).send(error.toBody());
      return;
    }
    void hold.reply.send(answer);
  }
  /** Removes every reference to the hold; `false` when it had already ended. */
  end(hold) {
    if (!this.active.delete(hold)) return false;
    clearTimeout(hold.timer);
    hold.stopListening();
    hold.reply.raw.removeListener("close", hold.onGone);
    return true;
  }
};

// servers/long-polling/server.ts
function createLongPollingServer(transport, given = {}, log) {
  const options = resolveServerOptions({ ...given, transport });
  const backplane = backplaneFor(options, log);
  const backlog = newBacklogTotals();
  const budget = newWaitingBudget(backlog, options);
  const holds = new Holds((poll) => busyRefusal(budget, backlog, poll.room.cursorAt(poll.after)));
  const app = buildPollingApp({
    backlog,
    budget,
    transport,
    options,
    backplane,
    onClose: () => holds.shutdown(),
    poll: (poll, _request, reply) => {
      const waitMs = checkWait(poll.query.wait, options.defaultWaitMs, options.maxWaitMs);
      const { after } = poll;
      if (after === void 0 || waitMs === 0 || poll.room.head > after) return answerNow(poll);
      if (holds.size >= options.maxHeldPolls) {
        throw new ChatError(
          "TOO_MANY_HELD_POLLS",
          `this server holds at most ${options.maxHeldPolls} polls at once (option maxHeldPolls) and holds that many; poll again with the same cursor`
        );
      }
      holds.hold({ ...poll, room: backplane.log.room(poll.room.id), after }, reply, waitMs);
      return reply;
    }
  });
  return fastifyChatServer(transport, options, backplane, app, () => ({
    ...EMPTY_STATS,
    ...backlog,
    heldPolls: holds.size,
    abortedPolls: holds.abortedCount
  }));
}

// servers/short-polling/server.ts
function createShortPollingServer(transport, given = {}, log) {
  const options = resolveServerOptions({ ...given, transport });
  const backplane = backplaneFor(options, log);
  const backlog = newBacklogTotals();
  const app = buildPollingApp({ transport, options, backplane, poll: answerNow, backlog, budget: newWaitingBudget(backlog, options) });
  return fastifyChatServer(transport, options, backplane, app, () => ({ ...EMPTY_STATS, ...backlog }));
}

// servers/sse/events.ts
var PING = ": ping\n\n";
function messagesEvent(room2, messages, cursor2) {
  const quoted = JSON.stringify(cursor2);
  return `event: messages
id: ${cursor2}
data: {"room":${JSON.stringify(room2)},"messages":[${messages.join(",")}],"cursor":${quoted}}

`;
}
function errorEvent(code, message, cursor2) {
  return `event: error
data: ${JSON.stringify({ code, message, cursor: cursor2 })}

`;
}

// servers/sse/streams.ts
var REPLAY_EVENT_BYTES = 64 * 1024;
var SLOW_CONSUMER_LINGER_MS = 3e4;
var STREAM_HEADERS_H2 = { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" };
var STREAM_HEADERS = { ...STREAM_HEADERS_H2, connection: "close" };
var Streams = class {
  constructor(backplane, options, backlog, budget) {
    this.backplane = backplane;
    this.options = options;
    this.backlog = backlog;
    this.budget = budget;
  }
  backplane;
  options;
  backlog;
  budget;
  rooms = /* @__PURE__ */ new Map();
  count = 0;
  slow = 0;
  heartbeat;
  ping = sharedEvent(PING);
  /** Streams open now. */
  get size() {
    return this.count;
  }
  /** Streams ended for having more than `maxBufferedBytes` waiting, since the server started. */
  get slowConsumerCloses() {
    return this.slow;
  }
  /**
   * Opens a stream of room `roomId` after seq `after` (a resolved cursor): keeps the room (throws
   * `TOO_MANY_ROOMS` before anything is written), takes the response from `take`, then writes the
   * headers and the first event at once, empty when there is nothing to replay.
   */
  open(roomId, after, take) {
    const group = this.join(roomId);
    const res = take();
    const stream = {
      group,
      res,
      after,
      live: false,
      open: true,
      buffered: 0,
      queue: [],
      queued: 0,
      consumer: { waiting: () => stream.queued + res.writableLength, cut: () => this.cut(stream) }
    };
    group.members.add(stream);
    this.count++;
    this.budget.add(stream.consumer);
    res.on("drain", () => {
      this.account(stream, true);
      this.pump(stream);
    });
    res.once("close", () => {
      this.end(stream);
      this.budget.delete(stream.consumer);
      this.backlog.waitingBytes -= stream.buffered;
      stream.buffered = 0;
    });
    res.writeHead(200, res.req.httpVersionMajor === 2 ? STREAM_HEADERS_H2 : STREAM_HEADERS);
    this.heartbeat ??= setInterval(() => this.pingAll(), this.options.heartbeatMs);
    this.replay(stream, true);
  }
  /**
   * Ends every stream with an `error` event `SHUTTING_DOWN` and its cursor; Node closes each
   * connection once its client has it (`Connection: close`), and the server's grace cuts the rest.
   */
  shutdown() {
    for (const group of [...this.rooms.values()]) {
      for (const stream of [...group.members]) {
        if (!this.end(stream)) continue;
        stream.res.end(errorEvent("SHUTTING_DOWN", "the server is shutting down; reconnect with your last event id", group.room.cursorAt(stream.after)));
      }
    }
  }
  join(roomId) {
    const existing = this.rooms.get(roomId);
    if (existing) return existing;
    const room2 = this.backplane.log.room(roomId);
    const group = {
      room: room2,
      members: /* @__PURE__ */ new Set(),
      batch: [],
      scheduled: false,
      stopListening: room2.listen(
        (message) => {
          group.batch.push(message);
          if (group.scheduled) return;
          group.scheduled = true;
          setImmediate(() => this.flush(group));
        },
        (cursor2) => this.expire(group, cursor2)
      )
    };
    this.rooms.set(roomId, group);
    return group;
  }
  /**
   * The room's cursors stopped holding (the Redis backplane lost its data): every stream of it ends
   * with an `error` event `CURSOR_EXPIRED` carrying the cursor to restart from, as a 410 would.
   */
  expire(group, cursor2) {
    for (const stream of [...group.members]) {
      if (!this.end(stream)) continue;
      stream.res.end(errorEvent("CURSOR_EXPIRED", `room "${group.room.id}" lost its history (the backplane's data was lost); reconnect from the cursor given`, cursor2));
    }
  }
  /**
   * Writes the messages stored since the last flush to every live stream of the room, in events of
   * at most `REPLAY_EVENT_BYTES` (one message always goes), each serialized once for all.
   */
  flush(group) {
    group.scheduled = false;
    const batch = group.batch;
    group.batch = [];
    if (batch.length === 0) return;
    if (this.backlog.waitingBytes > this.budget.maxBytes) this.budget.enforce();
    const id = group.room.id;
    const pieces = piecesOf(batch.map((m) => JSON.stringify(m)), batch[0].seq);
    const events = pieces.map((p) => sharedEvent(messagesEvent(id, p.parts, group.room.cursorAt(p.last))));
    for (const stream of [...group.members]) {
      if (!stream.live || stream.after >= pieces.at(-1).last) continue;
      const out = [];
      for (const [i, piece] of pieces.entries()) {
        if (stream.after >= piece.last) continue;
        const skip = stream.after - piece.first + 1;
        out.push(skip <= 0 ? events[i] : sharedEvent(messagesEvent(id, piece.parts.slice(skip), group.room.cursorAt(piece.last))));
        stream.after = piece.last;
      }
      this.write(stream, out);
    }
  }
  /**
   * Writes replay events until the stream is at the room's head, then makes it live; while Node
   * holds more than its high-water mark for the client, waits for the drain. `first`: the first
   * event goes even when there is nothing to replay.
   */
  replay(stream, first) {
    const { room: room2 } = stream.group;
    for (; ; ) {
      if (!stream.open) return;
      if (stream.after < room2.oldest - 1) {
        this.end(stream);
        const error = new ChatError("CURSOR_EXPIRED", `the replay of room "${room2.id}" fell behind its history while this client did not read; reconnect from the cursor given`);
        stream.res.end(errorEvent(error.code, error.message, room2.headCursor()));
        return;
      }
      if (stream.after >= room2.head && !first) {
        stream.live = true;
        return;
      }
      first = false;
      const parts = replayParts(room2, stream.after, this.options.maxPageSize);
      stream.after += parts.length;
      const flowing = stream.res.write(messagesEvent(room2.id, parts, room2.cursorAt(stream.after)));
      this.account(stream, flowing);
      if (stream.after >= room2.head) {
        stream.live = true;
        return;
      }
      if (!flowing) {
        stream.res.once("drain", () => this.replay(stream, false));
        return;
      }
    }
  }
  /**
   * Queues the live events of one turn of the event loop, or a ping, and hands Node what it takes;
   * when more than `maxBufferedBytes` still waits for the client from earlier turns, ends the
   * stream instead. What one turn brings always goes, however large: several events written back
   * to back outrun the kernel's buffer even for a client that reads.
   */
  write(stream, events) {
    if (stream.queued + stream.res.writableLength > this.options.maxBufferedBytes) {
      this.slowConsumer(stream);
      return;
    }
    for (const event of events) {
      if (event.holders++ === 0) this.backlog.waitingBytes += event.bytes;
      stream.queue.push(event);
      stream.queued += event.bytes;
    }
    this.backlog.peakWaitingBytes = Math.max(this.backlog.peakWaitingBytes, this.backlog.waitingBytes);
    this.pump(stream);
  }
  /** Hands Node the stream's queued events, one at a time, while its buffer is under the high-water mark. */
  pump(stream) {
    if (stream.queue.length === 0) return;
    let flowing = !stream.res.writableNeedDrain;
    while (flowing && stream.open && stream.queue.length > 0) {
      const event = stream.queue.shift();
      this.release(stream, event);
      flowing = stream.res.write(event.text);
    }
    this.account(stream, flowing);
  }
  /** The stream no longer queues `event`; the last stream to let go of it frees it from the budget. */
  release(stream, event) {
    stream.queued -= event.bytes;
    if (--event.holders === 0) this.backlog.waitingBytes -= event.bytes;
  }
  /** Lets go of everything the stream queued. */
  drop(stream) {
    for (const event of stream.queue) this.release(stream, event);
    stream.queue = [];
  }
  /**
   * Ends a stream that has more than `maxBufferedBytes` waiting: what Node holds still goes to a
   * client that reads, then the end; one that never reads is cut after `SLOW_CONSUMER_LINGER_MS`
   * (or sooner, by the budget).
   */
  slowConsumer(stream) {
    this.end(stream);
    this.drop(stream);
    this.slow++;
    const cut = setTimeout(() => stream.res.destroy(), SLOW_CONSUMER_LINGER_MS);
    cut.unref();
    stream.res.once("close", () => clearTimeout(cut));
    stream.res.end();
  }
  /** Cuts a stream for the server's budget: at once, what waits for it freed. */
  cut(stream) {
    if (this.end(stream)) this.slow++;
    this.drop(stream);
    stream.res.destroy();
  }
  /**
   * Brings the stream's bytes counted as waiting, and the server's total, up to date. Below Node's
   * high-water mark (`flowing`) nothing is counted: Node would not say when those bytes are gone.
   */
  account(stream, flowing) {
    const now = flowing ? 0 : stream.res.writableLength;
    this.backlog.waitingBytes += now - stream.buffered;
    this.backlog.peakWaitingBytes = Math.max(this.backlog.peakWaitingBytes, this.backlog.waitingBytes);
    stream.buffered = now;
  }
  pingAll() {
    for (const group of this.rooms.values()) {
      for (const stream of [...group.members]) if (stream.live) this.write(stream, [this.ping]);
    }
  }
  /** Removes every reference to the stream but its own close listener; `false` when it had ended. */
  end(stream) {
    if (!stream.open) return false;
    stream.open = false;
    this.drop(stream);
    this.count--;
    const group = stream.group;
    group.members.delete(stream);
    if (group.members.size === 0 && this.rooms.get(group.room.id) === group) {
      this.rooms.delete(group.room.id);
      group.stopListening();
    }
    if (this.count === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = void 0;
    }
    return true;
  }
};
function sharedEvent(text) {
  return { text, bytes: Buffer.byteLength(text), holders: 0 };
}
function piecesOf(parts, first) {
  const pieces = [];
  let current = [];
  let bytes = 0;
  let seq = first;
  for (const part of parts) {
    const size = Buffer.byteLength(part) + 1;
    if (current.length > 0 && bytes + size > REPLAY_EVENT_BYTES) {
      pieces.push({ parts: current, first: seq - current.length, last: seq - 1 });
      current = [];
      bytes = 0;
    }
    current.push(part);
    bytes += size;
    seq++;
  }
  pieces.push({ parts: current, first: seq - current.length, last: seq - 1 });
  return pieces;
}
function replayParts(room2, after, maxMessages) {
  const parts = [];
  let bytes = 0;
  const end = Math.min(room2.head, after + maxMessages);
  for (let seq = after + 1; seq <= end; seq++) {
    const message = room2.at(seq);
    if (message === void 0) break;
    const part = JSON.stringify(message);
    bytes += Buffer.byteLength(part) + 1;
    if (bytes > REPLAY_EVENT_BYTES && parts.length > 0) break;
    parts.push(part);
  }
  return parts;
}

// servers/sse/server.ts
function createSseServer(given = {}, log) {
  const options = resolveServerOptions({ ...given, transport: "sse" });
  const backplane = backplaneFor(options, log);
  const backlog = newBacklogTotals();
  const budget = newWaitingBudget(backlog, options);
  const streams = new Streams(backplane, options, backlog, budget);
  const app = buildPollingApp({
    transport: "sse",
    options,
    backplane,
    backlog,
    budget,
    poll: answerNow,
    onClose: () => streams.shutdown(),
    moreRoutes: [`GET ${EVENTS_ROUTE}`]
  });
  app.get(EVENTS_ROUTE, (request, reply) => {
    const roomId = checkRoomId(request.params.room);
    const cursor2 = checkLastEventId(request.headers[LAST_EVENT_ID_HEADER]) ?? checkCursorParam(request.query.cursor);
    return settleForClient(reply, backplane.load(roomId, cursor2), (room2) => {
      const after = cursor2 === void 0 ? room2.head : room2.resolve(cursor2);
      const busy = busyRefusal(budget, backlog, room2.cursorAt(after));
      if (busy) throw busy;
      if (streams.size >= options.maxStreams) {
        throw new ChatError(
          "TOO_MANY_STREAMS",
          `this server holds at most ${options.maxStreams} event streams at once (option maxStreams) and holds that many; reconnect later with the same cursor`,
          room2.cursorAt(after)
        );
      }
      if (request.method === "HEAD") return reply.code(200).headers({ "content-type": "text/event-stream", "cache-control": "no-store" }).send();
      streams.open(roomId, after, () => reply.hijack().raw);
      return void 0;
    });
  });
  return fastifyChatServer("sse", options, backplane, app, () => ({
    ...EMPTY_STATS,
    ...backlog,
    streams: streams.size,
    slowConsumerCloses: streams.slowConsumerCloses
  }));
}

// servers/websocket/fanout.ts
var Fanout = class {
  rooms = /* @__PURE__ */ new Map();
  count = 0;
  /** Subscriptions over all rooms. */
  get size() {
    return this.count;
  }
  add(room2, subscriber) {
    let entry = this.rooms.get(room2.id);
    if (!entry) {
      const members = /* @__PURE__ */ new Set();
      const stopListening = room2.listen(
        (message) => {
          const frame = { type: "messages", room: message.room, messages: [message], cursor: room2.cursorAt(message.seq) };
          const text = JSON.stringify(frame);
          for (const member of members) member.sendText(text);
        },
        (cursor2) => {
          if (this.rooms.get(room2.id)?.members !== members) return;
          this.rooms.delete(room2.id);
          this.count -= members.size;
          for (const member of members) member.expired(room2.id, cursor2);
        }
      );
      entry = { members, stopListening };
      this.rooms.set(room2.id, entry);
    }
    if (!entry.members.has(subscriber)) {
      entry.members.add(subscriber);
      this.count++;
    }
  }
  remove(roomId, subscriber) {
    const entry = this.rooms.get(roomId);
    if (!entry || !entry.members.delete(subscriber)) return;
    this.count--;
    if (entry.members.size === 0) {
      entry.stopListening();
      this.rooms.delete(roomId);
    }
  }
};

// servers/webrtc/loopback.ts
import { RTCPeerConnection } from "werift";

// servers/webrtc/dtls-guard.ts
import { RTCDtlsTransport } from "werift";
var DTLS_CLIENT = 1;
var DTLS_SERVER = 2;
var SERVER_HELLO = 2;
var CERTIFICATE = 11;
var CERTIFICATE_VERIFY = 15;
var SERVER_HELLO_DONE = 14;
var CLIENT_KEY_EXCHANGE = 16;
var FINISHED = 20;
var FLIGHT_4 = 4;
var FLIGHT_5 = 5;
var dtlsGuardCounters = {
  /** Handshake messages a connected DTLS client ignored. */
  ignoredHandshakes: 0,
  /** Flights 5 a connected DTLS client did not run again. */
  skippedFlight5: 0,
  /** ServerHelloDones a DTLS client did not handle yet: a message of its flight 4 was missing. */
  clientHeldBack: 0,
  /** Flight-5 messages a DTLS server did not handle: repeats, and ones that came before their turn. */
  serverHeldBack: 0
};
var installed = false;
function guardDtls() {
  if (installed) return;
  installed = true;
  const start = RTCDtlsTransport.prototype.start;
  RTCDtlsTransport.prototype.start = function() {
    const started = start.call(this);
    const socket = this.dtls;
    if (socket?.sessionType === DTLS_CLIENT) guardClient(socket);
    else if (socket?.sessionType === DTLS_SERVER) guardServer(socket);
    return started;
  };
}
function guardClient(socket) {
  const handle = socket.onHandleHandshakes;
  socket.onHandleHandshakes = (assembled) => {
    if (socket.connected) {
      dtlsGuardCounters.ignoredHandshakes++;
      return Promise.resolve();
    }
    const inTurn = assembled.filter((message) => message.msg_type !== SERVER_HELLO_DONE || flight4Complete(socket, assembled, message.message_seq));
    if (inTurn.length < assembled.length) dtlsGuardCounters.clientHeldBack++;
    return inTurn.length === 0 ? Promise.resolve() : handle(inTurn);
  };
  let flight5;
  Object.defineProperty(socket, "flight5", {
    configurable: true,
    enumerable: true,
    get: () => flight5,
    set: (made) => {
      const exec = made.exec.bind(made);
      made.exec = () => {
        if (!socket.connected) return exec();
        dtlsGuardCounters.skippedFlight5++;
        return Promise.resolve();
      };
      flight5 = made;
    }
  });
}
function flight4Complete(socket, arriving, doneSeq) {
  const messages = [...socket.dtls.handshakeCache[FLIGHT_4]?.data ?? [], ...arriving];
  const hello = messages.find((m) => m.msg_type === SERVER_HELLO);
  if (!hello) return false;
  const seqs = new Set(messages.map((m) => m.message_seq));
  for (let seq = hello.message_seq + 1; seq < doneSeq; seq++) if (!seqs.has(seq)) return false;
  return true;
}
function guardServer(socket) {
  const handle = socket.onHandleHandshakes;
  socket.onHandleHandshakes = (assembled) => {
    if (socket.connected) return handle(assembled);
    const buffered = new Set((socket.dtls.handshakeCache[FLIGHT_5]?.data ?? []).map((m) => m.msg_type));
    const inTurn = assembled.filter((message) => {
      const type = message.msg_type;
      const held = type !== FINISHED && buffered.has(type) || type === CLIENT_KEY_EXCHANGE && socket.options.certificateRequest === true && !buffered.has(CERTIFICATE) || type === CERTIFICATE_VERIFY && !buffered.has(CLIENT_KEY_EXCHANGE);
      if (held) dtlsGuardCounters.serverHeldBack++;
      else buffered.add(type);
      return !held;
    });
    return inTurn.length === 0 ? Promise.resolve() : handle(inTurn);
  };
}

// servers/webrtc/sctp-mends.ts
import { RTCSctpTransport } from "werift";

// servers/webrtc/sctp-chunk.ts
var UNORDERED = 4;
var FIRST_FRAGMENT = 2;
var LAST_FRAGMENT = 1;
function serialGt(a, b, bits) {
  const half = 2 ** (bits - 1);
  return a < b && b - a > half || a > b && a - b < half;
}

// servers/webrtc/sctp-reassembly.ts
var tsnPlusOne = (tsn) => (tsn + 1) % 2 ** 32;
function* popMessages() {
  let pos = 0;
  let startPos;
  let expectedTsn = 0;
  let ordered = true;
  while (pos < this.reassembly.length) {
    const chunk = this.reassembly[pos];
    if (startPos === void 0) {
      ordered = (chunk.flags & UNORDERED) === 0;
      if ((chunk.flags & FIRST_FRAGMENT) === 0) {
        if (ordered) break;
        pos++;
        continue;
      }
      if (ordered && serialGt(chunk.streamSeqNum, this.streamSequenceNumber, 16)) break;
      expectedTsn = chunk.tsn;
      startPos = pos;
    } else if (chunk.tsn !== expectedTsn) {
      if (ordered) break;
      startPos = void 0;
      continue;
    }
    if ((chunk.flags & LAST_FRAGMENT) !== 0) {
      const message = this.reassembly.slice(startPos, pos + 1);
      this.reassembly = [...this.reassembly.slice(0, startPos), ...this.reassembly.slice(pos + 1)];
      if (ordered && chunk.streamSeqNum === this.streamSequenceNumber) this.streamSequenceNumber = (this.streamSequenceNumber + 1) % 65536;
      pos = startPos;
      startPos = void 0;
      yield [chunk.streamId, chunk.protocol, Buffer.concat(message.map((c) => c.userData))];
      continue;
    }
    pos++;
    expectedTsn = tsnPlusOne(expectedTsn);
  }
}
function deliverEveryReadyMessage(association) {
  const proto = Object.getPrototypeOf(association);
  if (proto.mendedReassembly) return;
  if (typeof proto.getInboundStream !== "function") throw new Error("werift's SCTP association has no getInboundStream: the fix in servers/webrtc/sctp-reassembly.ts no longer fits this werift");
  proto.mendedReassembly = true;
  const getInboundStream = proto.getInboundStream;
  proto.getInboundStream = function(streamId) {
    const stream = getInboundStream.call(this, streamId);
    const streamProto = Object.getPrototypeOf(stream);
    if (typeof streamProto.popMessages !== "function") throw new Error("werift's InboundStream has no popMessages: the fix in servers/webrtc/sctp-reassembly.ts no longer fits this werift");
    streamProto.popMessages = popMessages;
    return stream;
  };
}

// servers/webrtc/unreliable.ts
var WERIFT_NO_RETRANSMITS = 0.5;
function sendUnreliably(channel) {
  const parameters = channel.parameters;
  parameters.ordered = false;
  parameters.maxRetransmits = WERIFT_NO_RETRANSMITS;
}
function maybeAbandon(chunk) {
  if (chunk.abandoned) return true;
  const due = !!chunk.maxRetransmits && chunk.maxRetransmits < chunk.sentCount || !!chunk.expiry && chunk.expiry < Date.now() / 1e3;
  if (!due) return false;
  const mark = (c) => {
    c.abandoned = true;
    c.retransmit = false;
  };
  const at = this.sentQueue.indexOf(chunk);
  if (at < 0) {
    mark(chunk);
    return true;
  }
  for (let pos = at; pos >= 0; pos--) {
    const c = this.sentQueue[pos];
    mark(c);
    if (c.flags & FIRST_FRAGMENT) break;
  }
  for (let pos = at; pos < this.sentQueue.length; pos++) {
    const c = this.sentQueue[pos];
    mark(c);
    if (c.flags & LAST_FRAGMENT) break;
  }
  return true;
}
var forwarded = /* @__PURE__ */ new WeakMap();
function mendedAdvancedPeerAckPoint(update) {
  return function() {
    const before = this.forwardTsnChunk;
    update.call(this);
    const now = performance.now();
    if (this.forwardTsnChunk && this.forwardTsnChunk !== before) {
      forwarded.set(this, { chunk: this.forwardTsnChunk, resentAt: now });
      return;
    }
    const last = forwarded.get(this);
    if (!last || this.forwardTsnChunk || !serialGt(this.advancedPeerAckTsn, this.lastSackedTsn, 32)) return;
    if (now - last.resentAt < this.rto * 1e3) return;
    last.resentAt = now;
    this.forwardTsnChunk = last.chunk;
  };
}
function mendPartialReliability(association) {
  const proto = Object.getPrototypeOf(association);
  if (proto.mendedPartialReliability) return;
  if (typeof proto.maybeAbandon !== "function" || typeof proto.updateAdvancedPeerAckPoint !== "function") {
    throw new Error("werift's SCTP association has no maybeAbandon or updateAdvancedPeerAckPoint: the fixes in servers/webrtc/unreliable.ts no longer fit this werift");
  }
  proto.mendedPartialReliability = true;
  proto.maybeAbandon = maybeAbandon;
  proto.updateAdvancedPeerAckPoint = mendedAdvancedPeerAckPoint(proto.updateAdvancedPeerAckPoint);
}

// servers/webrtc/sctp-mends.ts
var SCTP_INITIAL_RTO_S = 1;
var installed2 = false;
function mendSctpAssociations() {
  if (installed2) return;
  installed2 = true;
  const setDtlsTransport = RTCSctpTransport.prototype.setDtlsTransport;
  RTCSctpTransport.prototype.setDtlsTransport = function(...args) {
    setDtlsTransport.apply(this, args);
    const sctp = this.sctp;
    if (!sctp) return;
    sctp.rto = Math.min(sctp.rto, SCTP_INITIAL_RTO_S);
    mendPartialReliability(sctp);
    deliverEveryReadyMessage(sctp);
  };
}

// servers/webrtc/loopback.ts
var LOOPBACK_HOST = "127.0.0.1";
function allowedAddress(address) {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m || m.slice(1).some((part) => Number(part) > 255)) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 127 || a === 198 && (b === 18 || b === 19);
}
function iceHostFor(host) {
  return allowedAddress(host) ? host : LOOPBACK_HOST;
}
function loopbackPeerConfig(maxMessageSize, host = LOOPBACK_HOST) {
  if (!allowedAddress(host)) throw new RangeError(`a peer binds to 127.0.0.0/8 or 198.18.0.0/15 only, not ${host}`);
  return {
    maxMessageSize,
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [host],
    iceInterfaceAddresses: { udp4: host },
    iceFilterCandidatePair: (pair) => pair.localCandidate.host === host && allowedAddress(pair.remoteCandidate.host)
  };
}
function createLoopbackPeer(maxMessageSize, host = LOOPBACK_HOST) {
  guardDtls();
  mendSctpAssociations();
  return new RTCPeerConnection(loopbackPeerConfig(maxMessageSize, host));
}
function withoutStun(pc) {
  for (const transport of pc.iceTransports) {
    transport.connection.stunServer = void 0;
  }
}
function loopbackOnly(sdp) {
  let kept = 0;
  let dropped = 0;
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith("a=candidate:")) return true;
    const address = line.slice("a=candidate:".length).split(" ")[4];
    if (address !== void 0 && allowedAddress(address)) {
      kept++;
      return true;
    }
    dropped++;
    return false;
  });
  return { sdp: lines.join("\r\n"), kept, dropped };
}
async function describeLocally(pc, description) {
  withoutStun(pc);
  await pc.setLocalDescription(description);
  const local = pc.localDescription;
  if (!local) throw new Error("werift set no local description");
  return loopbackOnly(local.sdp).sdp;
}

// servers/webrtc/offer.ts
var MAX_OFFER_SDP_CHARS = 16 * 1024;
var MAX_OFFER_CANDIDATES = 16;
var DATA_CHANNEL_SECTION = /^m=application \d+ (UDP\/)?DTLS\/SCTP webrtc-datachannel/m;
var REQUIRED = [
  { name: "mid", valid: /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]{1,32}$/, rule: "a token of 1 to 32 characters" },
  { name: "ice-ufrag", valid: /^[A-Za-z0-9+/]{4,256}$/, rule: "4 to 256 ICE characters (letters, digits, + and /)" },
  { name: "ice-pwd", valid: /^[A-Za-z0-9+/]{22,256}$/, rule: "22 to 256 ICE characters (letters, digits, + and /)" },
  { name: "fingerprint", valid: /^sha-(1|224|256|384|512) [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){19,63}$/, rule: `a hash name and the certificate's hash in hex pairs, such as "sha-256 AB:CD:\u2026"` },
  { name: "setup", valid: /^(actpass|active)$/, rule: '"actpass" or "active" (this server is the DTLS server)' }
];
function attribute(lines, name2) {
  const prefix = `a=${name2}:`;
  return lines.find((line) => line.startsWith(prefix))?.slice(prefix.length).trim();
}
function checkSdp(sdp) {
  if (sdp.length > MAX_OFFER_SDP_CHARS) {
    throw new ChatError("PAYLOAD_TOO_LARGE", `the offer's SDP is ${sdp.length} characters; at most ${MAX_OFFER_SDP_CHARS} are taken (a data-channel offer is about 1 KB)`);
  }
  const lines = sdp.split(/\r?\n/);
  const media = lines.filter((line) => line.startsWith("m="));
  if (media.length !== 1) {
    throw new ChatError("BAD_REQUEST", `the offer has ${media.length} media sections; this server answers exactly one, the data-channel section ("m=application ... UDP/DTLS/SCTP webrtc-datachannel")`);
  }
  const candidates = lines.filter((line) => line.startsWith("a=candidate:")).length;
  if (candidates > MAX_OFFER_CANDIDATES) {
    throw new ChatError("BAD_REQUEST", `the offer has ${candidates} candidates; at most ${MAX_OFFER_CANDIDATES} are taken (one on the server's own network is enough)`);
  }
  for (const { name: name2, valid, rule } of REQUIRED) {
    const value = attribute(lines, name2);
    if (value === void 0) throw new ChatError("BAD_REQUEST", `the offer has no "a=${name2}:" line; it must be ${rule}`);
    if (!valid.test(value)) throw new ChatError("BAD_REQUEST", `the offer's "a=${name2}:" is ${JSON.stringify(value.slice(0, 80))}; it must be ${rule}`);
  }
}
function checkOffer(body) {
  const shape = 'send a JSON object {"type":"offer","sdp":"..."}';
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ChatError("BAD_REQUEST", `the body is not an object; ${shape}`);
  const extra = Object.keys(body).find((key) => key !== "type" && key !== "sdp");
  if (extra !== void 0) throw new ChatError("BAD_REQUEST", `unknown field "${extra}"; ${shape}`);
  const { type, sdp } = body;
  if (type !== "offer") throw new ChatError("BAD_REQUEST", `field type must be "offer" (this server answers offers only), not ${JSON.stringify(type) ?? "missing"}`);
  if (typeof sdp !== "string" || sdp.length === 0) throw new ChatError("BAD_REQUEST", "field sdp must be a non-empty string: the offer's session description");
  if (!sdp.startsWith("v=0")) throw new ChatError("BAD_REQUEST", 'field sdp is not a session description (it must start with "v=0")');
  if (!DATA_CHANNEL_SECTION.test(sdp)) {
    throw new ChatError("BAD_REQUEST", 'the offer has no data-channel section ("m=application ... UDP/DTLS/SCTP webrtc-datachannel"); create a data channel before the offer');
  }
  checkSdp(sdp);
  const loopback = loopbackOnly(sdp);
  if (loopback.kept === 0) {
    throw new ChatError(
      "BAD_REQUEST",
      `the offer has no candidate on ${LOOPBACK_HOST} or the benchmarking range 198.18.0.0/15 (${loopback.dropped} on other addresses); gather on ${LOOPBACK_HOST} and send the offer once gathering is complete (no trickle ICE)`
    );
  }
  return { type: "offer", sdp: loopback.sdp };
}

// servers/webrtc/peers.ts
import { randomUUID } from "node:crypto";
import { RTCSessionDescription } from "werift";

// servers/websocket/connection.ts
var CLOSE = { GOING_AWAY: 1001, SLOW_CONSUMER: 4008 };
var Connection = class {
  constructor(channel, backplane, fanout, options, counters, onBuffered) {
    this.channel = channel;
    this.backplane = backplane;
    this.fanout = fanout;
    this.options = options;
    this.counters = counters;
    this.onBuffered = onBuffered;
    channel.onClosed(() => this.forget());
  }
  channel;
  backplane;
  fanout;
  options;
  counters;
  onBuffered;
  /** Subscriptions by room, replaying or live: at most `maxSubscriptions`. */
  rooms = /* @__PURE__ */ new Map();
  open = true;
  /**
   * Replay frames handed to the channel whose write has not completed yet. Only replay pieces are counted:
   * a replay that finds no room waits for one of its own writes, so it always has one to wait for.
   */
  unwritten = 0;
  /** Called once every replay frame handed to the channel has been written (or the socket is gone). */
  drained = [];
  /**
   * Frames that arrived while an earlier one waits for the backplane (Redis): handled after it, in
   * order, so that a subscribe then a send behave as with the memory backplane. `undefined` when
   * nothing waits. A frame is its text, or `undefined` for a binary frame.
   */
  waiting;
  onWritten = () => {
    if (--this.unwritten > 0) return;
    const waiting = this.drained;
    this.drained = [];
    for (const resume of waiting) resume();
  };
  /** Bytes waiting to be written to the client. */
  get bufferedAmount() {
    return this.channel.bufferedAmount;
  }
  sendText(text) {
    if (!this.open) return;
    this.onBuffered?.(this.channel.bufferedAmount);
    if (!this.open) return;
    this.channel.send(text);
    if (this.channel.bufferedAmount > this.options.maxBufferedBytes) {
      this.counters.slowConsumerCloses++;
      this.close(CLOSE.SLOW_CONSUMER, "SLOW_CONSUMER");
    }
  }
  write(text) {
    this.onBuffered?.(this.channel.bufferedAmount);
    this.unwritten++;
    this.channel.send(text, this.onWritten);
  }
  /** Stops sending and starts the close handshake. */
  close(code, reason) {
    this.forget();
    this.channel.close(code, reason);
  }
  /** Calls `done` once the connection is fully closed (at once if it already is). */
  onClosed(done) {
    this.channel.onClosed(done);
  }
  /** Ends the connection at once (no close handshake). */
  terminate() {
    this.forget();
    this.channel.terminate();
  }
  forget() {
    if (!this.open) return;
    this.open = false;
    for (const room2 of this.rooms.keys()) this.fanout.remove(room2, this);
    this.rooms.clear();
  }
  /** Handles one frame from the client: its text, or `undefined` for a binary frame (refused). */
  receive(text) {
    if (!this.open) return;
    if (this.waiting) {
      this.waiting.push(text);
      return;
    }
    const later = this.process(text);
    if (later) this.waitFor(later);
  }
  /** The room's cursors stopped holding (the Redis backplane lost its data): the client resubscribes from `cursor`. */
  expired(roomId, cursor2) {
    this.rooms.delete(roomId);
    this.sendError(
      new FrameError(new ChatError("CURSOR_EXPIRED", `room "${roomId}" lost its history (the backplane's data was lost); subscribe again from the cursor given`, cursor2), roomId)
    );
  }
  /** Holds the next frames until `later` is done, then handles them in order. */
  waitFor(later) {
    this.waiting = [];
    void later.then(() => {
      while (this.waiting && this.waiting.length > 0) {
        const next = this.waiting.shift();
        if (!this.open) break;
        const again = this.process(next);
        if (again) {
          const rest = this.waiting;
          this.waitFor(again);
          this.waiting.push(...rest);
          return;
        }
      }
      this.waiting = void 0;
    });
  }
  /** Handles one frame; a promise (never rejected) when it waits for the backplane. */
  process(text) {
    try {
      if (text === void 0) throw new ChatError("BAD_REQUEST", "binary frames are not accepted; send JSON text frames");
      const later = this.handle(parseClientFrame(text, this.options.maxBodyBytes));
      return later?.catch((error) => this.sendError(error));
    } catch (error) {
      this.sendError(error);
      return void 0;
    }
  }
  handle(frame) {
    switch (frame.type) {
      case "subscribe":
        return this.subscribe(frame.room, frame.cursor);
      case "unsubscribe":
        this.unsubscribe(frame.room);
        return void 0;
      case "send": {
        const refer = (error) => error instanceof ChatError ? new FrameError(error, frame.id) : error;
        let stored;
        try {
          stored = this.backplane.append(frame.room, frame);
        } catch (error) {
          throw refer(error);
        }
        const ack = settle(stored, (result) => {
          const ack2 = { type: "ack", room: frame.room, id: frame.id, seq: result.message.seq, cursor: result.cursor };
          this.sendText(JSON.stringify(ack2));
        });
        return ack instanceof Promise ? ack.catch((error) => this.sendError(refer(error))) : void 0;
      }
    }
  }
  unsubscribe(roomId) {
    this.rooms.delete(roomId);
    this.fanout.remove(roomId, this);
  }
  /**
   * Replays what came after the cursor, then joins the room's live messages in the same turn of
   * the event loop as the last piece of the replay is read, so nothing can fall between. Always
   * answers with at least one `messages` frame, empty when there is nothing to replay: it confirms
   * the subscription and carries the cursor.
   */
  subscribe(roomId, cursor2) {
    this.unsubscribe(roomId);
    if (this.rooms.size >= this.options.maxSubscriptions) {
      throw new FrameError(
        new ChatError(
          "TOO_MANY_SUBSCRIPTIONS",
          `a connection may subscribe to at most ${this.options.maxSubscriptions} rooms (option maxSubscriptions); unsubscribe from one first`
        ),
        roomId
      );
    }
    const refer = (error) => error instanceof ChatError ? new FrameError(error, roomId) : error;
    let loaded2;
    try {
      loaded2 = this.backplane.load(roomId, cursor2);
    } catch (error) {
      throw refer(error);
    }
    const started = settle(loaded2, (room2) => {
      if (!this.open) return;
      let after;
      try {
        after = cursor2 === void 0 ? room2.head : room2.resolve(cursor2);
      } catch (error) {
        throw refer(error);
      }
      const subscription = { room: roomId, epoch: room2.epoch };
      this.rooms.set(roomId, subscription);
      this.replay(subscription, after);
    });
    return started instanceof Promise ? started.catch((error) => this.sendError(refer(error))) : void 0;
  }
  /**
   * Sends the messages after `after` in frames of at most `maxPageSize` messages, each as large
   * as the buffer's free room allows; waits for the buffer to drain when it has none. Stops when
   * the subscription ends; a replay that falls out of history while waiting ends with
   * `CURSOR_EXPIRED`.
   */
  replay(subscription, start) {
    const roomId = subscription.room;
    let after = start;
    try {
      for (; ; ) {
        if (!this.open || this.rooms.get(roomId) !== subscription) return;
        const room2 = this.backplane.log.peek(roomId);
        if (room2.epoch !== subscription.epoch) {
          this.rooms.delete(roomId);
          throw new ChatError("CURSOR_EXPIRED", `room "${roomId}" lost its history during the replay (the backplane's data was lost); subscribe again from the cursor given`, room2.cursorAt(0));
        }
        if (after < room2.oldest - 1) {
          this.rooms.delete(roomId);
          throw new ChatError("CURSOR_EXPIRED", `the replay of room "${roomId}" fell behind its history while this client did not read; restart from the cursor given`, room2.headCursor());
        }
        const free = Math.min(this.options.maxBufferedBytes - this.channel.bufferedAmount, REPLAY_PIECE_BYTES);
        const piece = replayPiece(room2, after, this.options.maxPageSize, free, this.unwritten === 0);
        if (piece === void 0) {
          this.drained.push(() => this.replay(subscription, after));
          return;
        }
        after += piece.count;
        if (after === room2.head) {
          this.fanout.add(this.backplane.log.room(roomId), this);
          this.write(piece.text);
          return;
        }
        this.write(piece.text);
      }
    } catch (error) {
      if (this.rooms.get(roomId) === subscription) this.rooms.delete(roomId);
      this.sendError(error instanceof ChatError ? new FrameError(error, roomId) : error);
    }
  }
  sendError(error) {
    const chat = error instanceof ChatError ? error : new ChatError("INTERNAL_ERROR", "internal error; this is a bug in the server");
    if (!(error instanceof ChatError)) console.error(error);
    const ref = chat instanceof FrameError ? chat.ref : void 0;
    const frame = {
      type: "error",
      code: chat.code,
      message: chat.message,
      ...ref === void 0 ? {} : { ref },
      ...chat.cursor === void 0 ? {} : { cursor: chat.cursor }
    };
    this.sendText(JSON.stringify(frame));
  }
};
var REPLAY_PIECE_BYTES = 64 * 1024;
function replayPiece(room2, after, maxMessages, budget, empty) {
  const head = `{"type":"messages","room":${JSON.stringify(room2.id)},"messages":[`;
  let bytes = head.length + 64;
  const parts = [];
  const end = Math.min(room2.head, after + maxMessages);
  for (let seq = after + 1; seq <= end; seq++) {
    const message = room2.at(seq);
    if (message === void 0) break;
    const part = JSON.stringify(message);
    const size = Buffer.byteLength(part) + 1;
    if (bytes + size > budget && !(empty && parts.length === 0)) break;
    bytes += size;
    parts.push(part);
  }
  if (parts.length === 0 && room2.head > after) return void 0;
  const cursor2 = room2.cursorAt(after + parts.length);
  return { text: `${head}${parts.join(",")}],"cursor":${JSON.stringify(cursor2)}}`, count: parts.length };
}

// servers/webrtc/data-channel.ts
var DataChannelFrames = class {
  /** `maxFrameBytes`: the largest frame taken from the client (maxPayloadBytes). */
  constructor(channel, maxFrameBytes) {
    this.channel = channel;
    this.maxFrameBytes = maxFrameBytes;
    channel.bufferedAmountLowThreshold = 0;
    channel.bufferedAmountLow.subscribe(() => this.drained());
    channel.stateChanged.subscribe((state) => {
      if (state === "closed") this.drained();
    });
  }
  channel;
  maxFrameBytes;
  written = [];
  /** Hands each frame to `session`: its text, or `undefined` for a binary frame (refused there). */
  deliverTo(session) {
    this.channel.onMessage.subscribe((data) => {
      const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.length;
      if (bytes > this.maxFrameBytes) {
        const error = new ChatError("PAYLOAD_TOO_LARGE", `a frame of ${bytes} bytes is over the limit of ${this.maxFrameBytes} (option maxPayloadBytes)`);
        const frame = { type: "error", code: error.code, message: error.message };
        this.send(JSON.stringify(frame));
        return;
      }
      session.receive(typeof data === "string" ? data : void 0);
    });
  }
  get bufferedAmount() {
    return this.channel.bufferedAmount;
  }
  send(text, written) {
    if (this.channel.readyState !== "open") {
      written?.();
      return;
    }
    try {
      this.channel.send(text);
    } catch {
      written?.();
      this.channel.close();
      return;
    }
    if (written) this.written.push(written);
  }
  close() {
    this.channel.close();
  }
  terminate() {
    this.channel.close();
  }
  onClosed(done) {
    if (this.channel.readyState === "closed") {
      done();
      return;
    }
    const { unSubscribe } = this.channel.stateChanged.subscribe((state) => {
      if (state !== "closed") return;
      unSubscribe();
      done();
    });
  }
  drained() {
    const waiting = this.written;
    this.written = [];
    for (const resume of waiting) resume();
  }
};

// servers/webrtc/peers.ts
var PEER_CONNECT_TIMEOUT_MS = 1e4;
var MAX_CHANNELS_PER_PEER = 8;
var Peers = class {
  constructor(options, backplane, fanout, counters) {
    this.options = options;
    this.backplane = backplane;
    this.fanout = fanout;
    this.counters = counters;
  }
  options;
  backplane;
  fanout;
  counters;
  peers = /* @__PURE__ */ new Map();
  /** Offers being answered: they hold a slot of `maxPeers` already. */
  answering = 0;
  closing = false;
  /** Peers connected or being answered. */
  get size() {
    return this.peers.size + this.answering;
  }
  /** Every open session (data channel) over all peers. */
  *sessions() {
    for (const peer of this.peers.values()) yield* peer.sessions;
  }
  /**
   * Answers a checked offer (offer.ts) with a complete answer, loopback candidates only.
   * `BUSY` beyond `maxPeers`, `BAD_REQUEST` for an offer werift cannot take, `SHUTTING_DOWN` once
   * the server is closing.
   */
  async answer(offer) {
    if (this.closing) throw new ChatError("SHUTTING_DOWN", "the server is shutting down");
    if (this.size >= this.options.maxPeers) {
      throw new ChatError("BUSY", `the server has ${this.options.maxPeers} peer connections (option maxPeers); close one or retry later`);
    }
    this.answering++;
    const peer = { id: randomUUID(), pc: createLoopbackPeer(this.options.maxPayloadBytes, iceHostFor(this.options.host)), sessions: /* @__PURE__ */ new Set(), connectTimer: void 0 };
    let sdp;
    try {
      peer.pc.onDataChannel.subscribe((channel) => this.openSession(peer, channel));
      try {
        await peer.pc.setRemoteDescription(new RTCSessionDescription(offer.sdp, "offer"));
      } catch (error) {
        throw new ChatError("BAD_REQUEST", `the offer could not be applied: ${error.message}`);
      }
      for (const dtls of peer.pc.dtlsTransports) dtls.role = "server";
      sdp = await describeLocally(peer.pc, await peer.pc.createAnswer());
    } catch (error) {
      void peer.pc.close().catch(() => void 0);
      throw error;
    } finally {
      this.answering--;
    }
    if (this.closing) {
      void peer.pc.close().catch(() => void 0);
      throw new ChatError("SHUTTING_DOWN", "the server is shutting down");
    }
    this.peers.set(peer.id, peer);
    peer.connectTimer = setTimeout(() => this.end(peer, true), PEER_CONNECT_TIMEOUT_MS);
    peer.pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") clearTimeout(peer.connectTimer);
      if (state === "failed" || state === "closed") this.end(peer, true);
    });
    peer.pc.sctpTransport?.sctp.stateChanged.closed.subscribe(() => this.end(peer, false));
    return { type: "answer", sdp, peer: peer.id };
  }
  /** Closes the answered peer `id` whose client left before it got the answer (it would never connect). */
  drop(id) {
    const peer = this.peers.get(id);
    if (peer) this.end(peer, false);
  }
  /** Closes every peer; resolves when werift closed them, or after `shutdownGraceMs`. */
  async closeAll() {
    this.closing = true;
    const closing = [...this.peers.values()].map((peer) => this.close(peer));
    let grace;
    await Promise.race([Promise.all(closing), new Promise((resolve) => grace = setTimeout(resolve, this.options.shutdownGraceMs))]);
    clearTimeout(grace);
  }
  /**
   * A channel the client opened: `chat` and `chat-lossy` become sessions, up to
   * `MAX_CHANNELS_PER_PEER` at once; any other label, or a channel beyond that, is closed.
   */
  openSession(peer, channel) {
    if (channel.label !== RTC_CHANNELS.reliable && channel.label !== RTC_CHANNELS.lossy || peer.sessions.size >= MAX_CHANNELS_PER_PEER) {
      this.counters.refusedChannels++;
      queueMicrotask(() => channel.close());
      return;
    }
    if (channel.label === RTC_CHANNELS.lossy) sendUnreliably(channel);
    const frames = new DataChannelFrames(channel, this.options.maxPayloadBytes);
    const session = new Connection(frames, this.backplane, this.fanout, this.options, this.counters);
    frames.deliverTo(session);
    peer.sessions.add(session);
    session.onClosed(() => peer.sessions.delete(session));
  }
  /** A peer that ended: `failed` (counted) or never connected, or closed by its client. */
  end(peer, failed) {
    if (!this.peers.has(peer.id)) return;
    if (failed) this.counters.droppedPeers++;
    void this.close(peer).catch(() => void 0);
  }
  async close(peer) {
    clearTimeout(peer.connectTimer);
    this.peers.delete(peer.id);
    for (const session of peer.sessions) session.close(CLOSE.GOING_AWAY, "SHUTTING_DOWN");
    await peer.pc.close();
  }
};

// servers/webrtc/server.ts
function createWebRtcServer(given = {}, log) {
  const options = resolveServerOptions({ ...given, transport: "webrtc" });
  const backplane = backplaneFor(options, log);
  const backlog = newBacklogTotals();
  const fanout = new Fanout();
  const peers = new Peers(options, backplane, fanout, { slowConsumerCloses: 0, droppedPeers: 0, refusedChannels: 0 });
  const app = buildPollingApp({ transport: "webrtc", options, backplane, poll: answerNow, backlog, budget: newWaitingBudget(backlog, options) });
  app.post(RTC_OFFER_PATH, async (request, reply) => {
    const type = request.headers["content-type"]?.split(";", 1)[0]?.trim().toLowerCase();
    if (type !== "application/json") throw new ChatError("UNSUPPORTED_MEDIA_TYPE", "an offer must be POSTed with Content-Type: application/json");
    const answer = await peers.answer(checkOffer(request.body));
    if (clientGone(reply.raw)) peers.drop(answer.peer);
    void reply.code(201);
    return answer;
  });
  const server = fastifyChatServer("webrtc", options, backplane, app, () => {
    let sockets = 0;
    let bufferingSockets = 0;
    let maxBufferedBytes = 0;
    for (const session of peers.sessions()) {
      sockets++;
      if (session.bufferedAmount > 0) bufferingSockets++;
      maxBufferedBytes = Math.max(maxBufferedBytes, session.bufferedAmount);
    }
    return {
      ...EMPTY_STATS,
      ...backlog,
      sockets,
      subscriptions: fanout.size,
      slowConsumerCloses: peers.counters.slowConsumerCloses,
      heartbeatDrops: peers.counters.droppedPeers,
      bufferingSockets,
      maxBufferedBytes
    };
  });
  let closed;
  return {
    ...server,
    /** Closes every peer (its channels first) while the HTTP side answers what is in flight. */
    close() {
      closed ??= Promise.all([peers.closeAll(), server.close()]).then(() => void 0);
      return closed;
    }
  };
}

// servers/websocket/server.ts
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { once } from "node:events";
import { WebSocketServer } from "ws";

// servers/websocket/handshake.ts
function checkHandshake(request, options) {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (url.pathname !== WS_PATH) {
    return new ChatError("NOT_FOUND", `no WebSocket endpoint at ${url.pathname}; connect to ${WS_PATH}`);
  }
  if (options.token !== "" && !tokenMatches(options.token, url.searchParams.get(WS_TOKEN_PARAM) ?? void 0)) {
    return new ChatError("UNAUTHORIZED", `this server requires a token: connect to ${WS_PATH}?${WS_TOKEN_PARAM}=<token>`);
  }
  const origin = request.headers.origin;
  if (origin !== void 0 && options.allowedOrigins.length > 0 && !options.allowedOrigins.includes(origin)) {
    return new ChatError("FORBIDDEN", `Origin ${JSON.stringify(origin)} is not allowed to connect`);
  }
  return void 0;
}

// servers/websocket/ws-channel.ts
var WsChannel = class {
  constructor(ws) {
    this.ws = ws;
    ws.on("pong", () => {
      this.alive = true;
    });
    ws.on("error", () => void 0);
  }
  ws;
  /** Set by the heartbeat before a ping, cleared by any sign of life. */
  alive = true;
  /** Hands each frame to `session`: its text, or `undefined` for a binary frame. */
  deliverTo(session) {
    this.ws.on("message", (data, isBinary) => {
      this.alive = true;
      session.receive(isBinary ? void 0 : data.toString("utf8"));
    });
  }
  get bufferedAmount() {
    return this.ws.bufferedAmount;
  }
  send(text, written) {
    if (written) this.ws.send(text, written);
    else this.ws.send(text);
  }
  close(code, reason) {
    this.ws.close(code, reason);
  }
  terminate() {
    this.ws.terminate();
  }
  onClosed(done) {
    if (this.ws.readyState === this.ws.CLOSED) done();
    else this.ws.once("close", () => done());
  }
  /** Pings the client; a client that did not answer the last ping is terminated instead. */
  heartbeat() {
    if (!this.alive) {
      this.ws.terminate();
      return false;
    }
    this.alive = false;
    this.ws.ping();
    return true;
  }
};

// servers/websocket/server.ts
function buffering(connections) {
  let bufferingSockets = 0;
  let maxBufferedBytes = 0;
  for (const connection of connections) {
    const bytes = connection.bufferedAmount;
    if (bytes > 0) bufferingSockets++;
    maxBufferedBytes = Math.max(maxBufferedBytes, bytes);
  }
  return { bufferingSockets, maxBufferedBytes };
}
function httpServer(tls, connectionsCheckingInterval, handshakeTimeout, handler) {
  if (!tls) return createServer({ connectionsCheckingInterval }, handler);
  return createHttpsServer({ key: tls.key, cert: tls.cert, connectionsCheckingInterval, handshakeTimeout }, handler);
}
function createWebSocketServer(given = {}, log) {
  const options = resolveServerOptions({ ...given, transport: "websocket" });
  const backplane = backplaneFor(options, log);
  const tls = tlsMaterial(options);
  const fanout = new Fanout();
  const connections = /* @__PURE__ */ new Set();
  const counters = { slowConsumerCloses: 0, heartbeatDrops: 0, budgetCuts: 0 };
  const waiting = new LazyTotal();
  const budget = new WaitingBudget(options.maxWaitingBytes, () => waiting.total, () => waiting.refresh(), () => counters.budgetCuts++);
  const noteBuffered = (consumer, bytes) => {
    waiting.note(consumer, bytes);
    if (waiting.total > budget.maxBytes) budget.enforce(consumer);
  };
  let closing = false;
  let heartbeat;
  let closed;
  async function shutdown() {
    closing = true;
    clearInterval(heartbeat);
    const allClosed = Promise.all(
      [...connections].map(
        (c) => new Promise((resolve) => {
          c.close(CLOSE.GOING_AWAY, "SHUTTING_DOWN");
          c.onClosed(resolve);
        })
      )
    );
    let grace;
    await Promise.race([allClosed, new Promise((resolve) => grace = setTimeout(resolve, options.shutdownGraceMs))]);
    clearTimeout(grace);
    for (const connection of connections) connection.terminate();
    const stopped = http.listening ? once(http, "close") : Promise.resolve();
    http.close();
    http.closeAllConnections();
    sockets.destroyAll();
    await Promise.all([allClosed, stopped]);
    await backplane.close();
  }
  const checkHost = hostCheck(options);
  const http = httpServer(tls, connectionsCheckingIntervalMs(options), handshakeTimeoutMs(options), (request, response) => {
    const refuse = (error) => sendJson(response, error.status, error.toBody());
    const wrongHost = checkHost?.(request.headers.host);
    if (wrongHost) return refuse(wrongHost);
    if (closing) return refuse(new ChatError("SHUTTING_DOWN", "the server is shutting down"));
    if (options.token !== "" && !tokenMatches(options.token, bearerToken(request.headers.authorization))) {
      return refuse(new ChatError("UNAUTHORIZED", "this server requires a token: send Authorization: Bearer <token>"));
    }
    const path = (request.url ?? "/").split("?", 1)[0];
    if ((request.method === "GET" || request.method === "HEAD") && path === HEALTH_PATH) {
      const down = backplane.unavailable();
      if (down) return refuse(down);
      const health = { status: "ok", transport: "websocket" };
      return sendJson(response, 200, health);
    }
    if (path === WS_PATH) return refuse(new ChatError("BAD_REQUEST", `${WS_PATH} takes a WebSocket handshake (Upgrade: websocket)`));
    return refuse(new ChatError("NOT_FOUND", `no route ${request.method ?? ""} ${path ?? ""}; routes are GET ${HEALTH_PATH} and ${WS_PATH}`));
  });
  const tcpConnections = countConnections(http);
  const sockets = trackSockets(http);
  const clientErrors = createClientErrorAnswer();
  http.on("request", clientErrors.onRequest);
  http.on("clientError", clientErrors.onClientError);
  http.headersTimeout = options.headersTimeoutMs;
  http.requestTimeout = options.requestTimeoutMs;
  http.keepAliveTimeout = options.keepAliveTimeoutMs;
  http.timeout = options.idleTimeoutMs;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  wss.on("wsClientError", (error, socket) => refuseUpgrade(socket, new ChatError("BAD_REQUEST", `not a valid WebSocket handshake: ${error.message}`)));
  http.on("upgrade", (request, socket, head) => {
    socket.on("error", () => socket.destroy());
    const refusal = checkHost?.(request.headers.host) ?? (closing ? new ChatError("SHUTTING_DOWN", "the server is shutting down") : checkHandshake(request, options));
    if (refusal) return refuseUpgrade(socket, refusal);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const channel = new WsChannel(ws);
      let open = true;
      const connection = new Connection(channel, backplane, fanout, options, counters, (bytes) => {
        if (open) noteBuffered(consumer, bytes);
      });
      const consumer = { waiting: () => connection.bufferedAmount, cut: () => connection.terminate() };
      budget.add(consumer);
      channel.deliverTo(connection);
      connections.add(connection);
      ws.once("close", () => {
        connections.delete(connection);
        open = false;
        budget.delete(consumer);
        waiting.forget(consumer);
      });
      if (closing) connection.close(CLOSE.GOING_AWAY, "SHUTTING_DOWN");
    });
  });
  return {
    transport: "websocket",
    options,
    backplane,
    get log() {
      return backplane.log;
    },
    ...tls ? { tls } : {},
    async listen() {
      await backplane.ready();
      http.listen(options.port, options.host);
      await once(http, "listening");
      heartbeat = setInterval(() => {
        for (const connection of connections) if (!connection.channel.heartbeat()) counters.heartbeatDrops++;
      }, options.heartbeatMs);
      const address = http.address();
      if (address === null || typeof address === "string") throw new Error("server is not listening on a TCP port");
      return baseUrl(options.host, address.port, tls !== void 0);
    },
    close() {
      closed ??= shutdown();
      return closed;
    },
    stats() {
      return {
        transport: "websocket",
        rooms: backplane.log.size,
        listeners: backplane.log.listenerCount(),
        heldPolls: 0,
        abortedPolls: 0,
        connections: tcpConnections(),
        sockets: connections.size,
        streams: 0,
        subscriptions: fanout.size,
        slowConsumerCloses: counters.slowConsumerCloses,
        heartbeatDrops: counters.heartbeatDrops,
        ...buffering(connections),
        waitingBytes: 0,
        parkedRequests: 0,
        peakParkedRequests: 0,
        peakWaitingBytes: 0,
        busyRefusals: 0,
        budgetCuts: counters.budgetCuts
      };
    }
  };
}

// servers/transports.ts
var SERVERS = {
  "short-polling": createShortPollingServer,
  "long-polling": createLongPollingServer,
  websocket: (_transport, given, log) => createWebSocketServer(given, log),
  sse: (_transport, given, log) => createSseServer(given, log),
  webrtc: (_transport, given, log) => createWebRtcServer(given, log)
};
function createChatServer(transport, given = {}, log) {
  const factory = SERVERS[transport];
  if (!factory) throw new RangeError(`unknown transport ${JSON.stringify(transport)}; expected one of ${Object.keys(SERVERS).join(", ")}`);
  return factory(transport, given, log);
}

// servers/main.ts
var SAMPLE_INTERVAL_MS = 250;
var STOP_BACKSTOP_MS = 2e3;
var USAGE = `Usage: npm run server -- --transport ${TRANSPORTS.join("|")} [options]

Starts one chat server of the chat contract and prints the URL it listens on.
Stops cleanly on Ctrl-C (SIGINT) or SIGTERM: held polls are answered, sockets closed.

Options:
${formatOptionHelp(SERVER_OPTIONS)}
  -h, --help                  show this help`;
async function main(argv) {
  let options;
  try {
    const { values, positionals, help } = parseCommandLine(SERVER_OPTIONS, argv);
    if (help) {
      console.log(USAGE);
      return;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; options are given as --name value`);
    options = resolveServerOptions(values);
  } catch (error) {
    console.error(`error: ${withFlagNames(SERVER_OPTIONS, error.message)}`);
    console.error("Run with --help to list the options.");
    process.exitCode = 2;
    return;
  }
  let server;
  try {
    server = createChatServer(options.transport, options);
  } catch (error) {
    console.error(`error: ${withFlagNames(SERVER_OPTIONS, error.message)}`);
    process.exitCode = 2;
    return;
  }
  let stopping = false;
  const stop = (why) => {
    if (stopping) return;
    stopping = true;
    console.error(`${options.transport}: ${why}, shutting down`);
    setTimeout(() => {
      console.error(`${options.transport}: shutdown did not finish within ${options.shutdownGraceMs + STOP_BACKSTOP_MS} ms; exiting`);
      process.exit(1);
    }, options.shutdownGraceMs + STOP_BACKSTOP_MS).unref();
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      }
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("disconnect", () => stop("parent went away"));
  const url = await server.listen();
  console.log(`${options.transport} server listening on ${url}${options.http2 ? " (HTTP/2 and HTTP/1.1)" : ""}`);
  const tls = server.tls;
  if (tls) console.log(`${tls.selfSigned ? "self-signed certificate (removed on exit)" : "certificate"}: ${tls.certFile}; trust it with curl --cacert ${tls.certFile}`);
  process.send?.({ type: "listening", url, transport: options.transport, pid: process.pid, ...tls ? { ca: tls.cert } : {} });
  startSelfReport({ intervalMs: SAMPLE_INTERVAL_MS, stats: () => ({ ...server.stats() }), onStop: () => stop("asked to stop") });
}
main(process.argv.slice(2)).catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
