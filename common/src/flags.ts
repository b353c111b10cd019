// One flag and environment parser for every entry point (the operator, the
// runtime's `serve`, `fetch`): a table of flags, each with a parser and a
// default; `--name value`, `--name=value` and a bare `--flag` for booleans;
// every flag also read from <PREFIX><UPPER_SNAKE> (the flag wins). Every
// problem is collected, so a bad start-up says everything at once; the entry
// point turns a ConfigError into exit code 2.

/** Turns the text of a flag into its value, or throws InvalidValue saying what it must be. */
export type Parser<T> = (text: string) => T;

export class InvalidValue extends Error {}

export interface Flag<T> {
  readonly parse: Parser<T>;
  /** Without a fallback the flag is required unless optional. */
  readonly fallback?: T;
  readonly optional?: boolean;
}

export type FlagTable = Readonly<Record<string, Flag<unknown>>>;

/** Each flag's value: its parser's type, or undefined when it has no fallback and was not given. */
export type FlagValues<T extends FlagTable> = {
  -readonly [K in keyof T]: T[K] extends { readonly fallback: infer F } ? F : T[K] extends Flag<infer V> ? V | undefined : never;
};

export interface ParseOptions {
  /** `MODELSHIP_` for the runtime, `MODELSHIP_OPERATOR_` for the operator. */
  readonly envPrefix: string;
  /** Report variables with the prefix that name no flag (a typo in a chart value). */
  readonly strictEnv?: boolean;
}

/** Every configuration problem of one start-up. */
export class ConfigError extends Error {
  readonly errors: readonly string[];
  constructor(errors: readonly string[], subject?: string) {
    super(`invalid ${subject === undefined ? '' : `${subject} `}configuration:\n  ${errors.join('\n  ')}`);
    this.errors = errors;
  }
}

export function envName(flag: string, prefix: string): string {
  return `${prefix}${flag.toUpperCase().replaceAll('-', '_')}`;
}

// Parsers shared by the entry points; an entry point adds its own beside its table.

export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) throw new InvalidValue(`must be an integer in [${min}, ${max}]`);
    return value;
  };

export const decimal =
  (min: number): Parser<number> =>
  (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min) throw new InvalidValue(`must be a number >= ${min}`);
    return value;
  };

/** Any text, the empty string included (e.g. "all namespaces", "off"). */
export const text: Parser<string> = (value) => value;

export const nonEmpty: Parser<string> = (value) => {
  if (value.trim() === '') throw new InvalidValue('must not be empty');
  return value;
};

export const boolean: Parser<boolean> = (value) => {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidValue('must be true or false');
};

export const fraction: Parser<number> = (value) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidValue('must be a number in [0, 1]');
  return n;
};

export const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (value) => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidValue(`must be one of ${values.join(', ')}`);
    return value as T;
  };

export const httpUrl: Parser<string> = (value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidValue('must be an http:// or https:// URL');
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.host === '') throw new InvalidValue('must be an http:// or https:// URL');
  return value;
};

/** An optional value where the empty string means unset (a chart default of ""). */
export const emptyMeansUnset =
  <T>(parse: Parser<T>): Parser<T | undefined> =>
  (value) => (value === '' ? undefined : parse(value));

/** `a,b,c`; empty items dropped. */
export const commaList: Parser<string[]> = (value) => value.split(',').map((v) => v.trim()).filter((v) => v !== '');

/** `k=v[,k=v]`, e.g. node labels. */
export const keyValues: Parser<Record<string, string>> = (value) => {
  const out: Record<string, string> = {};
  for (const pair of value.split(',').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidValue('must be k=v[,k=v]');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
};

/** Splits argv into flag texts (`--name value` or `--name=value`); a bare boolean flag means true. */
function readArgv(table: FlagTable, argv: readonly string[], errors: string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      errors.push(`unexpected argument ${JSON.stringify(arg)}`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!Object.hasOwn(table, name)) {
      errors.push(`unknown flag --${name}`);
      continue;
    }
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = argv[i + 1];
      if (table[name]!.parse === boolean && (next === undefined || next.startsWith('--'))) value = 'true';
      else if (next === undefined) {
        errors.push(`--${name} needs a value`);
        continue;
      } else {
        value = next;
        i++;
      }
    }
    values.set(name, value);
  }
  return values;
}

/**
 * Parses argv and the environment against a flag table. Returns the values
 * and every problem found; the caller adds its cross-flag checks to `errors`
 * and throws one ConfigError.
 */
export function parseFlags<T extends FlagTable>(
  table: T,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: ParseOptions,
): { values: FlagValues<T>; errors: string[] } {
  const errors: string[] = [];
  const fromArgv = readArgv(table, argv, errors);
  if (options.strictEnv === true) {
    const known = new Set(Object.keys(table).map((name) => envName(name, options.envPrefix)));
    for (const key of Object.keys(env)) if (key.startsWith(options.envPrefix) && !known.has(key)) errors.push(`unknown environment variable ${key}`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(table)) {
    const given = fromArgv.get(name) ?? env[envName(name, options.envPrefix)];
    if (given === undefined) {
      if ('fallback' in flag) values[name] = flag.fallback;
      else if (flag.optional !== true) errors.push(`--${name} (or ${envName(name, options.envPrefix)}) is required`);
      continue;
    }
    try {
      values[name] = flag.parse(given);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      errors.push(`--${name} ${error.message}`);
    }
  }
  return { values: values as FlagValues<T>, errors };
}
