import { ConnectorError } from "@syncline/connectors";
import type { GetSourceSnapshotResponse, SnapshotSecret, SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { RpcClient } from "@syncline/rpc";

/** The sync's source as a run sees it: one revision, every key once. */
export interface SourceState {
  readonly environment: string;
  readonly path: string;
  readonly recursive: boolean;
  /** Project revision the snapshot was read at. */
  readonly revision: bigint;
  /** By key; values are expanded (references resolved). */
  readonly secrets: ReadonlyMap<string, SnapshotSecret>;
}

const LISTED = 5;

/**
 * Reads the sync's current source snapshot (the whole subtree when `source.recursive`) and refuses
 * what must not reach a destination: a missing folder (the destination stays as it is), a key
 * defined in more than one folder, and references that cannot be expanded — each named so a
 * person can fix it. Messages carry keys and paths, never values.
 */
export async function readSource(snapshots: RpcClient<typeof SourceSnapshotService>, sync: SecretSync): Promise<SourceState> {
  const environment = sync.source?.environment ?? "";
  const path = sync.source?.path ?? "/";
  const recursive = sync.source?.recursive ?? false;
  const snapshot = await snapshots.getSourceSnapshot({ projectId: sync.projectId, environment, path, recursive });
  if (!snapshot.sourceExists) {
    throw new ConnectorError("not_found", `the source folder ${environment}:${path} does not exist; the destination was left unchanged`);
  }
  checkSnapshot(snapshot);
  const secrets = new Map<string, SnapshotSecret>();
  for (const secret of snapshot.secrets) {
    // The secrets service reports collisions itself; this guards against a snapshot that repeats a key anyway.
    const earlier = secrets.get(secret.key);
    if (earlier) throw collisionError([{ key: secret.key, paths: [earlier.path || path, secret.path || path] }]);
    secrets.set(secret.key, secret);
  }
  return { environment, path, recursive, revision: snapshot.revision, secrets };
}

/** The values of a source by key, as a push writes them. */
export function sourceValues(source: SourceState): Map<string, string> {
  return new Map([...source.secrets].map(([key, secret]) => [key, secret.value]));
}

function checkSnapshot(snapshot: GetSourceSnapshotResponse): void {
  if (snapshot.collisions.length > 0) throw collisionError(snapshot.collisions);
  if (snapshot.referenceProblems.length > 0) {
    const problems = snapshot.referenceProblems;
    throw new ConnectorError(
      "invalid_config",
      `the source has references that cannot be expanded: ${problems.slice(0, LISTED).map((p) => p.slice(0, 200)).join("; ")}${more(problems.length)}; fix them and run the sync again`,
    );
  }
}

function collisionError(collisions: ReadonlyArray<{ key: string; paths: readonly string[] }>): ConnectorError {
  const named = collisions.slice(0, LISTED).map((c) => `${c.key.slice(0, 100)} (in ${c.paths.map((p) => p.slice(0, 200)).join(", ")})`);
  return new ConnectorError(
    "invalid_config",
    `keys defined in more than one folder of the recursive source: ${named.join("; ")}${more(collisions.length)}; rename or remove one of each so every key is defined once`,
  );
}

const more = (count: number) => (count > LISTED ? ` and ${count - LISTED} more` : "");
