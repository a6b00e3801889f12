/**
 * A server process the bench started, read after it died: a mark, or a profile, asked of a server
 * that was killed rejects with the reason, instead of an 'error' event of the child that nothing
 * listens to (an uncaught exception; it failed CI's e2e run when a trial's window-end mark reached
 * a server already stopped).
 */
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../../bench/run/spawn-server.ts';

describe('a server process that died', () => {
  // Vitest fails the run on the uncaught 'error' event the unguarded send made.
  it('answers a mark or a profile with a rejection, and nothing is thrown outside', async () => {
    const server = await spawnServer('websocket', []);
    expect((await server.mark('alive')).name).toBe('alive');
    await server.kill();
    await expect(server.mark('after')).rejects.toThrow(/reading the websocket server: the process exited|channel closed/i);
    await expect(server.profile('start')).rejects.toThrow(/the websocket server's CPU profile|the process exited|channel closed/i);
  });
});
