/**
 * The Redis side of the backplane: key names and the one Lua script that stores a message.
 *
 * Data layout (every instance started with the same URL reads and writes these):
 * - `chat:epoch`: a string, the epoch of the data, set with `SET NX` by the first instance that
 *   finds it missing. Cursors carry it; it is new exactly when Redis lost its data.
 * - `chat:{ROOM}:log`: a Stream per room; entry id `SEQ-0` (the stream id is the seq), fields
 *   `id`, `from`, `body`, `ts`; trimmed with `XADD … MAXLEN` to `--history-size`.
 * - `chat:{ROOM}:ids`: a Hash per room from the sender key (`byteLength(from):from` + `id`) to the
 *   entry id of its message, for safe retries; an entry leaves it when its message leaves the stream.
 * - `chat:posts`: the pub/sub channel on which every stored message is published, as JSON, by the
 *   script that stores it, so in seq order per room.
 * The `{ROOM}` hash tag puts a room's two keys in one Redis Cluster slot.
 */

/** Key prefix of everything the backplane writes. */
export const KEY_PREFIX = 'chat';
export const EPOCH_KEY = `${KEY_PREFIX}:epoch`;
export const POSTS_CHANNEL = `${KEY_PREFIX}:posts`;

export function logKey(room: string): string {
  return `${KEY_PREFIX}:{${room}}:log`;
}

export function idsKey(room: string): string {
  return `${KEY_PREFIX}:{${room}}:ids`;
}

/**
 * Stores one message atomically, or finds the original of a retry.
 * KEYS: epoch, room stream, room ids hash.
 * ARGV: the epoch the caller holds, id, from, body, ts, history size, channel, room.
 * Returns `{'epoch', current or ''}` when the caller's epoch is not the data's (nothing stored);
 * otherwise `{'stored' | 'retry', entry id, id, from, body, ts}`.
 */
export const APPEND_SCRIPT = `
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {'epoch', epoch or ''} end
local function sender(from, id) return string.len(from) .. ':' .. from .. id end
local key = sender(ARGV[3], ARGV[2])
local known = redis.call('HGET', KEYS[3], key)
if known then
  local entry = redis.call('XRANGE', KEYS[2], known, known)
  if #entry > 0 then
    local f = entry[1][2]
    return {'retry', known, f[2], f[4], f[6], f[8]}
  end
end
local seq = 1
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last > 0 then seq = tonumber(string.match(last[1][1], '^%d+')) + 1 end
local maxlen = tonumber(ARGV[6])
local excess = redis.call('XLEN', KEYS[2]) + 1 - maxlen
local trimmed = {}
if excess > 0 then trimmed = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', excess) end
local id = seq .. '-0'
-- The first write: when Redis is out of memory it fails here, and nothing has changed.
redis.call('XADD', KEYS[2], 'MAXLEN', maxlen, id, 'id', ARGV[2], 'from', ARGV[3], 'body', ARGV[4], 'ts', ARGV[5])
for _, old in ipairs(trimmed) do
  local f = old[2]
  local oldKey = sender(f[4], f[2])
  if redis.call('HGET', KEYS[3], oldKey) == old[1] then redis.call('HDEL', KEYS[3], oldKey) end
end
redis.call('HSET', KEYS[3], key, id)
redis.call('PUBLISH', ARGV[7], cjson.encode({e = epoch, r = ARGV[8], s = seq, i = ARGV[2], f = ARGV[3], b = ARGV[4], t = ARGV[5]}))
return {'stored', id, ARGV[2], ARGV[3], ARGV[4], ARGV[5]}
`;

/**
 * Reads the epoch and a room's stream from an entry id on, atomically (as MULTI would, but MULTI
 * is refused whole while Redis is out of memory, and reading frees what a full Redis cannot take).
 * KEYS: epoch, room stream. ARGV: the first entry id to read (`-` for all).
 * Returns `{epoch or '', entries}`, entries as XRANGE gives them.
 */
export const READ_SCRIPT = `#!lua flags=no-writes,allow-oom
return {redis.call('GET', KEYS[1]) or '', redis.call('XRANGE', KEYS[2], ARGV[1], '+')}
`;
