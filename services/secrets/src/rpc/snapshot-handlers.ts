import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { chunkSnapshot } from "../service/snapshot-chunks.ts";
import type { SnapshotEntry, SourceSnapshots } from "../service/source-snapshot.ts";
import { addressOf } from "./source-address.ts";

/**
 * The internal SourceSnapshotService, for connector workers only (service credential).
 * `StreamSourceSnapshot` reads the snapshot once (one transaction, one revision), sends its header,
 * then builds each chunk message only when the stream has room for it.
 */
export function snapshotHandlers(snapshots: SourceSnapshots): ServiceHandlers<typeof SourceSnapshotService> {
  const read = (request: { projectId: string; environment: string; path: string; recursive: boolean }) => {
    return snapshots.read({ ...addressOf(request), recursive: request.recursive });
  };
  return {
    async getSourceSnapshot(request) {
      const snapshot = await read(request);
      return {
        revision: snapshot.revision,
        sourceExists: snapshot.exists,
        secrets: snapshot.secrets.map(secretMessage),
        collisions: snapshot.collisions.map((c) => ({ key: c.key, paths: c.paths })),
        referenceProblems: [...snapshot.referenceProblems],
      };
    },
    async *streamSourceSnapshot(request) {
      const snapshot = await read(request);
      const header = {
        revision: snapshot.revision,
        sourceExists: snapshot.exists,
        collisions: snapshot.collisions.map((c) => ({ key: c.key, paths: c.paths })),
        referenceProblems: [...snapshot.referenceProblems],
        secretCount: snapshot.secrets.length,
      };
      yield { part: { case: "header", value: header } };
      for (const secrets of chunkSnapshot(snapshot.secrets)) {
        yield { part: { case: "chunk", value: { secrets: secrets.map(secretMessage) } } };
      }
    },
  };
}

const secretMessage = (s: SnapshotEntry) => ({
  key: s.key,
  value: s.value,
  path: s.path,
  environment: s.environment,
  metadata: s.metadata,
});
