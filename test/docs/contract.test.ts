/**
 * The contract's text (servers/contract/README.md) is what a server in another language is written
 * from: every rule the conformance suite checks must be written in it, and its language-neutral
 * part must not lean on this implementation (Node, its libraries, its file and option names).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const contract = readFileSync(new URL('../../servers/contract/README.md', import.meta.url), 'utf8');
/** The text with every run of white space made one space, so that a phrase may wrap. */
const flat = contract.replace(/\s+/g, ' ');

/** Rules the suite checks that a reader could not take from the text before, each with the words that now say it. */
const RULES_THE_SUITE_CHECKS: readonly (readonly [string, string])[] = [
  ['the fresh cursor of CURSOR_EXPIRED is error.cursor', '`cursor`, inside `error`, is the fresh cursor'],
  ['limit out of range is refused', '`limit` is an integer from 1 to 1000 (default 100); anything else (`0`, `1001`, `-1`, `1.5`, `abc`) is `400 BAD_REQUEST`'],
  ['wait out of range is refused, wait=0 answers at once', '`wait` is an integer from 0 to 60000 (default 25000); `wait=0` answers at once; anything else (`-1`, `60001`, `soon`) is `400 BAD_REQUEST`'],
  ["a bad limit's or wait's message gives the bounds", 'for a bad `limit` or `wait`, the bounds'],
  ['a long poll without a cursor is not held', 'A `GET` without `cursor` is never held, whatever its `wait`'],
  ['ts is integer Unix time in ms', 'as Unix time in milliseconds'],
  ['ts is an integer', 'and an integer'],
  ['a WebSocket subscribe is always answered', 'always at least one `messages` frame, empty when there is nothing to replay'],
  ["a retry's cursor is the one just after the original", 'the cursor just after the original message, never the room\'s head'],
  ['JSON answers are application/json', 'Every answer with a body, errors included, is JSON with `Content-Type: application/json`'],
  ['id and from are counted in characters, not bytes', 'each 1 to 64 characters (Unicode code points, not bytes'],
  ['the token guards /healthz too', 'on every route, `/healthz` included'],
  ['the cursor at the edge of history has not expired', 'The cursor just before the oldest kept message (the one after seq `oldest − 1`) has not expired'],
];

/** Words of this implementation that the language-neutral part may use only in a "(this implementation: …)" aside. */
const INTERNALS = [/\bNode\b/, /fastify/, /`ws`/, /\.ts`/, /`--[a-z]/, /npm run/, /\bRedis\b/];

describe('the contract text', () => {
  it.each(RULES_THE_SUITE_CHECKS)('writes the rule the suite checks: %s', (_rule, words) => {
    expect(flat).toContain(words);
  });

  it("keeps its language-neutral part (version 1's rules) free of this implementation's internals", () => {
    const start = contract.indexOf('## Version 1');
    const end = contract.indexOf('### This implementation');
    expect(start, 'the contract has a "## Version 1" section').toBeGreaterThan(0);
    expect(end, 'the contract has a "### This implementation" section after it').toBeGreaterThan(start);
    const neutral = contract
      .slice(start, end)
      .replace(/\(this\s+implementation[^)]*\)/g, '');
    for (const internal of INTERNALS) {
      const line = neutral.split('\n').find((l) => internal.test(l));
      expect(line, `${String(internal)} in the language-neutral part`).toBeUndefined();
    }
  });
});
