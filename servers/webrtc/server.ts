import { ChatError, RTC_OFFER_PATH, resolveServerOptions, type RtcAnswer } from '../contract/index.ts';
import { EMPTY_STATS, type ChatServer } from '../common/chat-server.ts';
import { fastifyChatServer } from '../common/fastify-server.ts';
import { answerNow, buildPollingApp, clientGone, newBacklogTotals, newWaitingBudget } from '../common/http-app.ts';
import type { RoomLog } from '../common/room-log.ts';
import { backplaneFor } from '../backplane/index.ts';
import { Fanout } from '../websocket/fanout.ts';
import { checkOffer } from './offer.ts';
import { Peers } from './peers.ts';

/**
 * The WebRTC chat server: werift peer connections whose data channels `chat` and `chat-lossy` each
 * carry one session of the WebSocket contract's frames, signalled by `POST /rtc/offer`, beside the
 * HTTP routes every server answers (`POST`/`GET /rooms/:room/messages`, the GET answering at once,
 * for a client that fetches what a lossy channel dropped). Built, not listening. ICE binds and
 * offers 127.0.0.1 only (loopback.ts).
 */
export function createWebRtcServer(given: Readonly<Record<string, unknown>> = {}, log?: RoomLog): ChatServer {
  const options = resolveServerOptions({ ...given, transport: 'webrtc' });
  const backplane = backplaneFor(options, log);
  const backlog = newBacklogTotals();
  const fanout = new Fanout();
  const peers = new Peers(options, backplane, fanout, { slowConsumerCloses: 0, droppedPeers: 0, refusedChannels: 0 });
  const app = buildPollingApp({ transport: 'webrtc', options, backplane, poll: answerNow, backlog, budget: newWaitingBudget(backlog, options) });
  app.post(RTC_OFFER_PATH, async (request, reply): Promise<RtcAnswer> => {
    const type = request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new ChatError('UNSUPPORTED_MEDIA_TYPE', 'an offer must be POSTed with Content-Type: application/json');
    const answer = await peers.answer(checkOffer(request.body));
    // The client left while werift answered: its peer would hold a slot until the connect timeout.
    if (clientGone(reply.raw)) peers.drop(answer.peer);
    void reply.code(201);
    return answer;
  });
  const server = fastifyChatServer('webrtc', options, backplane, app, () => {
    let sockets = 0;
    let bufferingSockets = 0;
    let maxBufferedBytes = 0;
    for (const session of peers.sessions()) {
      sockets++;
      if (session.bufferedAmount > 0) bufferingSockets++;
      maxBufferedBytes = Math.max(maxBufferedBytes, session.bufferedAmount);
    }
    return {
      ...EMPTY_STATS,
      ...backlog,
      sockets,
      subscriptions: fanout.size,
      slowConsumerCloses: peers.counters.slowConsumerCloses,
      heartbeatDrops: peers.counters.droppedPeers,
      bufferingSockets,
      maxBufferedBytes,
    };
  });
  let closed: Promise<void> | undefined;
  return {
    ...server,
    /** Closes every peer (its channels first) while the HTTP side answers what is in flight. */
    close() {
      closed ??= Promise.all([peers.closeAll(), server.close()]).then(() => undefined);
      return closed;
    },
  };
}
