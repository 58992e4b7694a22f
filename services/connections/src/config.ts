import { ConfigError, databaseUrl, optionalStr, port, str } from "@syncline/config";
import {
  optionalKey256,
  pickKey,
  resolveRootKeys,
  rootKeyFields,
  type RootKeys,
  type RootKeySettings,
} from "@syncline/config/root-keys";
import { runGrantPublicKeys } from "@syncline/config/run-grant-keys";
import { endpointAllowlistField } from "@syncline/connectors";
import { platformConfig, serviceTokenConfig, tokenCacheConfig } from "@syncline/service-runtime";

/** The connections service's root key variables (the same scheme as the secrets service's). */
export const connectionRootKeyConfig = rootKeyFields("SYNCLINE_CONNECTIONS");

/** The fingerprint key variables: the key itself or a file holding it. */
export const fingerprintKeyConfig = {
  fingerprintKey: optionalKey256("SYNCLINE_CONNECTIONS_FINGERPRINT_KEY"),
  fingerprintKeyFile: optionalStr("SYNCLINE_CONNECTIONS_FINGERPRINT_KEY_FILE"),
} as const;

/** Environment variables of the connections service (documented in services/connections/README.md). */
export const connectionsConfig = {
  ...platformConfig,
  ...serviceTokenConfig,
  ...tokenCacheConfig,
  /** host:port of the secrets service, which verifies identity tokens. */
  secretsAddress: str("SYNCLINE_SECRETS_ADDRESS", { default: "127.0.0.1:50051" }),
  host: str("SYNCLINE_CONNECTIONS_HOST", { default: "127.0.0.1" }),
  port: port("SYNCLINE_CONNECTIONS_PORT", 50052),
  databaseUrl: databaseUrl("SYNCLINE_CONNECTIONS_DATABASE_URL"),
  /** PGlite data directory when no database URL is set; unset means in memory. */
  dataDir: optionalStr("SYNCLINE_CONNECTIONS_DATA_DIR"),
  ...connectionRootKeyConfig,
  ...fingerprintKeyConfig,
  /** Internal endpoints connectors may call (CIDRs, addresses, host names); parsed here so a malformed list fails start-up. */
  endpointAllowlist: endpointAllowlistField(),
  /** Public keys run grants are verified with (docs/least-privilege.md): ResolveCredentials needs one. */
  runGrantPublicKeys: runGrantPublicKeys("SYNCLINE_RUN_GRANT_PUBLIC_KEYS"),
} as const;

/** The keys sealing connection credentials: the root keys and the (rotation-independent) fingerprint key. */
export interface CredentialKeys {
  readonly rootKeys: RootKeys;
  readonly fingerprintKey: Buffer;
}

type CredentialKeySettings = RootKeySettings & {
  readonly fingerprintKey: Buffer | undefined;
  readonly fingerprintKeyFile: string | undefined;
};

/**
 * Resolves the root keys and the fingerprint key from their variables or the files they name.
 * Throws one ConfigError naming every variable at fault, never a key.
 */
export function resolveCredentialKeys(
  settings: CredentialKeySettings,
  env: NodeJS.ProcessEnv = process.env,
): CredentialKeys {
  const problems: string[] = [];
  const fingerprintKey = pickKey(
    "SYNCLINE_CONNECTIONS_FINGERPRINT_KEY",
    settings.fingerprintKey,
    settings.fingerprintKeyFile,
    { required: true, problems },
  );
  const rootKeys = resolveRootKeys("SYNCLINE_CONNECTIONS", settings, {
    legacyVariable: "SYNCLINE_CONNECTIONS_ENCRYPTION_KEY",
    env,
    extraProblems: problems,
  });
  if (!fingerprintKey) throw new ConfigError(problems);
  return { rootKeys, fingerprintKey };
}
