/**
 * Typed option tables (a leaf module: it imports nothing of the project, and servers, bench and
 * report all may import it): one place that gives every option its default, its valid range and its
 * help text, so that `--help`, command-line parsing and programmatic use all agree. The server
 * options (limits.ts) and the harness options are such tables.
 */

export interface IntOptionSpec {
  readonly kind: 'int';
  /**
   * Left out: the option is absent unless given (an override of something else, such as a
   * scenario's rounds), and `shownDefault` says what applies then.
   */
  readonly default?: number;
  readonly min: number;
  readonly max: number;
  /** Shown instead of the default in `--help` (e.g. "the scenario's"). */
  readonly shownDefault?: string;
  readonly doc: string;
}

/** A decimal number (rates and other fractions). */
export interface NumberOptionSpec {
  readonly kind: 'number';
  /** Left out: absent unless given, as for an int. */
  readonly default?: number;
  readonly min: number;
  readonly max: number;
  readonly shownDefault?: string;
  readonly doc: string;
}

/** An on/off flag (`--quick`); given on the command line without a value. */
export interface BooleanOptionSpec {
  readonly kind: 'boolean';
  readonly default: boolean;
  readonly doc: string;
}

export interface StringOptionSpec {
  readonly kind: 'string';
  readonly default: string;
  /** May be given many times: parseCommandLine returns every value, in order, in `repeated`. */
  readonly repeatable?: true;
  /** When given, the value must be one of these. */
  readonly choices?: readonly string[];
  /** Shown instead of the default in `--help` (for secrets and empty defaults). */
  readonly shownDefault?: string;
  readonly doc: string;
}

export interface ListOptionSpec {
  readonly kind: 'list';
  readonly default: readonly string[];
  /** When given, each item must be one of these. */
  readonly choices?: readonly string[];
  readonly doc: string;
}

export type OptionSpec = IntOptionSpec | NumberOptionSpec | BooleanOptionSpec | StringOptionSpec | ListOptionSpec;
export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends IntOptionSpec | NumberOptionSpec
  ? number
  : S extends BooleanOptionSpec
    ? boolean
    : S extends ListOptionSpec
    ? readonly string[]
    : string;

/** The resolved values of a table: every option with a default present, the others only when given. */
export type OptionValues<T extends OptionTable> = { readonly [K in keyof T as T[K] extends { default: unknown } ? K : never]: ValueOf<T[K]> } & {
  readonly [K in keyof T as T[K] extends { default: unknown } ? never : K]?: ValueOf<T[K]>;
};

/** `maxBodyBytes` → `--max-body-bytes`. */
export function toFlag(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Items in prose: "a", "a and b", "a, b and c". */
export function inWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) as string}`;
}

/** What a valid value looks like, for error messages and `--help`. */
export function describeValid(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'int':
      return `an integer from ${spec.min} to ${spec.max}`;
    case 'number':
      return `a number from ${spec.min} to ${spec.max}`;
    case 'boolean':
      return 'a flag';
    case 'list':
      return spec.choices ? `a comma-separated list of ${spec.choices.join(', ')}` : 'a comma-separated list';
    case 'string':
      return spec.choices ? `one of ${spec.choices.join(', ')}` : 'a string';
  }
}

/** Checks one value given in code; throws a TypeError or RangeError that names the option. */
export function checkOption(name: string, spec: OptionSpec, value: unknown): void {
  const bad = (): string => `option ${name} must be ${describeValid(spec)}, got ${JSON.stringify(value)}`;
  switch (spec.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(bad());
      if (value < spec.min || value > spec.max) throw new RangeError(bad());
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(bad());
      if (value < spec.min || value > spec.max) throw new RangeError(bad());
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw new TypeError(bad());
      return;
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new TypeError(bad());
      if (spec.choices && !value.every((v) => spec.choices?.includes(v))) throw new RangeError(bad());
      return;
    case 'string':
      if (typeof value !== 'string') throw new TypeError(bad());
      if (spec.choices && !spec.choices.includes(value)) throw new RangeError(bad());
      return;
  }
}

/** Parses one command-line value; throws an Error naming the flag and what is allowed. */
export function parseOptionText(name: string, spec: OptionSpec, text: string): ValueOf<OptionSpec> {
  const bad = (): Error => new Error(`${toFlag(name)} must be ${describeValid(spec)}, got ${JSON.stringify(text)}`);
  switch (spec.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(text.trim())) throw bad();
      const n = Number(text.trim());
      if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) throw bad();
      return n;
    }
    case 'number': {
      const n = /^-?(\d+\.?\d*|\.\d+)$/.test(text.trim()) ? Number(text.trim()) : NaN;
      if (!(n >= spec.min && n <= spec.max)) throw bad();
      return n;
    }
    case 'boolean':
      if (text === 'true' || text === '') return true;
      if (text === 'false') return false;
      throw bad();
    case 'list': {
      const items = text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (spec.choices && !items.every((item) => spec.choices?.includes(item))) throw bad();
      return items;
    }
    case 'string':
      if (spec.choices && !spec.choices.includes(text)) throw bad();
      return text;
  }
}

/**
 * Defaults first, then each given option checked by name. Unknown names are refused, so that a
 * typo is an error rather than a silently ignored setting.
 */
export function resolveOptions<T extends OptionTable>(
  table: T,
  given: Readonly<Partial<Record<string, unknown>>> = {},
): OptionValues<T> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) if (spec.default !== undefined) out[name] = spec.default;
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = table[name];
    if (!spec) {
      throw new TypeError(`unknown option ${JSON.stringify(name)}; known options: ${Object.keys(table).join(', ')}`);
    }
    checkOption(name, spec, value);
    out[name] = value;
  }
  return out as OptionValues<T>;
}

/**
 * The JSON Schema of one option's valid values, so that a file's fields (a scenario's workload)
 * are held to the same ranges as the flags and the checks in code.
 */
export function jsonSchemaOf(spec: OptionSpec): Readonly<Record<string, unknown>> {
  switch (spec.kind) {
    case 'int':
      return { type: 'integer', minimum: spec.min, maximum: spec.max };
    case 'number':
      return { type: 'number', minimum: spec.min, maximum: spec.max };
    case 'boolean':
      return { type: 'boolean' };
    case 'list':
      return { type: 'array', items: spec.choices ? { enum: [...spec.choices] } : { type: 'string' } };
    case 'string':
      return spec.choices ? { enum: [...spec.choices] } : { type: 'string' };
  }
}

/** What applies when an option is not given, as `--help` and docs/options.md show it. */
export function shownDefaultOf(spec: OptionSpec): string {
  if ('shownDefault' in spec && spec.shownDefault !== undefined) return spec.shownDefault;
  if (spec.kind === 'list') return spec.default.join(',') || '(none)';
  return spec.default === undefined ? '(none)' : String(spec.default);
}

/** The `--help` lines of a table: flag, what is valid, default, and what it does. */
export function formatOptionHelp(table: OptionTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const shown = shownDefaultOf(spec);
    const value = { int: ' <n>', number: ' <x>', boolean: '', list: ' <a,b>', string: ' <s>' }[spec.kind];
    if (spec.kind === 'boolean') return { left: toFlag(name), right: spec.doc };
    return { left: `${toFlag(name)}${value}`, right: `${spec.doc} (default: ${shown}; ${describeValid(spec)})` };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return rows.map((r) => `  ${r.left.padEnd(width)}${r.right}`).join('\n');
}
