import { DomainError, type ErrorKind, type FieldViolation } from "@syncline/errors";
import type { Actor } from "./audit-log.ts";
import type { SecretSealer } from "./secret-sealer.ts";
import { applyBatch, type BatchWrite, type WriteRefusal } from "./secret-write-batch.ts";
import type { SecretView } from "./secret-writes.ts";
import { createWriteRunner, lockProject, type WriteDeps } from "./write-transaction.ts";

/** One validated, normalised write of a bulk request (`index` is its position in the request). */
export type BulkWrite = BatchWrite;

/** A deleted secret in a bulk response: its address and key only. */
export interface DeletedSecret {
  readonly deleted: true;
  readonly projectId: string;
  readonly environment: string;
  readonly path: string;
  readonly key: string;
}

/** How many refused writes an error names (the status details must fit gRPC trailers). */
const REPORTED_FAILURES = 20;

interface Failure {
  readonly index: number;
  readonly kind: ErrorKind;
  readonly field: string;
  readonly description: string;
}

/**
 * BulkWriteSecrets: creates, updates, upserts and deletes secrets across folders of one project,
 * all or nothing — one project revision, one change event per affected folder, every write
 * versioned and audited. Resolution is set-based (a query per kind of row, not per write), and
 * any write that cannot apply (not found, already exists, conflict) fails the batch naming it.
 */
export function createBulkWriter(deps: WriteDeps & { sealer: SecretSealer }) {
  const write = createWriteRunner(deps);

  return {
    async bulkWriteSecrets(
      actor: Actor,
      projectId: string,
      writes: readonly BulkWrite[],
    ): Promise<{ revision: bigint; secrets: Array<SecretView | DeletedSecret> }> {
      return write("secrets.bulk_write", async (tx) => {
        const revision = await lockProject(tx, projectId);
        const { refusals, outcomes } = await applyBatch(tx, deps, {
          projectId,
          actor,
          revision,
          writes,
          auditDetails: { bulk: "true" },
        });
        if (refusals.length > 0) throw batchFailure(refusals.map((r) => bulkFailure(projectId, r)));
        return {
          revision,
          secrets: writes.map((w): SecretView | DeletedSecret => {
            const outcome = outcomes.get(w.index)!;
            return outcome.kind === "written"
              ? outcome.secret
              : { deleted: true, projectId, environment: w.environment, path: w.path, key: w.key };
          }),
        };
      });
    },
  };
}

/** A refused write of a bulk request, naming its field as `writes[i].<field>`. */
function bulkFailure(projectId: string, refusal: WriteRefusal): Failure {
  const w = refusal.write;
  const where = `${w.environment}:${w.path}`;
  const failure = (kind: ErrorKind, field: string, description: string): Failure => ({
    index: w.index,
    kind,
    field: `writes[${w.index}].${field}`,
    description,
  });
  switch (refusal.reason) {
    case "environment_missing":
      return failure("not_found", "environment", `environment "${w.environment}" not found in project ${projectId}`);
    case "folder_missing":
      return failure("not_found", "path", `folder ${w.path} not found in environment "${w.environment}"`);
    case "secret_exists":
      return failure("already_exists", "key", `secret "${w.key}" already exists in ${where}`);
    case "secret_missing":
      return failure("not_found", "key", `secret "${w.key}" not found in ${where}`);
    case "version_mismatch":
      return failure(
        "conflict",
        "expected_version",
        `secret "${w.key}" in ${where} is at version ${refusal.currentVersion}, not ${w.expectedVersion}`,
      );
  }
}

/** The batch's error: the kind of its first refused write, naming every refused write (up to a cap). */
function batchFailure(failures: readonly Failure[]): DomainError {
  const sorted = [...failures].sort((a, b) => a.index - b.index);
  const first = sorted[0]!;
  const violations: FieldViolation[] = sorted
    .slice(0, REPORTED_FAILURES)
    .map((f) => ({ field: f.field, description: f.description }));
  const more =
    sorted.length > REPORTED_FAILURES ? ` (and ${sorted.length - REPORTED_FAILURES} more refused writes)` : "";
  return new DomainError(
    first.kind,
    `nothing was written: ${first.field}: ${first.description}${sorted.length > 1 ? `; ${sorted.length} writes refused in all${more}` : ""}`,
    { violations },
  );
}
