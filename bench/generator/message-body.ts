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

/** A stamp anywhere in a text: the sender, then k and the meant µs as `readBody` takes them. */
const STAMP_IN_TEXT = /([A-Za-z0-9_.:-]{1,64})\|(\d{1,15})\|(\d{1,17})\|/g;

/** Every stamp in `text`, where bodies sit among other bytes (a captured segment: bench:wire). */
export function* stampsIn(text: string): Generator<BodyStamp> {
  for (const match of text.matchAll(STAMP_IN_TEXT)) yield { sender: match[1] as string, k: Number(match[2]), meantUs: Number(match[3]) };
}

/** The id of sender's k-th post: what the contract's `ack` frame names. */
export function postId(sender: string, k: number): string {
  return `${sender}.${k}`;
}
