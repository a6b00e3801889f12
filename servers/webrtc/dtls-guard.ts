import { RTCDtlsTransport } from 'werift';

/**
 * Workarounds of two werift bugs (0.25.2) that silently kill a peer on a lossy network, one in each
 * end of its DTLS handshake.
 *
 * **The client re-keys after its handshake.** werift's DTLS client (packages/dtls/src/client.ts,
 * `handleHandshakes`, case `server_hello_done`; node_modules/werift/lib/dtls/src/client.js lines
 * 54-66) calls `this.flight5.exec()` whenever a ServerHelloDone is handled. It checks `connected`
 * only for a ServerHello, and Flight5 (packages/dtls/src/flight/client/flight5.ts, `exec`;
 * flight5.js line 68) only skips when the flight is still 5; once connected it is 7, so exec builds
 * a new ClientKeyExchange, derives a new master secret and replaces the record cipher. Two ways
 * lead there when a datagram is lost or late: a handler that began before the handshake ended and
 * was waiting (`waitForReady` polls for up to 4.5 s) for a part of flight 4 that came in a
 * retransmission, or a retransmitted flight 4 whose ServerHello datagram was dropped. The server
 * (already connected) ignores the new flight 5; its decryption fails on every later record of that
 * client ("Unsupported state or unable to authenticate data", logged under werift-dtls's `err`);
 * the SCTP association looks established on both ends and retransmits into the void: sends are
 * never acknowledged and the server's frames to that peer are never read. Measured in a netns at 1%
 * loss, 100 clients: 2 to 4 peers in 100 were lost this way on every run, which is the
 * webrtc/reliable variant's "acknowledged deliveries lost". The guard: once a DTLS client is
 * connected it ignores every further handshake message (a retransmitted flight 4 or 6 has nothing
 * left to tell it), and a flight 5 created during the handshake never runs again after it.
 *
 * **The server derives its keys from the wrong messages.** The client's flight 5 is five datagrams:
 * Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished. werift's server
 * derives the extended master secret (RFC 7627: a hash of the handshake up to the
 * ClientKeyExchange) when it handles a ClientKeyExchange, over every flight-5 message it has
 * buffered so far (flight6.js, `handlers[client_key_exchange_16]`, `dtls.sortedHandshakeCache`;
 * context/dtls.js `bufferHandshakeCache` keeps the first of each type). So the keys come out wrong
 * when the hash holds a message that comes after it, or lacks the Certificate before it:
 * - the ClientKeyExchange is lost and the CertificateVerify arrives: the retransmitted
 *   ClientKeyExchange is hashed with the CertificateVerify before it in message order;
 * - the Finished is lost: the retransmitted ClientKeyExchange is handled again and the keys are
 *   derived again, now over the CertificateVerify and Finished too;
 * - the Certificate is lost: the first derivation lacks it.
 * The server then sends a Finished the client cannot decrypt, takes itself for connected, and
 * ignores the client's retransmissions; the client's flight 5 retries for 27 s and fails. Measured
 * in a netns at 5% loss, 30 clients connecting 8 at a time: 8 to 18 of 38 to 46 attempts hung this
 * way (each a client timeout of 8 s; the client's state at the timeout: flight 5, "decrypt failed"
 * on the server's Finished). The guard, until the server is connected: a flight-5 message already
 * buffered is not handled again, a ClientKeyExchange waits (is dropped, as if lost) until the
 * Certificate is there, and a CertificateVerify until the ClientKeyExchange is. The client resends
 * its whole flight 5 in order half a second later, so a dropped message comes again at its turn.
 *
 * **The client sends a flight 5 without its certificate.** werift's client answers the server's
 * flight 4 when its ServerHelloDone comes and the Certificate and ServerKeyExchange are there
 * (client.js lines 54-66: it waits for a CertificateRequest only when its own options ask for one,
 * which a WebRTC client's never do). When the CertificateRequest datagram was lost, it sends a
 * flight 5 without Certificate and CertificateVerify, which a WebRTC server (werift's asks for a
 * certificate) never accepts, and it resends that same flight on every later flight 4: the peer
 * hangs. Measured in the same netns after the server's guard: 2 to 4 of 32 to 34 attempts. The
 * guard: until connected, a ServerHelloDone waits (is dropped, as if lost) until every message
 * between the ServerHello and it, by DTLS message sequence, is there; the server resends its
 * whole flight 4.
 *
 * The guards are applied to every werift DTLS transport when it starts.
 */

