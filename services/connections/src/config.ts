import { databaseUrl, key256, optionalStr, port, str } from "@syncline/config";
import { endpointAllowlistField } from "@syncline/connectors";
import { platformConfig } from "@syncline/service-runtime";

/** Environment variables of the connections service (documented in services/connections/README.md). */
export const connectionsConfig = {
  ...platformConfig,
  host: str("SYNCLINE_CONNECTIONS_HOST", { default: "127.0.0.1" }),
  port: port("SYNCLINE_CONNECTIONS_PORT", 50052),
  databaseUrl: databaseUrl("SYNCLINE_CONNECTIONS_DATABASE_URL"),
  /** PGlite data directory when no database URL is set; unset means in memory. */
  dataDir: optionalStr("SYNCLINE_CONNECTIONS_DATA_DIR"),
  /** AES-256-GCM key sealing connection credentials at rest (64 hex characters or base64); the fingerprint key is derived from it. */
  encryptionKey: key256("SYNCLINE_CONNECTIONS_ENCRYPTION_KEY"),
  /** Internal endpoints connectors may call (CIDRs, addresses, host names); parsed here so a malformed list fails start-up. */
  endpointAllowlist: endpointAllowlistField(),
} as const;
