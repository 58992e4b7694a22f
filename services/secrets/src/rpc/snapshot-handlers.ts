import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import type { SourceService } from "../service/source-service.ts";
import { createChecks, readAddress } from "./request-checks.ts";

/** The internal SourceSnapshotService, for connector workers only. */
export function snapshotHandlers(source: SourceService): ServiceHandlers<typeof SourceSnapshotService> {
  return {
    async getSourceSnapshot(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.done();
      const snapshot = await source.snapshot(address);
      return {
        revision: snapshot.revision,
        sourceExists: snapshot.exists,
        secrets: snapshot.secrets.map((secret) => ({ key: secret.key, value: secret.value })),
      };
    },
  };
}
