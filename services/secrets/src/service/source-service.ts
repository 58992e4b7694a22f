import type { Database } from "@syncline/db";
import { createAuditReader } from "./audit-log.ts";
import { createBulkWriter } from "./bulk-write.ts";
import { createFolderService } from "./folder-service.ts";
import { createProjectService } from "./project-service.ts";
import type { SecretSealer } from "./secret-sealer.ts";
import { createSecretService } from "./secret-service.ts";
export type { SecretAddress } from "./write-transaction.ts";
export type { SecretView } from "./secret-writes.ts";
/** Stored rows the use cases return as they are; rpc/ maps them to messages. */
export type { AuditRow } from "../store/audit-store.ts";
export type { EnvironmentRow, FolderRow, ProjectRow } from "../store/source-store.ts";

/**
 * The secrets service's use cases, composed from one module per area. Inputs are validated and
 * normalised by the rpc layer; every write runs in one transaction that bumps the project
 * revision, records its change events in the outbox and its audit entries, then kicks the relay.
 */
export function createSourceService(deps: {
  db: Database;
  sealer: SecretSealer;
  afterCommit: () => void;
  /** Group commit of single-secret writes (SYNCLINE_SECRETS_GROUP_COMMIT); default on. */
  groupCommit?: boolean;
}) {
  return {
    ...createProjectService(deps),
    ...createFolderService(deps),
    ...createSecretService(deps),
    ...createBulkWriter(deps),
    ...createAuditReader(deps),
  };
}

export type SourceService = ReturnType<typeof createSourceService>;
