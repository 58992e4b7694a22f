import { DomainError, type ErrorKind, type FieldViolation } from "@syncline/errors";
import { folderLineage } from "../domain/source-rules.ts";
import * as secretStore from "../store/secret-store.ts";
import * as store from "../store/source-store.ts";
import type { Actor } from "./audit-log.ts";
import type { SecretSealer } from "./secret-sealer.ts";
import {
  applySecretWrites,
  type PlannedCreate,
  type PlannedDelete,
  type PlannedRewrite,
  type SecretView,
} from "./secret-writes.ts";
import { createWriteRunner, lockProject, type WriteDeps } from "./write-transaction.ts";

/** One validated, normalised write of a bulk request (`index` is its position in the request). */
export interface BulkWrite {
  readonly index: number;
  readonly operation: "create" | "update" | "delete" | "upsert";
  readonly environment: string;
  readonly path: string;
  readonly key: string;
  readonly value?: string;
  readonly comment?: string;
  readonly metadata?: Record<string, string>;
  readonly expectedVersion?: number;
}

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
        const failures: Failure[] = [];
        const fail = (w: BulkWrite, kind: ErrorKind, field: string, description: string) =>
          failures.push({ index: w.index, kind, field: `writes[${w.index}].${field}`, description });

        const environments = new Map(
          (await store.findEnvironmentsBySlug(tx, projectId, [...new Set(writes.map((w) => w.environment))])).map(
            (e) => [e.slug, e],
          ),
        );
        const creating = (w: BulkWrite) => w.operation === "create" || w.operation === "upsert";
        const wantedPaths = new Map<string, Set<string>>();
        for (const w of writes) {
          const environment = environments.get(w.environment);
          if (!environment) continue;
          const paths =
            wantedPaths.get(environment.id) ?? wantedPaths.set(environment.id, new Set()).get(environment.id)!;
          for (const path of creating(w) ? folderLineage(w.path) : [w.path]) paths.add(path);
        }
        const folderRows = await store.findFolders(
          tx,
          [...wantedPaths].map(([environmentId, paths]) => ({ environmentId, paths: [...paths] })),
        );
        const folderAt = new Map(folderRows.map((f) => [`${f.environmentId}\u0000${f.path}`, f]));
        const folderOf = (w: BulkWrite) => folderAt.get(`${environments.get(w.environment)?.id}\u0000${w.path}`);

        const existing = await secretStore.findSecretStates(
          tx,
          writes.flatMap((w) => {
            const folder = folderOf(w);
            return folder ? [{ folderId: folder.id, key: w.key }] : [];
          }),
        );
        const secretAt = new Map(existing.map((s) => [`${s.folderId}\u0000${s.key}`, s]));

        const creates: Array<{ w: BulkWrite; environmentId: string }> = [];
        const rewrites: Array<{ w: BulkWrite; current: secretStore.SecretState }> = [];
        const deletes: Array<{ w: BulkWrite; current: secretStore.SecretState }> = [];
        for (const w of writes) {
          const environment = environments.get(w.environment);
          if (!environment) {
            fail(w, "not_found", "environment", `environment "${w.environment}" not found in project ${projectId}`);
            continue;
          }
          const folder = folderOf(w);
          const current = folder && secretAt.get(`${folder.id}\u0000${w.key}`);
          const at = `${w.environment}:${w.path}`;
          if (!folder && !creating(w))
            fail(w, "not_found", "path", `folder ${w.path} not found in environment "${w.environment}"`);
          else if (w.operation === "create" && current)
            fail(w, "already_exists", "key", `secret "${w.key}" already exists in ${at}`);
          else if ((w.operation === "update" || w.operation === "delete") && !current)
            fail(w, "not_found", "key", `secret "${w.key}" not found in ${at}`);
          else if (current && w.expectedVersion !== undefined && w.expectedVersion !== current.version) {
            fail(
              w,
              "conflict",
              "expected_version",
              `secret "${w.key}" in ${at} is at version ${current.version}, not ${w.expectedVersion}`,
            );
          } else if (w.operation === "delete") deletes.push({ w, current: current! });
          else if (current) rewrites.push({ w, current });
          else creates.push({ w, environmentId: environment.id });
        }
        if (failures.length > 0) throw batchFailure(failures);

        // Missing folders (whole lineages) of the creating writes, in one statement.
        const missing = new Map<string, { projectId: string; environmentId: string; path: string }>();
        for (const { w, environmentId } of creates) {
          for (const path of folderLineage(w.path)) {
            const id = `${environmentId}\u0000${path}`;
            if (!folderAt.has(id) && !missing.has(id)) missing.set(id, { projectId, environmentId, path });
          }
        }
        for (const folder of await store.insertFolders(tx, [...missing.values()]))
          folderAt.set(`${folder.environmentId}\u0000${folder.path}`, folder);

        const values = await deps.sealer.forProjectWrite(tx, projectId);
        const keep = rewrites.filter((r) => r.w.value === undefined).map((r) => r.current.id);
        const sealed = keep.length > 0 ? await secretStore.findSealedValues(tx, keep) : new Map<string, Buffer>();
        const target = (w: BulkWrite) => ({
          folderId: folderOf(w)!.id,
          environment: w.environment,
          path: w.path,
          key: w.key,
        });
        const plannedCreates: PlannedCreate[] = creates.map(({ w }) => ({
          ...target(w),
          value: w.value ?? "",
          comment: w.comment ?? "",
          metadata: w.metadata ?? {},
        }));
        const plannedRewrites: PlannedRewrite[] = rewrites.map(({ w, current }) => ({
          ...target(w),
          current,
          value:
            w.value ??
            values.open({ secretId: current.id, version: current.version, sealedValue: sealed.get(current.id)! }),
          valueChanged: w.value !== undefined,
          comment: w.comment ?? current.comment,
          metadata: w.metadata ?? current.metadata,
        }));
        const plannedDeletes: PlannedDelete[] = deletes.map(({ w, current }) => ({ ...target(w), current }));
        const written = await applySecretWrites(tx, {
          projectId,
          actor,
          revision,
          values,
          creates: plannedCreates,
          rewrites: plannedRewrites,
          deletes: plannedDeletes,
          auditDetails: { bulk: "true" },
        });

        const byIndex = new Map<number, SecretView | DeletedSecret>();
        for (const [i, { w }] of creates.entries()) byIndex.set(w.index, written.created[i]!);
        for (const [i, { w }] of rewrites.entries()) byIndex.set(w.index, written.rewritten[i]!);
        for (const { w } of deletes) {
          byIndex.set(w.index, { deleted: true, projectId, environment: w.environment, path: w.path, key: w.key });
        }
        return { revision, secrets: writes.map((w) => byIndex.get(w.index)!) };
      });
    },
  };
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
