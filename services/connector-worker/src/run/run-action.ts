import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import type { SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { SecretSync, SyncRun } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { RpcClient } from "@syncline/rpc";
import type { BreakerRegistry } from "./breaker-registry.ts";
import type { DriftKeys } from "./drift-check.ts";
import type { EarlyReads } from "./early-reads.ts";
import type { RunLease } from "./run-lease.ts";

/** The internal services and shared state a run uses. */
export interface RunSources {
  readonly snapshots: RpcClient<typeof SourceSnapshotService>;
  readonly credentials: RpcClient<typeof CredentialsService>;
  /** `BulkWriteSecrets` with the worker's credential and run grant: how imports write into the source. */
  readonly secrets: RpcClient<typeof SecretsService>;
  readonly breakers: BreakerRegistry;
}

/**
 * One claimed run: the request (only its ids are trusted), the sync and the run as the
 * orchestrator gave them in BeginSyncRun (action, trigger and import behaviour come from there),
 * and the lease held on it with its run grant.
 */
export interface RunContext {
  readonly request: SyncRunRequest;
  readonly sync: SecretSync;
  readonly run: SyncRun;
  readonly lease: RunLease;
  /** Aborted on shutdown or when the lease is lost; passed to every destination call. */
  readonly signal: AbortSignal;
  /** Reads made under the request's read grant while the run was claimed (early-reads.ts), if any. */
  readonly early?: EarlyReads;
}

/** What a finished action reports: counts by key (never values) and the source revision involved. */
export interface ActionOutcome {
  /** For a person: what was done, bounded, never a value. */
  readonly message: string;
  /** The source revision read (sync), written (import) or 0 (remove). */
  readonly sourceRevision: bigint;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  /** Drift checks only: the keys found edited at the destination (see drift-check.ts). */
  readonly drift?: DriftKeys;
  /**
   * Sync only: the destination now holds the source revision read (the diff was applied, or there was
   * none) — the moment propagation lag is measured to. False or absent when nothing was settled
   * (a refused fence, a skipped or report-only drift check, an import or a removal).
   */
  readonly written?: boolean;
}

/** One of the three actions of a sync; throws on failure (classified by failure-policy.ts). */
export type RunAction = (context: RunContext, sources: RunSources) => Promise<ActionOutcome>;
