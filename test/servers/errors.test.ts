import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChatError, ERRORS, SERVER_OPTIONS } from '../../servers/contract/index.ts';
import { toFlag } from '../../servers/common/command-line/index.ts';

/** Running a server, where the table of its options lives. */
const serversDoc = readFileSync(new URL('../../servers/README.md', import.meta.url), 'utf8');
/** The contract, where the error table lives. */
const contract = readFileSync(new URL('../../servers/contract/README.md', import.meta.url), 'utf8');

describe('the error catalogue', () => {
  it('is documented in the contract with the same HTTP status and close code', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      const row = contract.split('\n').find((line) => line.startsWith(`| \`${code}\``));
      expect(row, `contract row for ${code}`).toBeDefined();
      const cells = row?.split('|').map((c) => c.trim()) ?? [];
      expect(cells[2], `${code} HTTP status`).toBe(spec.status === undefined ? '–' : String(spec.status));
      expect(cells[3], `${code} close code`).toBe(spec.close === undefined ? '–' : String(spec.close));
    }
  });

  it('gives each error its status and the contract body', () => {
    const error = new ChatError('CURSOR_EXPIRED', 'too old', 'c1');
    expect(error.status).toBe(410);
    expect(error.toBody()).toEqual({ error: { code: 'CURSOR_EXPIRED', message: 'too old', cursor: 'c1' } });
    expect(new ChatError('BAD_REQUEST', 'no').toBody()).toEqual({ error: { code: 'BAD_REQUEST', message: 'no' } });
    expect(new ChatError('SLOW_CONSUMER', 'x').status).toBe(500);
  });
});

describe('servers/README.md', () => {
  it('documents every server option', () => {
    for (const name of Object.keys(SERVER_OPTIONS)) expect(serversDoc, name).toContain(`\`${toFlag(name)}\``);
  });
});
