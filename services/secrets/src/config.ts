import { readFileSync } from "node:fs";
import { ConfigError, databaseUrl, key256, optionalStr, port, str, type ConfigField } from "@syncline/config";
import { platformConfig } from "@syncline/service-runtime";

/** An optional 256-bit key (64 hex characters or base64), never echoed. */
function optionalKey256(variable: string): ConfigField<Buffer | undefined> {
  const parser = key256(variable);
  return { variable, secret: true, parse: (raw) => (raw === undefined ? undefined : parser.parse(raw)) };
}

/** The root key variables: the key itself or a file holding it, for the current and previous key. */
export const rootKeyConfig = {
  rootKey: optionalKey256("SYNCLINE_SECRETS_ROOT_KEY"),
  rootKeyFile: optionalStr("SYNCLINE_SECRETS_ROOT_KEY_FILE"),
  previousRootKey: optionalKey256("SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY"),
  previousRootKeyFile: optionalStr("SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY_FILE"),
} as const;

/** Environment variables of the secrets service (documented in services/secrets/README.md). */
export const secretsConfig = {
  ...platformConfig,
  host: str("SYNCLINE_SECRETS_HOST", { default: "127.0.0.1" }),
  port: port("SYNCLINE_SECRETS_PORT", 50051),
  databaseUrl: databaseUrl("SYNCLINE_SECRETS_DATABASE_URL"),
  /** PGlite data directory when no database URL is set; unset means in memory. */
  dataDir: optionalStr("SYNCLINE_SECRETS_DATA_DIR"),
  ...rootKeyConfig,
} as const;

/** The root keys in force: `current` wraps new data keys, `previous` still unwraps during a rotation. */
export interface RootKeys {
  readonly current: Buffer;
  readonly previous: readonly Buffer[];
}

type RootKeySettings = { readonly [K in keyof typeof rootKeyConfig]: ReturnType<(typeof rootKeyConfig)[K]["parse"]> };

/**
 * Resolves the root keys from the key variables or the files they name. Exactly one of
 * SYNCLINE_SECRETS_ROOT_KEY and SYNCLINE_SECRETS_ROOT_KEY_FILE is required; the previous key is
 * optional. Throws one ConfigError naming every variable at fault, never a key.
 */
export function resolveRootKeys(settings: RootKeySettings, env: NodeJS.ProcessEnv = process.env): RootKeys {
  const problems: string[] = [];
  const pick = (
    name: string,
    key: Buffer | undefined,
    file: string | undefined,
    required: boolean,
  ): Buffer | undefined => {
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
    if (!key && required) {
      const legacy = env.SYNCLINE_SECRETS_ENCRYPTION_KEY ? " (SYNCLINE_SECRETS_ENCRYPTION_KEY is no longer read)" : "";
      problems.push(`${name}: is required (or ${name}_FILE naming a file that holds it)${legacy}`);
    }
    return key;
  };
  const current = pick("SYNCLINE_SECRETS_ROOT_KEY", settings.rootKey, settings.rootKeyFile, true);
  const previous = pick(
    "SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY",
    settings.previousRootKey,
    settings.previousRootKeyFile,
    false,
  );
  if (problems.length > 0 || !current) throw new ConfigError(problems);
  return { current, previous: previous && !previous.equals(current) ? [previous] : [] };
}
