/**
 * A CPU profile of this process over a window the harness chooses (`--profile`): V8's sampling
 * profiler through the inspector, started and stopped on the harness's word, the profile written
 * as a `.cpuprofile` (Chrome DevTools' and speedscope's format). Only the window is profiled, so
 * start-up and the drain do not crowd out the hot path.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/** Sampling interval, µs: V8's default is 1000; finer shows the short frames of a per-message path. */
export const PROFILE_SAMPLING_US = 200;

/** One profiler per process: started once, stopped once, again as the harness asks. */
export class WindowProfiler {
  #session: Session | undefined;

  /** Starts sampling; a second start while running is refused. */
  async start(): Promise<void> {
    if (this.#session) throw new Error('the CPU profiler is already running');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: PROFILE_SAMPLING_US });
    await session.post('Profiler.start');
    this.#session = session;
  }

  /** Stops sampling and writes the profile to `file`; resolves with its size in bytes. */
  async stop(file: string): Promise<number> {
    const session = this.#session;
    if (!session) throw new Error('the CPU profiler was not started');
    this.#session = undefined;
    try {
      const { profile } = await session.post('Profiler.stop');
      const text = JSON.stringify(profile);
      await writeFile(file, text);
      return Buffer.byteLength(text);
    } finally {
      session.disconnect();
    }
  }
}
