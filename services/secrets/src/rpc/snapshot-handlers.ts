import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { permissionDenied } from "@syncline/errors";
import {
  grantCoversSource,
  requireWorkerGrant,
  type CallContext,
  type RunGrantVerifier,
  type ServiceHandlers,
} from "@syncline/rpc";
import { chunkSnapshot } from "../service/snapshot-chunks.ts";
import type { SnapshotEntry, SourceSnapshots } from "../service/source-snapshot.ts";
import { addressOf } from "./source-address.ts";

type SnapshotRequest = { projectId: string; environment: string; path: string; recursive: boolean };

/**
 * The internal SourceSnapshotService, for connector workers only (service credential), and only
 * for a source inside their run grant's (docs/least-privilege.md): PERMISSION_DENIED otherwise,
 * before anything is read. `StreamSourceSnapshot` reads the snapshot once (one transaction, one
 * revision), sends its header, then builds each chunk message only when the stream has room for it.
 */
export function snapshotHandlers(
  snapshots: SourceSnapshots,
  grants: RunGrantVerifier,
): ServiceHandlers<typeof SourceSnapshotService> {
  const read = async (request: SnapshotRequest, context: CallContext, method: string) => {
    const grant = await requireWorkerGrant(grants, context, method);
    const source = { ...addressOf(request), recursive: request.recursive };
    if (!grantCoversSource(grant, source)) {
      throw permissionDenied("the run grant does not cover this source; a run reads only its sync's source");
    }
    return snapshots.read(source);
  };
  return {
    async getSourceSnapshot(request, context) {
      const snapshot = await read(request, context, "GetSourceSnapshot");
      return {
        revision: snapshot.revision,
        sourceExists: snapshot.exists,
        secrets: snapshot.secrets.map(secretMessage),
        collisions: snapshot.collisions.map((c) => ({ key: c.key, paths: c.paths })),
        referenceProblems: [...snapshot.referenceProblems],
      };
    },
    async *streamSourceSnapshot(request, context) {
      const snapshot = await read(request, context, "StreamSourceSnapshot");
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
