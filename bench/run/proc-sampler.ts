/**
 * A server's CPU time and RSS read from Linux's /proc, for a server the bench did not start
 * (`--target URL --target-pid PID`): any local process, in any language. CPU time is utime + stime
 * of /proc/PID/stat (fields 14 and 15, in clock ticks: `getconf CLK_TCK`, normally 100, so 10 ms
 * steps); RSS is VmRSS of /proc/PID/status. Heap and event-loop delay have no such source: they
 * stay "not measured".
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monotonicUs } from '../../servers/common/self-report.ts';

/** One reading of a process: monotonic µs, CPU time since it started (µs), RSS (bytes). */
export interface ProcReading {
  readonly tUs: number;
  readonly cpuUs: number;
  readonly rss: number;
}

/** How often the sampler reads the process between the marks (a few times a second). */
export const PROC_SAMPLE_MS = 200;

let ticks: number | undefined;

/** Clock ticks per second of /proc/PID/stat's times (`getconf CLK_TCK`; 100 if it cannot be asked). */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticks = Number.isInteger(n) && n > 0 ? n : 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/**
 * utime + stime in ticks from the text of /proc/PID/stat. The command name (field 2) is in
 * parentheses and may hold spaces or parentheses itself, so fields are counted after the last ')'.
 */
export function parseStatTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read utime and stime from /proc/PID/stat: ${JSON.stringify(stat.slice(0, 80))}`);
  return utime + stime;
}

/** VmRSS in bytes from the text of /proc/PID/status (0 for a process with no memory, e.g. a zombie). */
export function parseStatusRss(status: string): number {
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Reads the process now; throws (ENOENT) once it has gone. */
export function readProc(pid: number): ProcReading {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { tUs: monotonicUs(), cpuUs: (parseStatTicks(stat) * 1e6) / clockTicks(), rss: parseStatusRss(status) };
}

/**
 * Why `text` cannot be a `--target-pid`, or undefined when it names a running process this user
 * can read. The message names the value.
 */
export function checkPid(text: string): string | undefined {
  if (!/^[1-9]\d*$/.test(text.trim())) return `--target-pid ${JSON.stringify(text)} is not a process id; give a positive whole number, one per --target URL (e.g. from \`pgrep -n my-server\`)`;
  const pid = Number(text);
  try {
    readProc(pid);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `--target-pid ${pid}: no such process (nothing at /proc/${pid}); give the id of the running server`;
    return `--target-pid ${pid}: cannot read /proc/${pid}/stat and status (${code ?? (error as Error).message}); run the bench as a user who may read them`;
  }
  return undefined;
}

/** Samples a process every {@link PROC_SAMPLE_MS} until stopped; `read` takes a reading now as well. */
export class ProcSampler {
  readonly samples: ProcReading[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(readonly pid: number) {
    this.timer = setInterval(() => {
      try {
        this.samples.push(readProc(pid));
      } catch {
        // Gone: the next mark says so.
      }
    }, PROC_SAMPLE_MS);
    this.timer.unref();
  }

  /** A reading now, kept with the samples; an error naming the pid once the process has gone. */
  read(): ProcReading {
    try {
      const r = readProc(this.pid);
      this.samples.push(r);
      return r;
    } catch (error) {
      throw new Error(`--target-pid ${this.pid}: the server process cannot be read any more (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); did it exit?`, { cause: error });
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