/** werift's private DTLS socket, as much of it as the guard touches. */
interface DtlsSocketInternals {
  connected: boolean;
  /** 1 for a client, 2 for a server (werift's SessionType). */
  sessionType: number;
  onHandleHandshakes: (assembled: readonly HandshakeMessage[]) => Promise<void>;
  flight5?: { exec(): Promise<void> };
  options: { certificateRequest?: boolean };
  /** The handshake so far, by flight: the messages buffered of each. */
  dtls: { handshakeCache: Record<number, { data: readonly HandshakeMessage[] } | undefined> };
}

/** A handshake message as werift hands it to a socket (a FragmentedHandshake, reassembled). */
interface HandshakeMessage {
  msg_type: number;
  /** Its place in the handshake (RFC 6347 4.2.2), counted by each end from 0. */
  message_seq: number;
}

const DTLS_CLIENT = 1;
const DTLS_SERVER = 2;

/** The handshake message types the guards look at (RFC 5246 7.4, HandshakeType), and the flights werift files them under. */
const SERVER_HELLO = 2;
const CERTIFICATE = 11;
const CERTIFICATE_VERIFY = 15;
const SERVER_HELLO_DONE = 14;
const CLIENT_KEY_EXCHANGE = 16;
const FINISHED = 20;
const FLIGHT_4 = 4;
const FLIGHT_5 = 5;

/** What the guards did, since the process started (for tests and diagnosis). */
export const dtlsGuardCounters = {
  /** Handshake messages a connected DTLS client ignored. */
  ignoredHandshakes: 0,
  /** Flights 5 a connected DTLS client did not run again. */
  skippedFlight5: 0,
  /** ServerHelloDones a DTLS client did not handle yet: a message of its flight 4 was missing. */
  clientHeldBack: 0,
  /** Flight-5 messages a DTLS server did not handle: repeats, and ones that came before their turn. */
  serverHeldBack: 0,
};

let installed = false;

/** Installs the guards on werift's RTCDtlsTransport, once per process. */
export function guardDtls(): void {
  if (installed) return;
  installed = true;
  const start = RTCDtlsTransport.prototype.start;
  RTCDtlsTransport.prototype.start = function (this: RTCDtlsTransport): Promise<void> {
    // start() makes its DtlsClient or DtlsServer synchronously, before its first await.
    const started = start.call(this);
    const socket = (this as unknown as { dtls?: DtlsSocketInternals }).dtls;
    if (socket?.sessionType === DTLS_CLIENT) guardClient(socket);
    else if (socket?.sessionType === DTLS_SERVER) guardServer(socket);
    return started;
  };
}

function guardClient(socket: DtlsSocketInternals): void {
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
  // A flight 5 is made per ServerHello; whichever it is, it must not run once connected.
  let flight5: DtlsSocketInternals['flight5'];
  Object.defineProperty(socket, 'flight5', {
    configurable: true,
    enumerable: true,
    get: () => flight5,
    set: (made: NonNullable<DtlsSocketInternals['flight5']>) => {
      const exec = made.exec.bind(made);
      made.exec = () => {
        if (!socket.connected) return exec();
        dtlsGuardCounters.skippedFlight5++;
        return Promise.resolve();
      };
      flight5 = made;
    },
  });
}

/** Whether the client has every message of the server's flight 4 from its ServerHello up to `doneSeq`. */
function flight4Complete(socket: DtlsSocketInternals, arriving: readonly HandshakeMessage[], doneSeq: number): boolean {
  const messages = [...(socket.dtls.handshakeCache[FLIGHT_4]?.data ?? []), ...arriving];
  const hello = messages.find((m) => m.msg_type === SERVER_HELLO);
  if (!hello) return false;
  const seqs = new Set(messages.map((m) => m.message_seq));
  for (let seq = hello.message_seq + 1; seq < doneSeq; seq++) if (!seqs.has(seq)) return false;
  return true;
}

function guardServer(socket: DtlsSocketInternals): void {
  const handle = socket.onHandleHandshakes;
  socket.onHandleHandshakes = (assembled) => {
    // Once connected, werift resends its flight 6 on a repeated Finished and ignores the rest.
    if (socket.connected) return handle(assembled);
    const buffered = new Set((socket.dtls.handshakeCache[FLIGHT_5]?.data ?? []).map((m) => m.msg_type));
    const inTurn = assembled.filter((message) => {
      const type = message.msg_type;
      const held =
        (type !== FINISHED && buffered.has(type)) ||
        (type === CLIENT_KEY_EXCHANGE && socket.options.certificateRequest === true && !buffered.has(CERTIFICATE)) ||
        (type === CERTIFICATE_VERIFY && !buffered.has(CLIENT_KEY_EXCHANGE));
      if (held) dtlsGuardCounters.serverHeldBack++;
      else buffered.add(type);
      return !held;
    });
    return inTurn.length === 0 ? Promise.resolve() : handle(inTurn);
  };
}
