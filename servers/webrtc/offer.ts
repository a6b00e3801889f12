import { ChatError, type RtcOffer } from '../contract/index.ts';
import { LOOPBACK_HOST, loopbackOnly } from './loopback.ts';

/**
 * Longest offer SDP taken, in characters. A browser's data-channel offer is about 1 KB (1.5 KB
 * with a dozen candidates); 800 candidates made 49 KB, and the server checked every one.
 */
export const MAX_OFFER_SDP_CHARS = 16 * 1024;
/**
 * Most `a=candidate` lines an offer may carry, on any address. The server checks each loopback
 * one with STUN (ICE): 100 offers of 800 loopback candidates sent 78,700 datagrams to arbitrary
 * ports and cost 9.9 s of CPU. A client on this machine needs one; a browser lists a few per
 * interface.
 */
export const MAX_OFFER_CANDIDATES = 16;

/** What a data-channel offer must have, in SDP, for this server to answer it. */
const DATA_CHANNEL_SECTION = /^m=application \d+ (UDP\/)?DTLS\/SCTP webrtc-datachannel/m;

/**
 * The attributes werift needs to answer and connect, each with what a valid one looks like
 * (RFC 8839 for ICE, RFC 8122 for the fingerprint, RFC 8841 for SCTP). werift itself checks none:
 * an empty `a=mid` made it throw "sctpTransport not found" (a 500), and an offer without a
 * fingerprint or ICE credentials was answered 201, to a peer that could never connect.
 */
const REQUIRED: readonly { readonly name: string; readonly valid: RegExp; readonly rule: string }[] = [
  { name: 'mid', valid: /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]{1,32}$/, rule: 'a token of 1 to 32 characters' },
  { name: 'ice-ufrag', valid: /^[A-Za-z0-9+/]{4,256}$/, rule: '4 to 256 ICE characters (letters, digits, + and /)' },
  { name: 'ice-pwd', valid: /^[A-Za-z0-9+/]{22,256}$/, rule: '22 to 256 ICE characters (letters, digits, + and /)' },
  { name: 'fingerprint', valid: /^sha-(1|224|256|384|512) [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){19,63}$/, rule: 'a hash name and the certificate\'s hash in hex pairs, such as "sha-256 AB:CD:…"' },
  { name: 'setup', valid: /^(actpass|active)$/, rule: '"actpass" or "active" (this server is the DTLS server)' },
];

/** The value of the first `a=<name>:` line of `lines`, or `undefined`. */
function attribute(lines: readonly string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return lines.find((line) => line.startsWith(prefix))?.slice(prefix.length).trim();
}

/**
 * Checks the SDP of an offer before werift sees it: one data-channel section, with the attributes
 * werift needs (`REQUIRED`, in the section or at session level), and within the caps on size and
 * candidates. Throws `BAD_REQUEST` naming what is wrong, or `PAYLOAD_TOO_LARGE` for an SDP over
 * `MAX_OFFER_SDP_CHARS`.
 */
function checkSdp(sdp: string): void {
  if (sdp.length > MAX_OFFER_SDP_CHARS) {
    throw new ChatError('PAYLOAD_TOO_LARGE', `the offer's SDP is ${sdp.length} characters; at most ${MAX_OFFER_SDP_CHARS} are taken (a data-channel offer is about 1 KB)`);
  }
  const lines = sdp.split(/\r?\n/);
  const media = lines.filter((line) => line.startsWith('m='));
  if (media.length !== 1) {
    throw new ChatError('BAD_REQUEST', `the offer has ${media.length} media sections; this server answers exactly one, the data-channel section ("m=application ... UDP/DTLS/SCTP webrtc-datachannel")`);
  }
  const candidates = lines.filter((line) => line.startsWith('a=candidate:')).length;
  if (candidates > MAX_OFFER_CANDIDATES) {
    throw new ChatError('BAD_REQUEST', `the offer has ${candidates} candidates; at most ${MAX_OFFER_CANDIDATES} are taken (one on the server's own network is enough)`);
  }
  for (const { name, valid, rule } of REQUIRED) {
    const value = attribute(lines, name);
    if (value === undefined) throw new ChatError('BAD_REQUEST', `the offer has no "a=${name}:" line; it must be ${rule}`);
    if (!valid.test(value)) throw new ChatError('BAD_REQUEST', `the offer's "a=${name}:" is ${JSON.stringify(value.slice(0, 80))}; it must be ${rule}`);
  }
}

/**
 * Checks the body of `POST /rtc/offer` and answers the offer's SDP with its loopback candidates
 * only: `{ "type": "offer", "sdp" }`, an SDP with one data-channel section and what werift needs
 * to connect (`checkSdp`), gathering complete (at least one `a=candidate` on 127.0.0.1; candidates
 * on other addresses are dropped, because this server sends nothing beyond loopback). Anything
 * else is `BAD_REQUEST` saying what was wrong (`PAYLOAD_TOO_LARGE` for an SDP too long).
 */
export function checkOffer(body: unknown): RtcOffer {
  const shape = 'send a JSON object {"type":"offer","sdp":"..."}';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ChatError('BAD_REQUEST', `the body is not an object; ${shape}`);
  const extra = Object.keys(body).find((key) => key !== 'type' && key !== 'sdp');
  if (extra !== undefined) throw new ChatError('BAD_REQUEST', `unknown field "${extra}"; ${shape}`);
  const { type, sdp } = body as Record<string, unknown>;
  if (type !== 'offer') throw new ChatError('BAD_REQUEST', `field type must be "offer" (this server answers offers only), not ${JSON.stringify(type) ?? 'missing'}`);
  if (typeof sdp !== 'string' || sdp.length === 0) throw new ChatError('BAD_REQUEST', 'field sdp must be a non-empty string: the offer\'s session description');
  if (!sdp.startsWith('v=0')) throw new ChatError('BAD_REQUEST', 'field sdp is not a session description (it must start with "v=0")');
  if (!DATA_CHANNEL_SECTION.test(sdp)) {
    throw new ChatError('BAD_REQUEST', 'the offer has no data-channel section ("m=application ... UDP/DTLS/SCTP webrtc-datachannel"); create a data channel before the offer');
  }
  checkSdp(sdp);
  const loopback = loopbackOnly(sdp);
  if (loopback.kept === 0) {
    throw new ChatError(
      'BAD_REQUEST',
      `the offer has no candidate on ${LOOPBACK_HOST} or the benchmarking range 198.18.0.0/15 (${loopback.dropped} on other addresses); gather on ${LOOPBACK_HOST} and send the offer once gathering is complete (no trickle ICE)`,
    );
  }
  return { type: 'offer', sdp: loopback.sdp };
}
