import { int, optionalStr, port, str } from "@syncline/config";
import { endpointAllowlistField } from "@syncline/connectors";
import { platformConfig, serviceTokenConfig } from "@syncline/service-runtime";

/** Environment variables of the connector worker (documented in its README). */
export const workerConfig = {
  ...platformConfig,
  ...serviceTokenConfig,
  host: str("SYNCLINE_WORKER_HOST", { default: "127.0.0.1" }),
  /** gRPC health endpoint of the worker. */
  port: port("SYNCLINE_WORKER_PORT", 50054),
  secretsAddress: str("SYNCLINE_SECRETS_ADDRESS", { default: "127.0.0.1:50051" }),
  connectionsAddress: str("SYNCLINE_CONNECTIONS_ADDRESS", { default: "127.0.0.1:50052" }),
  orchestratorAddress: str("SYNCLINE_ORCHESTRATOR_ADDRESS", { default: "127.0.0.1:50053" }),
  /** Run requests handled at once by this process. */
  concurrency: int("SYNCLINE_WORKER_CONCURRENCY", { default: 16, min: 1, max: 256 }),
  /** Destination calls at once per connection, across all runs of this process. */
  connectionConcurrency: int("SYNCLINE_WORKER_CONNECTION_CONCURRENCY", { default: 4, min: 1, max: 64 }),
  /** Plan requests answered at once by this process. */
  planConcurrency: int("SYNCLINE_WORKER_PLAN_CONCURRENCY", { default: 4, min: 1, max: 64 }),
  /** Names this process to the orchestrator (leases); defaults to host name and process id. */
  workerId: optionalStr("SYNCLINE_WORKER_ID"),
  /** On SIGTERM, how long in-flight runs may finish before they are aborted and handed back. */
  drainMs: int("SYNCLINE_WORKER_DRAIN_MS", { default: 20_000, min: 0, max: 600_000 }),
  maxAttempts: int("SYNCLINE_WORKER_MAX_ATTEMPTS", { default: 10, min: 1, max: 1000 }),
  /** Deadline of one destination call (one provider request), which is aborted when it passes. */
  breakerTimeoutMs: int("SYNCLINE_BREAKER_TIMEOUT_MS", { default: 10_000, min: 100 }),
  breakerResetMs: int("SYNCLINE_BREAKER_RESET_MS", { default: 10_000, min: 100 }),
  /** Internal endpoints connectors may call (CIDRs, addresses, host names); parsed here so a malformed list fails start-up. */
  endpointAllowlist: endpointAllowlistField(),
} as const;
