import { databaseUrl, key256, optionalStr, port, str } from "@syncline/config";
import { platformConfig } from "@syncline/service-runtime";

/** Environment variables of the secrets service (documented in services/secrets/README.md). */
export const secretsConfig = {
  ...platformConfig,
  host: str("SYNCLINE_SECRETS_HOST", { default: "127.0.0.1" }),
  port: port("SYNCLINE_SECRETS_PORT", 50051),
  databaseUrl: databaseUrl("SYNCLINE_SECRETS_DATABASE_URL"),
  /** PGlite data directory when no database URL is set; unset means in memory. */
  dataDir: optionalStr("SYNCLINE_SECRETS_DATA_DIR"),
  /** AES-256-GCM key sealing secret values at rest (64 hex characters or base64). */
  encryptionKey: key256("SYNCLINE_SECRETS_ENCRYPTION_KEY"),
} as const;
