import { ChatError, type RtcOffer } from '../contract/index.ts';
import { LOOPBACK_HOST, loopbackOnly } from './loopback.ts';

/** What a data-channel offer must have, in SDP, for this server to answer it. */
const DATA_CHANNEL_SECTION = /^m=application \d+ (UDP\/)?DTLS\/SCTP webrtc-datachannel/m;

/**
 * Checks the body of `POST /rtc/offer` and answers the offer's SDP with its loopback candidates
 * only: `{ "type": "offer", "sdp" }`, an SDP with a data-channel section, gathering complete (at
 * least one `a=candidate` on 127.0.0.1; candidates on other addresses are dropped, because this
 * server sends nothing beyond loopback). Anything else is `BAD_REQUEST` saying what was wrong.
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
  const loopback = loopbackOnly(sdp);
  if (loopback.kept === 0) {
    throw new ChatError(
      'BAD_REQUEST',
      `the offer has no candidate on ${LOOPBACK_HOST} (${loopback.dropped} on other addresses); gather on ${LOOPBACK_HOST} and send the offer once gathering is complete (no trickle ICE)`,
    );
  }
  return { type: 'offer', sdp: loopback.sdp };
}
