import { ClientError, type ClientEvent } from './types.ts';

/**
 * The instances a client may talk to (issue 11): its own first, then the others. When a request or
 * a connection to the current one fails to reach it (no answer at all, not an error answer), the
 * client moves on to the next, and comes back with its cursors, which every instance on one
 * backplane accepts. Error answers (a 503 BACKPLANE_UNAVAILABLE) do not move it: every instance
 * shares the backplane, so another would answer the same.
 */
export class InstanceList {
  readonly urls: readonly string[];
  #index = 0;
  #moves = 0;

  constructor(url: string, fallbacks: readonly string[] = []) {
    this.urls = [url, ...fallbacks.filter((u) => u !== url)];
  }

  /** The instance to use now. */
  get current(): string {
    return this.urls[this.#index] as string;
  }

  /** How many times the client moved; a request remembers it to report its failure once. */
  get moves(): number {
    return this.#moves;
  }

  /**
   * A request or connection begun when `moves` was `seenMoves` could not reach its instance: move
   * to the next one, unless another failure of the same instance moved already. Returns true when
   * it moved. With one instance there is nowhere to go: the client retries the same.
   */
  unreachable(seenMoves: number): boolean {
    if (this.urls.length < 2 || seenMoves !== this.#moves) return false;
    this.#index = (this.#index + 1) % this.urls.length;
    this.#moves++;
    return true;
  }
}

/**
 * A request (or stream) begun when the list had moved `moves` times got no answer at all (a
 * `NETWORK` error): move to the next instance, once per failure, point `http` at it, and say so.
 * An error answer moves nothing.
 */
export function moveWhenUnreachable(
  instances: InstanceList,
  error: unknown,
  moves: number,
  http: { moveTo(url: string): void },
  onEvent: ((event: ClientEvent) => void) | undefined,
): void {
  if (!(error instanceof ClientError) || error.code !== 'NETWORK' || !instances.unreachable(moves)) return;
  http.moveTo(instances.current);
  onEvent?.({ type: 'moved', url: instances.current });
}
