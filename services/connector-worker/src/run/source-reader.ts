import { ConnectorError } from "@syncline/connectors";
import type {
  SnapshotSecret,
  SourceSnapshotHeader,
  SourceSnapshotService,
} from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { RUN_GRANT_METADATA, type RpcClient } from "@syncline/rpc";
import { sizeLimitFailure } from "./internal-limits.ts";

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

/** A streamed snapshot of any size normally takes seconds; this only bounds a hung secrets service. */
const SNAPSHOT_DEADLINE_MS = 120_000;

/**
 * Reads the sync's current source snapshot (the whole subtree when `source.recursive`) and refuses
 * what must not reach a destination: a missing folder (the destination stays as it is), a key
 * defined in more than one folder, and references that cannot be expanded — each named so a
 * person can fix it. Messages carry keys and paths, never values. The snapshot is streamed
 * (`StreamSourceSnapshot`: a header, then chunks of at most ~1 MiB), so no source is too large
 * for the worker's gRPC receive limit; one that arrives incomplete is refused (transient). The
 * read carries the run's `grant`, without which the secrets service refuses it.
 */
export async function readSource(
  snapshots: RpcClient<typeof SourceSnapshotService>,
  sync: SecretSync,
  grant: string,
  signal?: AbortSignal,
): Promise<SourceState> {
  const environment = sync.source?.environment ?? "";
  const path = sync.source?.path ?? "/";
  const recursive = sync.source?.recursive ?? false;
  const request = { projectId: sync.projectId, environment, path, recursive };
  let header: SourceSnapshotHeader | undefined;
  const secrets = new Map<string, SnapshotSecret>();
  try {
    const metadata = { [RUN_GRANT_METADATA]: grant };
    const options = { deadlineMs: SNAPSHOT_DEADLINE_MS, metadata, ...(signal ? { signal } : {}) };
    for await (const message of snapshots.streamSourceSnapshot(request, options)) {
      if (message.part.case === "header" && !header) {
        header = message.part.value;
        if (!header.sourceExists) break;
        checkSnapshot(header);
      } else if (message.part.case === "chunk" && header) {
        for (const secret of message.part.value.secrets) {
          // The secrets service reports collisions itself; this guards against a snapshot that
          // repeats a key anyway.
          const earlier = secrets.get(secret.key);
          if (earlier) {
            throw collisionError([{ key: secret.key, paths: [earlier.path || path, secret.path || path] }]);
          }
          secrets.set(secret.key, secret);
        }
      } else {
        const where = header ? "after" : "before";
        const what = `a ${message.part.case ?? "empty"} message ${where} its header`;
        throw new ConnectorError("transient", `the snapshot of ${environment}:${path} arrived out of order (${what})`);
      }
    }
  } catch (error) {
    const advice =
      "snapshots stream in messages of at most 1 MiB, so something between the worker and the secrets service " +
      "limits gRPC messages below that";
    throw sizeLimitFailure(error, `reading the source ${environment}:${path}`, advice) ?? error;
  }
  if (!header) {
    throw new ConnectorError("transient", `the snapshot of ${environment}:${path} ended before its header`);
  }
  if (!header.sourceExists) {
    const missing = `the source folder ${environment}:${path} does not exist; the destination was left unchanged`;
    throw new ConnectorError("not_found", missing);
  }
  if (secrets.size !== header.secretCount) {
    const received = `ended after ${secrets.size} of ${header.secretCount} secrets`;
    throw new ConnectorError(
      "transient",
      `the snapshot of ${environment}:${path} at revision ${header.revision} ${received}`,
    );
  }
  return { environment, path, recursive, revision: header.revision, secrets };
}

/** The values of a source by key, as a push writes them. */
export function sourceValues(source: SourceState): Map<string, string> {
  return new Map([...source.secrets].map(([key, secret]) => [key, secret.value]));
}

function checkSnapshot(snapshot: SourceSnapshotHeader): void {
  if (snapshot.collisions.length > 0) throw collisionError(snapshot.collisions);
  if (snapshot.referenceProblems.length > 0) {
    const problems = snapshot.referenceProblems;
    throw new ConnectorError(
      "invalid_config",
      `the source has references that cannot be expanded: ${problems
        .slice(0, LISTED)
        .map((p) => p.slice(0, 200))
        .join("; ")}${more(problems.length)}; fix them and run the sync again`,
    );
  }
}

function collisionError(collisions: ReadonlyArray<{ key: string; paths: readonly string[] }>): ConnectorError {
  const named = collisions
    .slice(0, LISTED)
    .map((c) => `${c.key.slice(0, 100)} (in ${c.paths.map((p) => p.slice(0, 200)).join(", ")})`);
  return new ConnectorError(
    "invalid_config",
    `keys defined in more than one folder of the recursive source: ${named.join("; ")}${more(collisions.length)}; rename or remove one of each so every key is defined once`,
  );
}

const more = (count: number) => (count > LISTED ? ` and ${count - LISTED} more` : "");
