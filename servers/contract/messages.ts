/**
 * Wire types of the chat contract (servers/contract/README.md, version 1). Servers, clients, the harness
 * and the tests import these; nothing restates them.
 */

import type { Transport } from './transports.ts';

/** A stored message, as every server hands it to clients. */
export interface ChatMessage {
  readonly room: string;
  /** Given by the server, per room, from 1, without gaps. */
  readonly seq: number;
  /** The client's own message id (1 to 64 characters). */
  readonly id: string;
  /** The author (1 to 64 characters). */
  readonly from: string;
  /** The text, at most `maxBodyBytes` UTF-8 bytes. */
  readonly body: string;
  /** The server's clock (ms since the Unix epoch) when the message was stored. */
  readonly ts: number;
}

/** Body of `POST /rooms/:room/messages`, and the payload of a WebSocket `send` frame. */
export interface PostRequest {
  readonly id: string;
  readonly from: string;
  readonly body: string;
}

/** Answer to a post: `201` when stored, `200` for a safe retry (the original `seq`). */
export interface PostAnswer {
  readonly seq: number;
  readonly cursor: string;
}

/** Answer to `GET /rooms/:room/messages`. */
export interface PollAnswer {
  readonly messages: readonly ChatMessage[];
  readonly cursor: string;
}

/** Answer to `GET /healthz`. */
export interface HealthAnswer {
  readonly status: 'ok';
  readonly transport: Transport;
}

/** The body of every HTTP error answer. */
export interface ErrorAnswer {
  readonly error: {
    readonly code: string;
    readonly message: string;
    /** With `CURSOR_EXPIRED`: the cursor at the room's head to restart from. */
    readonly cursor?: string;
  };
}

/** Body of `POST /rtc/offer`: a complete offer (gathering done, no trickle). */
export interface RtcOffer {
  readonly type: 'offer';
  readonly sdp: string;
}

/** Answer to `POST /rtc/offer` (201): the complete answer, and the peer's id on this server. */
export interface RtcAnswer {
  readonly type: 'answer';
  readonly sdp: string;
  readonly peer: string;
}

export interface SubscribeFrame {
  readonly type: 'subscribe';
  readonly room: string;
  readonly cursor?: string;
}

export interface UnsubscribeFrame {
  readonly type: 'unsubscribe';
  readonly room: string;
}

export interface SendFrame extends PostRequest {
  readonly type: 'send';
  readonly room: string;
}

/** What a WebSocket client may send. */
export type ClientFrame = SubscribeFrame | UnsubscribeFrame | SendFrame;

export interface MessagesFrame {
  readonly type: 'messages';
  readonly room: string;
  readonly messages: readonly ChatMessage[];
  readonly cursor: string;
}

export interface AckFrame {
  readonly type: 'ack';
  readonly room: string;
  readonly id: string;
  readonly seq: number;
  readonly cursor: string;
}

export interface ErrorFrame {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
  /** The offending frame's `id` (for `send`) or `room` (for the others), where there is one. */
  readonly ref?: string;
  /** With `CURSOR_EXPIRED`: the cursor at the room's head to restart from. */
  readonly cursor?: string;
}

/** What a WebSocket server sends. */
export type ServerFrame = MessagesFrame | AckFrame | ErrorFrame;
