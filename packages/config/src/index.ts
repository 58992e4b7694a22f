/**
 * Environment configuration read once at start-up. Each field is declared with a parser; every
 * problem is collected and reported together, naming the variable, so an operator fixes a bad
 * deployment in one pass. Values of variables marked `secret` never appear in messages.
 */
export interface ConfigField<T> {
  readonly variable: string;
  readonly secret: boolean;
  parse(raw: string | undefined): T;
}

/** Thrown when the environment does not satisfy the declared configuration. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type Shape = Record<string, ConfigField<unknown>>;
type ConfigOf<S extends Shape> = { readonly [K in keyof S]: S[K] extends ConfigField<infer T> ? T : never };

/** Reads every field of `shape` from `env`; throws one `ConfigError` listing all problems. */
export function readConfig<S extends Shape>(shape: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(shape)) {
    try {
      out[name] = field.parse(emptyToUndefined(env[field.variable]));
    } catch (error) {
      problems.push(`${field.variable}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

function emptyToUndefined(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === "" ? undefined : raw;
}

function field<T>(variable: string, secret: boolean, parse: (raw: string | undefined) => T): ConfigField<T> {
  return { variable, secret, parse };
}

function required(raw: string | undefined): string {
  if (raw === undefined) throw new Error("is required but not set");
  return raw;
}

/** A plain string; required unless a default is given. */
export function str(variable: string, options: { default?: string } = {}): ConfigField<string> {
  return field(variable, false, (raw) => raw ?? options.default ?? required(raw));
}

/** An optional string: `undefined` when unset. */
export function optionalStr(variable: string): ConfigField<string | undefined> {
  return field(variable, false, (raw) => raw);
}

/**
 * A variable that is no longer read: start-up fails while it is set, saying what replaced it, so a
 * deployment is not left running on a setting that silently does nothing.
 */
export function retired(variable: string, replacement: string): ConfigField<undefined> {
  return field(variable, true, (raw) => {
    if (raw !== undefined) throw new Error(`is no longer read: ${replacement}; unset it`);
    return undefined;
  });
}

/** An optional secret string: `undefined` when unset, else at least `minLength` characters, never echoed. */
export function optionalSecret(
  variable: string,
  options: { minLength?: number } = {},
): ConfigField<string | undefined> {
  const required = secret(variable, options);
  return field(variable, true, (raw) => (raw === undefined ? undefined : required.parse(raw)));
}

/** A secret string (token, key); required, at least `minLength` characters, never echoed. */
export function secret(variable: string, options: { minLength?: number } = {}): ConfigField<string> {
  const minLength = options.minLength ?? 16;
  return field(variable, true, (raw) => {
    const value = required(raw);
    if (value.length < minLength) throw new Error(`must be at least ${minLength} characters long`);
    return value;
  });
}

/** A 256-bit key given as 64 hex characters or 44 base64 characters. */
export function key256(variable: string): ConfigField<Buffer> {
  return field(variable, true, (raw) => {
    const value = required(raw).trim();
    const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
    if (bytes.length !== 32) throw new Error("must be a 256-bit key: 64 hex characters or 32 bytes in base64");
    return bytes;
  });
}

/** An integer within bounds. */
export function int(
  variable: string,
  options: { default?: number; min?: number; max?: number } = {},
): ConfigField<number> {
  return field(variable, false, (raw) => {
    if (raw === undefined) {
      if (options.default === undefined) throw new Error("is required but not set");
      return options.default;
    }
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be an integer, got "${raw}"`);
    const value = Number(raw);
    if (options.min !== undefined && value < options.min) throw new Error(`must be ≥ ${options.min}, got ${value}`);
    if (options.max !== undefined && value > options.max) throw new Error(`must be ≤ ${options.max}, got ${value}`);
    return value;
  });
}

/** A TCP port (0 means "any free port"). */
export function port(variable: string, fallback: number): ConfigField<number> {
  return int(variable, { default: fallback, min: 0, max: 65535 });
}

/** One of a fixed set of words. */
export function oneOf<const T extends string>(variable: string, values: readonly T[], fallback: T): ConfigField<T> {
  return field(variable, false, (raw) => {
    const value = (raw ?? fallback) as T;
    if (!values.includes(value)) throw new Error(`must be one of ${values.join(", ")}, got "${raw}"`);
    return value;
  });
}

/** A URL with one of the given schemes; optional when no default and `optional` is set. */
export function url(variable: string, options: { schemes: readonly string[]; default?: string }): ConfigField<string> {
  return field(variable, false, (raw) => {
    const value = raw ?? options.default ?? required(raw);
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new Error("must be a URL");
    }
    if (!options.schemes.includes(parsed.protocol.replace(/:$/, ""))) {
      throw new Error(`must use one of the schemes ${options.schemes.join(", ")}`);
    }
    return value;
  });
}

/** An optional database URL (postgres://…); unset means "use the embedded database". */
export function databaseUrl(variable: string): ConfigField<string | undefined> {
  return field(variable, true, (raw) => {
    if (raw === undefined) return undefined;
    if (!/^postgres(ql)?:\/\//.test(raw)) throw new Error("must be a postgres:// URL");
    return raw;
  });
}
