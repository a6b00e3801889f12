/** What the SCTP mends read of a DATA chunk and of TSN and stream sequence numbers (RFC 9260). */

/** The DATA chunk's U, B and E bits (RFC 9260 3.3.1): unordered, first and last fragment of a message. */
export const UNORDERED = 0x04;
export const FIRST_FRAGMENT = 0x02;
export const LAST_FRAGMENT = 0x01;

/** Serial number arithmetic (RFC 1982) on `bits` bits: `a` comes after `b` (TSNs 32, stream sequence numbers 16). */
export function serialGt(a: number, b: number, bits: 16 | 32): boolean {
  const half = 2 ** (bits - 1);
  return (a < b && b - a > half) || (a > b && a - b < half);
}
