import { secret, str } from "@syncline/config";

/** Configuration every Syncline process shares: the caller credentials and the NATS servers. */
export const platformConfig = {
  /** Bootstrap admin token for the external APIs. */
  adminToken: secret("SYNCLINE_ADMIN_TOKEN"),
  /** Credential of Syncline's own services for the internal APIs. */
  internalToken: secret("SYNCLINE_INTERNAL_TOKEN"),
  /** Comma-separated NATS server URLs. */
  natsUrl: str("SYNCLINE_NATS_URL", { default: "nats://127.0.0.1:4222" }),
} as const;
