/**
 * Hosts a command may send load to: this machine only. The bench's `--target` and the conformance
 * check's `--url` both post thousands of messages; the project never sends them beyond loopback.
 */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The words every refusal of a non-loopback host ends with. */
export const LOOPBACK_ONLY = 'must be on this machine (localhost, 127.x.x.x or [::1]): this project sends load to loopback only';
