import type { Database } from "@syncline/db";
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

/**
 * One validated, normalised secret write of a batch: a BulkWriteSecrets entry, or a single-secret
 * call of a commit group. `index` is its position in the batch; `actor`, when set, is who made
 * this write (a group mixes callers), else the batch's actor.
 */
export interface BatchWrite {
  readonly index: number;
  readonly operation: "create" | "update" | "delete" | "upsert";
  readonly environment: string;
  readonly path: string;
  readonly key: string;
  readonly value?: string;
  readonly comment?: string;
  readonly metadata?: Record<string, string>;
  readonly expectedVersion?: number;
  readonly actor?: Actor;
}

/**
 * Why a write of a batch cannot apply, found before anything is written. Each caller words it its
 * own way (bulk names `writes[i].key`, a single call names `key`).
 */
export type WriteRefusal =
  | { readonly write: BatchWrite; readonly reason: "environment_missing" | "folder_missing" }
  | { readonly write: BatchWrite; readonly reason: "secret_exists" | "secret_missing" }
  | { readonly write: BatchWrite; readonly reason: "version_mismatch"; readonly currentVersion: number };

/** What a write applied: the secret as written (value empty) and its plaintext; deletes carry none. */
export type BatchOutcome =
  | { readonly kind: "written"; readonly secret: SecretView; readonly value: string }
  | { readonly kind: "deleted" };

const creating = (w: BatchWrite) => w.operation === "create" || w.operation === "upsert";
const at = (id: string, path: string) => `${id}\u0000${path}`;

/**
 * Resolves and applies writes of one project in the caller's transaction (the project row already
 * locked, `revision` already bumped), set-based: one query per kind of row, not per write. Writes
 * that cannot apply are returned as refusals and nothing is written when there is any — unless
 * `applyAccepted` is set, in which case the others are applied and the refused ones left out (a
 * commit group: each call fails alone). Throws on database errors and folder capacity (the whole
 * batch is then refused; the caller's transaction rolls back).
 */
export async function applyBatch(
  tx: Database,
  deps: { sealer: SecretSealer },
  batch: {
    projectId: string;
    actor: Actor;
    revision: bigint;
    writes: readonly BatchWrite[];
    auditDetails?: Record<string, string>;
    applyAccepted?: boolean;
  },
): Promise<{ refusals: WriteRefusal[]; outcomes: Map<number, BatchOutcome> }> {
  const { projectId, writes } = batch;
  const environments = new Map(
    (await store.findEnvironmentsBySlug(tx, projectId, [...new Set(writes.map((w) => w.environment))])).map((e) => [
      e.slug,
      e,
    ]),
  );
  const wantedPaths = new Map<string, Set<string>>();
  for (const w of writes) {
    const environment = environments.get(w.environment);
    if (!environment) continue;
    const paths = wantedPaths.get(environment.id) ?? wantedPaths.set(environment.id, new Set()).get(environment.id)!;
    for (const path of creating(w) ? folderLineage(w.path) : [w.path]) paths.add(path);
  }
  const folderRows = await store.findFolders(
    tx,
    [...wantedPaths].map(([environmentId, paths]) => ({ environmentId, paths: [...paths] })),
  );
  const folderAt = new Map(folderRows.map((f) => [at(f.environmentId, f.path), f]));
  const folderOf = (w: BatchWrite) => folderAt.get(at(environments.get(w.environment)?.id ?? "", w.path));

  const existing = await secretStore.findSecretStates(
    tx,
    writes.flatMap((w) => {
      const folder = folderOf(w);
      return folder ? [{ folderId: folder.id, key: w.key }] : [];
    }),
  );
  const secretAt = new Map(existing.map((s) => [at(s.folderId, s.key), s]));

  const refusals: WriteRefusal[] = [];
  const creates: Array<{ w: BatchWrite; environmentId: string }> = [];
  const rewrites: Array<{ w: BatchWrite; current: secretStore.SecretState }> = [];
  const deletes: Array<{ w: BatchWrite; current: secretStore.SecretState }> = [];
  for (const w of writes) {
    const environment = environments.get(w.environment);
    if (!environment) {
      refusals.push({ write: w, reason: "environment_missing" });
      continue;
    }
    const folder = folderOf(w);
    const current = folder && secretAt.get(at(folder.id, w.key));
    if (!folder && !creating(w)) refusals.push({ write: w, reason: "folder_missing" });
    else if (w.operation === "create" && current) refusals.push({ write: w, reason: "secret_exists" });
    else if ((w.operation === "update" || w.operation === "delete") && !current)
      refusals.push({ write: w, reason: "secret_missing" });
    else if (current && w.expectedVersion !== undefined && w.expectedVersion !== current.version)
      refusals.push({ write: w, reason: "version_mismatch", currentVersion: current.version });
    else if (w.operation === "delete") deletes.push({ w, current: current! });
    else if (current) rewrites.push({ w, current });
    else creates.push({ w, environmentId: environment.id });
  }
  const outcomes = new Map<number, BatchOutcome>();
  if (refusals.length > 0 && !batch.applyAccepted) return { refusals, outcomes };
  if (creates.length + rewrites.length + deletes.length === 0) return { refusals, outcomes };

  // Missing folders (whole lineages) of the creating writes, in one statement.
  const missing = new Map<string, { projectId: string; environmentId: string; path: string }>();
  for (const { w, environmentId } of creates) {
    for (const path of folderLineage(w.path)) {
      const id = at(environmentId, path);
      if (!folderAt.has(id) && !missing.has(id)) missing.set(id, { projectId, environmentId, path });
    }
  }
  for (const folder of await store.insertFolders(tx, [...missing.values()]))
    folderAt.set(at(folder.environmentId, folder.path), folder);

  const values = await deps.sealer.forProjectWrite(tx, projectId);
  const keep = rewrites.filter((r) => r.w.value === undefined).map((r) => r.current.id);
  const sealed = keep.length > 0 ? await secretStore.findSealedValues(tx, keep) : new Map<string, Buffer>();
  const target = (w: BatchWrite) => ({
    folderId: folderOf(w)!.id,
    environment: w.environment,
    path: w.path,
    key: w.key,
    ...(w.actor ? { actor: w.actor } : {}),
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
      w.value ?? values.open({ secretId: current.id, version: current.version, sealedValue: sealed.get(current.id)! }),
    valueChanged: w.value !== undefined,
    comment: w.comment ?? current.comment,
    metadata: w.metadata ?? current.metadata,
  }));
  const plannedDeletes: PlannedDelete[] = deletes.map(({ w, current }) => ({ ...target(w), current }));
  const written = await applySecretWrites(tx, {
    projectId,
    actor: batch.actor,
    revision: batch.revision,
    values,
    creates: plannedCreates,
    rewrites: plannedRewrites,
    deletes: plannedDeletes,
    ...(batch.auditDetails ? { auditDetails: batch.auditDetails } : {}),
  });

  for (const [i, { w }] of creates.entries())
    outcomes.set(w.index, { kind: "written", secret: written.created[i]!, value: plannedCreates[i]!.value });
  for (const [i, { w }] of rewrites.entries())
    outcomes.set(w.index, { kind: "written", secret: written.rewritten[i]!, value: plannedRewrites[i]!.value });
  for (const { w } of deletes) outcomes.set(w.index, { kind: "deleted" });
  return { refusals, outcomes };
}
