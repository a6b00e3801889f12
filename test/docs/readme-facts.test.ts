/**
 * The README's facts against the code: every option it names exists in an option table, every
 * scenario it names is a named scenario, every transport of the registry is named and every list
 * of transports is whole, every document it links to exists, and it stays short enough to read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../bench/run/scenarios.ts';
import { toFlag } from '../../servers/common/command-line/index.ts';
import { SECTIONS as COMMANDS } from '../../docs/options-doc.ts';
import { TRANSPORTS, TRANSPORT_INFO } from '../../servers/contract/index.ts';

const ROOT = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
const lines = readme.split('\n');

/** The limit: a README a newcomer reads in five minutes. */
const MAX_LINES = 300;

/** The lines of one `## ` section, without its heading. */
function section(title: string): string[] {
  const start = lines.indexOf(`## ${title}`);
  expect(start, `section "${title}"`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The first cell of each body row of the tables in some lines, without its backticks. */
function firstCells(rows: readonly string[]): string[] {
  return rows.flatMap((line) => /^\| `([^`]+)` \|/.exec(line)?.[1] ?? []);
}

const history = readFileSync(new URL('docs/findings.md', ROOT), 'utf8');

/** The numbers of some text that docs/findings.md, the dated history of measurements, does not hold. */
function notInHistory(text: string): string[] {
  const numbers = text.match(/(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?/g) ?? [];
  return numbers.filter((n) => !new RegExp(`(?<![\\d.,])${n.replace(/[.]/g, '\\.')}(?![\\d]|[.,]\\d)`).test(history));
}

/** A relative link of a Markdown document: the file it names and the heading, if any. */
interface Link {
  readonly text: string;
  readonly file: URL;
  readonly anchor: string | undefined;
}

/** The relative links of a Markdown document at `base` (links to other sites left out). */
function linksOf(markdown: string, base: URL): Link[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] as string)
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => {
      const [path, anchor] = target.split('#');
      return { text: target, file: path ? new URL(path, base) : base, anchor };
    });
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, '').replace(/ /g, '-');
}

function resolves(link: Link): boolean {
  if (!existsSync(link.file)) return false;
  if (link.anchor === undefined) return true;
  const headings = readFileSync(link.file, 'utf8').split('\n').flatMap((line) => /^#+ (.*)$/.exec(line)?.[1] ?? []);
  return headings.some((heading) => slug(heading) === link.anchor);
}

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

describe('README.md', () => {
  it(`has at most ${MAX_LINES} lines`, () => {
    expect(lines.length).toBeLessThanOrEqual(MAX_LINES);
  });

  it('names only options that exist', () => {
    const known = new Set(['--help', ...COMMANDS.flatMap((command) => Object.keys(command.table).map(toFlag))]);
    const named = new Set(readme.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? []);
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((flag) => !known.has(flag))).toEqual([]);
  });

  it('names only scenarios that exist, and lists every one of them', () => {
    const given = [...readme.matchAll(/--scenario ([\w.-]+)/g)].map((m) => m[1] as string).filter((name) => !name.endsWith('.json'));
    expect(given.length).toBeGreaterThan(0);
    for (const name of given) expect(Object.keys(SCENARIOS), name).toContain(name);
    expect(firstCells(section('Scenarios'))).toEqual(Object.keys(SCENARIOS));
  });

  it('names every transport of the registry, once per row of its transports table, in registry order', () => {
    for (const transport of TRANSPORTS) expect(readme, transport).toContain(`\`${transport}\``);
    // The table of the opening, before the first section.
    const opening = lines.slice(0, lines.findIndex((line) => line.startsWith('## ')));
    const rows = opening.filter((line) => /^\| [^|]+ \| `[a-z-]+` \| /.test(line));
    expect(rows.map((row) => /^\| [^|]+ \| `([a-z-]+)` \|/.exec(row)?.[1])).toEqual([...TRANSPORTS]);
    for (const [i, transport] of TRANSPORTS.entries()) expect(rows[i]?.toLowerCase(), transport).toContain(TRANSPORT_INFO[transport].label.toLowerCase());
  });

  it('counts the transports as the registry does', () => {
    const counted = /\b(\w+) interchangeable chat servers\b/i.exec(readme)?.[1]?.toLowerCase();
    expect(counted).toBe(NUMBER_WORDS[TRANSPORTS.length]);
  });

  it('lists the transports whole wherever it lists them as choices', () => {
    const lists = [...readme.matchAll(/`?([a-z-]+(?:\|[a-z-]+)+)`?/g)].map((m) => (m[1] as string).split('|')).filter((names) => names.some((n) => (TRANSPORTS as readonly string[]).includes(n)));
    expect(lists.length).toBeGreaterThan(0);
    for (const names of lists) expect([...names].sort(), names.join('|')).toEqual([...TRANSPORTS].sort());
  });

  it('copies every number and date of its findings table from the dated history, inventing none', () => {
    const rows = section('Findings on this machine').filter((line) => /^\| (?!question \|)[^-]/.test(line));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(row, 'a row ends with its date').toMatch(/\| \d{4}-\d{2}-\d{2} \|$/);
      expect(notInHistory(row), row.slice(0, 60)).toEqual([]);
    }
  });

  it("gives each scenario's time as measured and dated in the history, or says it was not timed", () => {
    const times = section('Scenarios').flatMap((line) => (/^\| `/.test(line) ? [line.split('|').at(-2)?.trim() ?? ''] : []));
    expect(times.length).toBe(Object.keys(SCENARIOS).length);
    for (const time of times) {
      if (!time.includes('not timed')) expect(time).toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(notInHistory(time), time).toEqual([]);
    }
  });

  it('links only to files and headings that exist', () => {
    const links = linksOf(readme, ROOT);
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((link) => !resolves(link))).toEqual([]);
  });
});

describe('the documents the README lists', () => {
  const documents = section('Documentation').flatMap((line) => /^\| \[`([^`]+)`\]/.exec(line)?.[1] ?? []);

  it('are listed', () => {
    expect(documents.length).toBeGreaterThan(5);
  });

  it.each(documents)('%s links only to files and headings that exist', (document) => {
    const url = new URL(document, ROOT);
    const broken = linksOf(readFileSync(url, 'utf8'), url).filter((link) => !resolves(link));
    expect(broken).toEqual([]);
  });
});

describe('package.json', () => {
  it('describes the package with every transport of the registry', () => {
    const description = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { description: string }).description.toLowerCase();
    for (const transport of TRANSPORTS) expect(description, transport).toContain(TRANSPORT_INFO[transport].label.toLowerCase());
  });
});
