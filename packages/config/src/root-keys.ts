import { readFileSync } from "node:fs";
import { ConfigError, key256, optionalStr, type ConfigField } from "./index.ts";

/** An optional 256-bit key (64 hex characters or base64), never echoed. */
export function optionalKey256(variable: string): ConfigField<Buffer | undefined> {
  const parser = key256(variable);
  return { variable, secret: true, parse: (raw) => (raw === undefined ? undefined : parser.parse(raw)) };
}

/**
 * The root key variables of a service, `<prefix>_ROOT_KEY` and `<prefix>_PREVIOUS_ROOT_KEY`, each
 * given directly or as `…_FILE` naming a file that holds it.
 */
export function rootKeyFields(prefix: string) {
  return {
    rootKey: optionalKey256(`${prefix}_ROOT_KEY`),
    rootKeyFile: optionalStr(`${prefix}_ROOT_KEY_FILE`),
    previousRootKey: optionalKey256(`${prefix}_PREVIOUS_ROOT_KEY`),
    previousRootKeyFile: optionalStr(`${prefix}_PREVIOUS_ROOT_KEY_FILE`),
  } as const;
}

/** Parsed values of `rootKeyFields`. */
export interface RootKeySettings {
  readonly rootKey: Buffer | undefined;
  readonly rootKeyFile: string | undefined;
  readonly previousRootKey: Buffer | undefined;
  readonly previousRootKeyFile: string | undefined;
}

/** The root keys in force: `current` wraps new data keys, `previous` still unwraps during a rotation. */
export interface RootKeys {
  readonly current: Buffer;
  readonly previous: readonly Buffer[];
}

/**
 * Picks the key of variable `name` from its value or the file `<name>_FILE` names; pushes a problem
 * (never the key) when both are set, the file is unreadable or malformed, or a required key is missing.
 */
export function pickKey(
  name: string,
  key: Buffer | undefined,
  file: string | undefined,
  options: { required: boolean; problems: string[]; legacyHint?: string },
): Buffer | undefined {
  const { problems } = options;
  if (key && file) {
    problems.push(`${name} and ${name}_FILE are both set; set one`);
    return undefined;
  }
  if (file) {
    try {
      return key256(`${name}_FILE`).parse(readFileSync(file, "utf8"));
    } catch (error) {
      const code = (error as { code?: string }).code;
      problems.push(
        `${name}_FILE: ${code ? `cannot read the file (${code})` : "the file does not hold a 256-bit key (64 hex characters or 32 bytes in base64)"}`,
      );
      return undefined;
    }
  }
  if (!key && options.required) {
    problems.push(`${name}: is required (or ${name}_FILE naming a file that holds it)${options.legacyHint ?? ""}`);
  }
  return key;
}

/**
 * Resolves a service's root keys (see `rootKeyFields`). Exactly one of `<prefix>_ROOT_KEY` and
 * `<prefix>_ROOT_KEY_FILE` is required; the previous key is optional and dropped when equal to the
 * current one. `legacyVariable`, when set in `env`, is named in the message about a missing root key.
 * Throws one ConfigError naming every variable at fault (with `extraProblems`), never a key.
 */
export function resolveRootKeys(
  prefix: string,
  settings: RootKeySettings,
  options: { legacyVariable?: string; env?: NodeJS.ProcessEnv; extraProblems?: readonly string[] } = {},
): RootKeys {
  const env = options.env ?? process.env;
  const problems: string[] = [...(options.extraProblems ?? [])];
  const legacy = options.legacyVariable;
  const legacyHint = legacy && env[legacy] ? ` (${legacy} is no longer read)` : "";
  const current = pickKey(`${prefix}_ROOT_KEY`, settings.rootKey, settings.rootKeyFile, {
    required: true,
    problems,
    legacyHint,
  });
  const previous = pickKey(`${prefix}_PREVIOUS_ROOT_KEY`, settings.previousRootKey, settings.previousRootKeyFile, {
    required: false,
    problems,
  });
  if (problems.length > 0 || !current) throw new ConfigError(problems);
  return { current, previous: previous && !previous.equals(current) ? [previous] : [] };
}
