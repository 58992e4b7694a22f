import { databaseUrl, oneOf, optionalSecret, optionalStr, port, str } from "@syncline/config";
import {
  resolveRootKeys as resolveServiceRootKeys,
  rootKeyFields,
  type RootKeys,
  type RootKeySettings,
} from "@syncline/config/root-keys";
import { runGrantPublicKeys } from "@syncline/config/run-grant-keys";
import { platformConfig, tokenCacheConfig } from "@syncline/service-runtime";

/** The root key variables: the key itself or a file holding it, for the current and previous key. */
export const rootKeyConfig = rootKeyFields("SYNCLINE_SECRETS");

/** Environment variables of the secrets service (documented in services/secrets/README.md). */
export const secretsConfig = {
  ...platformConfig,
  ...tokenCacheConfig,
  /**
   * Only bootstraps: creates identities and their tokens and lists identities (the first
   * organisation admin). Unset: no bootstrap token is accepted.
   */
  bootstrapToken: optionalSecret("SYNCLINE_BOOTSTRAP_TOKEN", { minLength: 32 }),
  host: str("SYNCLINE_SECRETS_HOST", { default: "127.0.0.1" }),
  port: port("SYNCLINE_SECRETS_PORT", 50051),
  databaseUrl: databaseUrl("SYNCLINE_SECRETS_DATABASE_URL"),
  /** PGlite data directory when no database URL is set; unset means in memory. */
  dataDir: optionalStr("SYNCLINE_SECRETS_DATA_DIR"),
  ...rootKeyConfig,
  /**
   * `true` (default): CreateSecret, UpdateSecret and DeleteSecret calls of a project that arrive while
   * one of its writes runs are committed together in its next transaction (group commit);
   * `false`: each runs in its own transaction.
   */
  groupCommit: oneOf("SYNCLINE_SECRETS_GROUP_COMMIT", ["true", "false"], "true"),
  /** Public keys run grants are verified with (docs/least-privilege.md): snapshots and worker imports need one. */
  runGrantPublicKeys: runGrantPublicKeys("SYNCLINE_RUN_GRANT_PUBLIC_KEYS"),
} as const;

export type { RootKeys };

/**
 * Resolves the root keys from the key variables or the files they name. Exactly one of
 * SYNCLINE_SECRETS_ROOT_KEY and SYNCLINE_SECRETS_ROOT_KEY_FILE is required; the previous key is
 * optional. Throws one ConfigError naming every variable at fault, never a key.
 */
export function resolveRootKeys(settings: RootKeySettings, env: NodeJS.ProcessEnv = process.env): RootKeys {
  return resolveServiceRootKeys("SYNCLINE_SECRETS", settings, {
    legacyVariable: "SYNCLINE_SECRETS_ENCRYPTION_KEY",
    env,
  });
}
