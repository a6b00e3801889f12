import type { FastifyReply } from 'fastify';
import { ChatError, type ChatMessage } from '../contract/index.ts';
import { answerNow, type PollRequest } from '../common/http-app.ts';
import type { Room } from '../common/room-log.ts';

interface Hold {
  readonly poll: PollRequest & { readonly after: number };
  readonly reply: FastifyReply;
  readonly timer: NodeJS.Timeout;
  readonly stopListening: () => void;
  readonly onGone: () => void;
}

/**
 * The long polls being held. A hold ends in exactly one way: a message arrives, its wait runs out,
 * the server shuts down, or the client goes away; each way removes every reference to it, so an
 * aborted poll keeps no memory and gets no write.
 */
export class Holds {
  private readonly active = new Set<Hold>();
  private aborted = 0;
  /** When it says so, a hold due is answered with this error instead of its messages. */
  private readonly refusal: (poll: PollRequest & { readonly after: number }) => ChatError | undefined;

  constructor(refusal: (poll: PollRequest & { readonly after: number }) => ChatError | undefined = () => undefined) {
    this.refusal = refusal;
  }

  get size(): number {
    return this.active.size;
  }

  /** Holds whose client went away, since the server started. */
  get abortedCount(): number {
    return this.aborted;
  }

  /** Holds `reply` until a message arrives in the room after `poll.after`, or `waitMs` pass. */
  hold(poll: PollRequest & { readonly after: number }, reply: FastifyReply, waitMs: number): void {
    const res = reply.raw;
    const hold: Hold = {
      poll,
      reply,
      timer: setTimeout(() => this.answer(hold), waitMs),
      stopListening: poll.room.listen(
        (_message: ChatMessage, _room: Room) => this.answer(hold),
        (cursor) => this.expire(hold, cursor),
      ),
      onGone: () => {
        if (this.end(hold)) this.aborted++;
      },
    };
    this.active.add(hold);
    res.once('close', hold.onGone);
  }

  /** Answers every held poll with `SHUTTING_DOWN`. */
  shutdown(): void {
    for (const hold of [...this.active]) {
      if (!this.end(hold)) continue;
      const error = new ChatError('SHUTTING_DOWN', 'the server is shutting down; poll again with your cursor', hold.poll.room.cursorAt(hold.poll.after));
      void hold.reply.header('connection', 'close').code(error.status).send(error.toBody());
    }
  }

  /** The room's cursors stopped holding (the Redis backplane lost its data): the poll restarts from `cursor`. */
  private expire(hold: Hold, cursor: string): void {
    if (!this.end(hold)) return;
    const error = new ChatError('CURSOR_EXPIRED', `room "${hold.poll.room.id}" lost its history while this poll was held (the backplane's data was lost); restart from the cursor given`, cursor);
    void hold.reply.code(error.status).send(error.toBody());
  }

  private answer(hold: Hold): void {
    if (!this.end(hold)) return;
    const refused = this.refusal(hold.poll);
    if (refused) {
      void hold.reply.code(refused.status).send(refused.toBody());
      return;
    }
    let answer;
    try {
      answer = answerNow(hold.poll);
    } catch (error) {
      // The poll's cursor fell out of history while it was held (the stored-bytes budget).
      if (!(error instanceof ChatError)) throw error;
      void hold.reply.code(error.status).send(error.toBody());
      return;
    }
    void hold.reply.send(answer);
  }

  /** Removes every reference to the hold; `false` when it had already ended. */
  private end(hold: Hold): boolean {
    if (!this.active.delete(hold)) return false;
    clearTimeout(hold.timer);
    hold.stopListening();
    hold.reply.raw.removeListener('close', hold.onGone);
    return true;
  }
}
