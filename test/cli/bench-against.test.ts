/**
 * The paired gate runs each round with the bench command of its side's tree: a base from before the
 * command moved out of bench/ has it at bench/cli.ts, any later tree at cli/bench.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { benchEntry } from '../../cli/bench-against.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('benchEntry', () => {
  it('is cli/bench.ts in this tree', () => {
    expect(benchEntry(fileURLToPath(new URL('../../', import.meta.url)))).toBe('cli/bench.ts');
  });

  it('is bench/cli.ts in a tree from before the command left bench/', () => {
    const old = join(dir, 'old');
    mkdirSync(join(old, 'bench'), { recursive: true });
    writeFileSync(join(old, 'bench', 'cli.ts'), '');
    expect(benchEntry(old)).toBe('bench/cli.ts');
  });
});
