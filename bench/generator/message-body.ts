/**
 * The body every simulated message carries: its sender, the sender's own sequence number and the
 * time it was meant to be sent (monotonic µs), padded to the body size. Receivers read the
 * latency and the sender's sequence from it, on every transport, the raw baseline included.
 */

/**
 * The stamp holds `meantUs` rounded to whole µs (schedules with random phases give fractions); a
 * body shorter than its stamp is the stamp alone.
 */
export function makeBody(sender: string, k: number, meantUs: number, bytes: number): string {
  const stamp = `${sender}|${k}|${Math.round(meantUs)}|`;
  return stamp.length >= bytes ? stamp : stamp + '.'.repeat(bytes - stamp.length);
}

export interface BodyStamp {
  readonly sender: string;
  readonly k: number;
  readonly meantUs: number;
}

/** The stamp of a body, or `undefined` for a body this harness did not make. */
export function readBody(body: string): BodyStamp | undefined {
  const a = body.indexOf('|');
  const b = body.indexOf('|', a + 1);
  const c = body.indexOf('|', b + 1);
  if (a < 1 || b < 0 || c < 0) return undefined;
  const kText = body.slice(a + 1, b);
  const meantText = body.slice(b + 1, c);
  if (!/^\d{1,15}$/.test(kText) || !/^\d{1,17}$/.test(meantText)) return undefined;
  const k = Number(kText);
  const meantUs = Number(meantText);
  return { sender: body.slice(0, a), k, meantUs };
}
