import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import type { SourceSnapshots } from "../service/source-snapshot.ts";
import { createChecks, readAddress } from "./request-checks.ts";

/** The internal SourceSnapshotService, for connector workers only (service credential). */
export function snapshotHandlers(snapshots: SourceSnapshots): ServiceHandlers<typeof SourceSnapshotService> {
  return {
    async getSourceSnapshot(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.done();
      const snapshot = await snapshots.read({ ...address, recursive: request.recursive });
      return {
        revision: snapshot.revision,
        sourceExists: snapshot.exists,
        secrets: snapshot.secrets.map((s) => ({ key: s.key, value: s.value, path: s.path, environment: s.environment, metadata: s.metadata })),
        collisions: snapshot.collisions.map((c) => ({ key: c.key, paths: c.paths })),
        referenceProblems: [...snapshot.referenceProblems],
      };
    },
  };
}
