import { parseArgs } from 'node:util';
import { parseOptionText, toFlag, type OptionTable } from './contract/index.ts';

/** A command-line mistake: the message names the option and what is allowed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `--kebab-case value` flags of an option table with `node:util` parseArgs (strict: an
 * unknown flag is an error), then each value by its spec. Returns the given values by option name,
 * the positionals, and whether `--help` was asked for.
 */
export function parseCommandLine(
  table: OptionTable,
  argv: readonly string[],
): { values: Record<string, unknown>; positionals: string[]; help: boolean } {
  const byFlag = new Map(Object.keys(table).map((name) => [toFlag(name).slice(2), name]));
  const specs: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [flag, name] of byFlag) specs[flag] = { type: table[name]?.kind === 'boolean' ? 'boolean' : 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: specs, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
  const values: Record<string, unknown> = {};
  for (const [flag, raw] of Object.entries(parsed.values)) {
    if (flag === 'help') continue;
    const name = byFlag.get(flag);
    const spec = name === undefined ? undefined : table[name];
    if (name === undefined || spec === undefined) continue;
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
  return { values, positionals: parsed.positionals, help: parsed.values.help === true };
}

/** Rewrites option names in a message (`maxWaitMs`) as the flags a command-line user typed. */
export function withFlagNames(table: OptionTable, message: string): string {
  return message.replace(/\boption (\w+)/g, (all, name: string) => (name in table ? toFlag(name) : all)).replace(
    /\(\d+\) must (?:not exceed|be shorter than|be smaller than) (\w+)/g,
    (all, name: string) => (name in table ? all.replace(name, toFlag(name)) : all),
  );
}
