/**
 * The Socket.IO recovery micro-benchmark (bench/micro/socketio-recovery.ts) on a tiny schedule:
 * each arm's drops happen and are counted, and the arms differ as Socket.IO's source says they
 * must (socket.io-adapter's SessionAwareAdapter: a session is kept only once the server saw its
 * connection close, and only for maxDisconnectionDuration).
 */
import { describe, expect, it } from 'vitest';
import { ARMS, type RecoveryOptions } from '../../bench/micro/socketio-recovery.ts';

const TINY: RecoveryOptions = { clients: 3, drops: 2, rate: 20, outageMs: 300, everyMs: 500 };
const RECONNECTS = TINY.clients * TINY.drops;

// Each arm has its own servers and proxy: side by side.
describe.concurrent('what comes back after a dropped connection', () => {
  it("Socket.IO's recovery, the drop seen by the server: every reconnect recovered, nothing missed", async () => {
    const arm = await ARMS['csr-reset'](TINY);
    expect(arm).toMatchObject({ reconnects: RECONNECTS, recovered: RECONNECTS, missed: 0, duplicated: 0 });
    expect(arm.sent).toBeGreaterThan(0);
    // Every broadcast of the last two minutes is held for a session that may come back.
    expect(arm.packetsHeld).toBe(arm.sent);
  });

  it("Socket.IO's recovery, the drop silent towards the server: nothing recovered, what was sent meanwhile missed", async () => {
    const arm = await ARMS['csr-silent'](TINY);
    expect(arm).toMatchObject({ reconnects: RECONNECTS, recovered: 0, duplicated: 0 });
    expect(arm.missed).toBeGreaterThan(0);
  });

  it("Socket.IO's recovery, silent, with a ping short enough that the server sees the drop first: every reconnect recovered", async () => {
    const arm = await ARMS['csr-silent-fast-ping'](TINY);
    // A ping this short also times out a healthy connection now and then on a busy machine (8 of 8
    // reconnects once, for 6 drops): each is one more reconnect, recovered too.
    expect(arm.reconnects).toBeGreaterThanOrEqual(RECONNECTS);
    expect(arm).toMatchObject({ recovered: arm.reconnects, missed: 0, duplicated: 0 });
  });

  it("Socket.IO's recovery past maxDisconnectionDuration: nothing recovered", async () => {
    const arm = await ARMS['csr-expired'](TINY);
    expect(arm).toMatchObject({ reconnects: RECONNECTS, recovered: 0 });
    expect(arm.missed).toBeGreaterThan(0);
  });

  it.each(['cursors-reset', 'cursors-silent'] as const)("the contract's cursors (%s): every reconnect resumed, nothing missed or twice", async (name) => {
    const arm = await ARMS[name](TINY);
    expect(arm).toMatchObject({ reconnects: RECONNECTS, recovered: RECONNECTS, missed: 0, duplicated: 0 });
    expect(arm.sent).toBeGreaterThan(0);
  });
});
