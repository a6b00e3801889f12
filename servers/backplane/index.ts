import { parseBackplane, type ServerOptions } from '../contract/index.ts';
import { roomLogFor, type RoomLog } from '../common/room-log.ts';
import { MemoryBackplane, type Backplane } from './backplane.ts';
import { RedisBackplane } from './redis.ts';

export { MemoryBackplane, settle, type Backplane, type Now } from './backplane.ts';
export { RedisBackplane } from './redis.ts';

/**
 * The backplane a server's options ask for (option backplane). A given `log` (tests) is a memory
 * backplane over that log, and only that.
 */
export function backplaneFor(options: ServerOptions, log?: RoomLog): Backplane {
  const spec = parseBackplane(options.backplane);
  if (log) {
    if (spec.kind !== 'memory') throw new RangeError(`option backplane must be memory when a room log is given, got ${JSON.stringify(options.backplane)}`);
    return new MemoryBackplane(log);
  }
  return spec.kind === 'memory' ? new MemoryBackplane(roomLogFor(options)) : new RedisBackplane(spec, options);
}
