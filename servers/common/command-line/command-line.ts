/**
 * The command-line layer every entry point shares (servers/main.ts, cli/bench.ts, the baselines,
 * report/cli.ts, report/compare-cli.ts, the conformance CLI): `--kebab-case` flags of an option
 * table parsed with `node:util` parseArgs. Not part of the chat contract; a leaf like option-table.ts.
 */
import { parseArgs } from 'node:util';
import { formatOptionHelp, parseOptionText, resolveOptions, toFlag, type OptionTable, type OptionValues } from './option-table.ts';

/** A command-line mistake: the message names the option and what is allowed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `--kebab-case value` flags of an option table with `node:util` parseArgs (strict: an
 * unknown flag is an error; a negative number after a flag is its value), then each value by its spec. Returns the given values by option name,
 * the positionals, and whether `--help` was asked for.
 */
export function parseCommandLine(
  table: OptionTable,
  argv: readonly string[],
): { values: Record<string, unknown>; repeated: Record<string, string[]>; positionals: string[]; help: boolean } {
  const byFlag = new Map(Object.keys(table).map((name) => [toFlag(name).slice(2), name]));
  const specs: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [flag, name] of byFlag) {
    const spec = table[name];
    specs[flag] = { type: spec?.kind === 'boolean' ? 'boolean' : 'string', ...(spec?.kind === 'string' && spec.repeatable ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(table, argv), options: specs, strict: true, allowPositionals: true });
  } catch (error) {
    const message = (error as Error).message;
    const missing = /^Option '(--[\w-]+) <value>' argument missing/.exec(message);
    throw new UsageError(missing ? `${missing[1]} needs a value (--help lists what it takes)` : message.replace(/\. To specify a positional.*$/s, ''));
  }
  const values: Record<string, unknown> = {};
  const repeated: Record<string, string[]> = {};
  for (const [flag, raw] of Object.entries(parsed.values)) {
    if (flag === 'help') continue;
    const name = byFlag.get(flag);
    const spec = name === undefined ? undefined : table[name];
    if (name === undefined || spec === undefined) continue;
    if (Array.isArray(raw)) {
      repeated[name] = raw.filter((v): v is string => typeof v === 'string');
      continue;
    }
    if (typeof raw === 'boolean') {
      values[name] = raw;
      continue;
    }
    if (typeof raw !== 'string') continue;
    try {
      values[name] = parseOptionText(name, spec, raw);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return { values, repeated, positionals: parsed.positionals, help: parsed.values.help === true };
}

/** Rewrites option names in a message (`maxWaitMs`) as the flags a command-line user typed. */
export function withFlagNames(table: OptionTable, message: string): string {
  return message.replace(/\boption (\w+)/g, (all, name: string) => (name in table ? toFlag(name) : all)).replace(
    /\(\d+\) must (?:not exceed|be shorter than|be smaller than) (\w+)/g,
    (all, name: string) => (name in table ? all.replace(name, toFlag(name)) : all),
  );
}

/**
 * node:util parseArgs takes `--rate -1` for a missing value followed by a flag ("argument is
 * ambiguous"): a negative number after an option that takes a value is joined to it
 * (`--rate=-1`), so that it reaches the option's own check and its message.
 */
export function joinNegativeValues(table: OptionTable, argv: readonly string[]): string[] {
  const takesValue = new Set(Object.entries(table).filter(([, spec]) => spec.kind !== 'boolean').map(([name]) => toFlag(name)));
  const { options, rest } = splitAtDoubleDash(argv);
  const out: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const arg = options[i] as string;
    const next = options[i + 1];
    if (takesValue.has(arg) && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return [...out, ...rest];
}

/** A command line split at its first `--`: the options before it, and `--` with everything after it (empty without one). */
export function splitAtDoubleDash(argv: readonly string[]): { readonly options: readonly string[]; readonly rest: readonly string[] } {
  const at = argv.indexOf('--');
  return at < 0 ? { options: argv, rest: [] } : { options: argv.slice(0, at), rest: argv.slice(at) };
}

/**
 * The options of a small command (a micro-benchmark) from `argv`, checked against `table`:
 * `--help` prints `usage` and the options and exits 0; a mistake prints what is wrong and exits 2.
 */
export function commandOptions<T extends OptionTable>(table: T, argv: readonly string[], usage: string): OptionValues<T> {
  try {
    const parsed = parseCommandLine(table, argv);
    if (parsed.help) {
      console.log(`${usage}\n\nOptions:\n${formatOptionHelp(table)}\n  -h, --help     show this help`);
      process.exit(0);
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
    return resolveOptions(table, parsed.values);
  } catch (error) {
    console.error(`error: ${(error as Error).message} (--help lists the options)`);
    process.exit(2);
  }
}
