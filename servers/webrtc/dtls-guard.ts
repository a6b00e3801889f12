import { RTCDtlsTransport } from 'werift';

/**
 * A workaround of a werift bug (0.25.2) that silently kills a peer on a lossy network: its DTLS
 * client runs its flight 5 again after the handshake is over, with new keys the server never
 * learns, and from then on nothing it sends can be decrypted.
 *
 * werift's DTLS client (packages/dtls/src/client.ts, `handleHandshakes`, case
 * `server_hello_done`; node_modules/werift/lib/dtls/src/client.js lines 54-66) calls
 * `this.flight5.exec()` whenever a ServerHelloDone is handled. It checks `connected` only for a
 * ServerHello, and Flight5 (packages/dtls/src/flight/client/flight5.ts, `exec`; flight5.js line 68)
 * only skips when the flight is still 5; once connected it is 7, so exec builds a new
 * ClientKeyExchange, derives a new master secret and replaces the record cipher. Two ways lead
 * there when a datagram is lost or late: a handler that began before the handshake ended and was
 * waiting (`waitForReady` polls for up to 4.5 s) for a part of flight 4 that came in a
 * retransmission, or a retransmitted flight 4 whose ServerHello datagram was dropped. The server
 * (already connected) ignores the new flight 5; its decryption fails on every later record of that
 * client ("Unsupported state or unable to authenticate data", logged under werift-dtls's `err`);
 * the SCTP association looks established on both ends and retransmits into the void: sends are
 * never acknowledged and the server's frames to that peer are never read. Measured in a netns at 1%
 * loss, 100 clients: 2 to 4 peers in 100 were lost this way on every run, which is the webrtc/reliable
 * variant's "acknowledged deliveries lost".
 *
 * The guard: once a DTLS client is connected it ignores every further handshake message (a
 * retransmitted flight 4 or 6 has nothing left to tell it), and a flight 5 created during the
 * handshake never runs again after it. Applied to every werift DTLS transport when it starts;
 * the DTLS server (this project's server, `a=setup:passive`) is left as it is.
 */

/** werift's private DTLS socket, as much of it as the guard touches. */
interface DtlsSocketInternals {
  connected: boolean;
  /** 1 for a client, 2 for a server (werift's SessionType). */
  sessionType: number;
  onHandleHandshakes: (assembled: readonly unknown[]) => Promise<void>;
  flight5?: { exec(): Promise<void> };
}

const DTLS_CLIENT = 1;

/** Handshake messages a connected DTLS client ignored, since the process started (for tests and diagnosis). */
export const dtlsGuardCounters = { ignoredHandshakes: 0, skippedFlight5: 0 };

let installed = false;

/** Installs the guard on werift's RTCDtlsTransport, once per process. */
export function guardDtlsClients(): void {
  if (installed) return;
  installed = true;
  const start = RTCDtlsTransport.prototype.start;
  RTCDtlsTransport.prototype.start = function (this: RTCDtlsTransport): Promise<void> {
    // start() makes its DtlsClient or DtlsServer synchronously, before its first await.
    const started = start.call(this);
    const socket = (this as unknown as { dtls?: DtlsSocketInternals }).dtls;
    if (socket?.sessionType === DTLS_CLIENT) guard(socket);
    return started;
  };
}

function guard(socket: DtlsSocketInternals): void {
  const handle = socket.onHandleHandshakes;
  socket.onHandleHandshakes = (assembled) => {
    if (!socket.connected) return handle(assembled);
    dtlsGuardCounters.ignoredHandshakes++;
    return Promise.resolve();
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
