/** docs/options.md is generated from the option tables; the committed file must be what they give. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toFlag } from '../../servers/common/command-line/index.ts';
import { SECTIONS as COMMANDS, OPTIONS_DOC, renderOptionsDoc } from '../../docs/options-doc.ts';

describe('docs/options.md', () => {
  it('is what npm run docs:options writes from the option tables today', () => {
    // When this fails, an option table changed: run `npm run docs:options` and commit the file.
    expect(readFileSync(OPTIONS_DOC, 'utf8')).toBe(renderOptionsDoc());
  });

  it('has one row per option of every command, under its command', () => {
    const doc = renderOptionsDoc();
    for (const command of COMMANDS) {
      const section = doc.split(`\n## ${command.title}\n`)[1]?.split('\n## ')[0] ?? '';
      const flags = section.split('\n').flatMap((line) => /^\| `(--[a-z0-9-]+)`/.exec(line)?.[1] ?? []);
      expect(flags, command.title).toEqual(Object.keys(command.table).map(toFlag));
    }
  });
});
