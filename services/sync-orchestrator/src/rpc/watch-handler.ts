import { create, equals } from "@bufbuild/protobuf";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { SecretSyncSchema, type SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { isDomainError, notFound } from "@syncline/errors";
import type { ServiceHandlers } from "@syncline/rpc";
import type { SyncService } from "../service/sync-service.ts";
import type { SyncWatchers } from "../service/sync-watchers.ts";
import { secretSyncMessage } from "./to-proto.ts";

/**
 * WatchSecretSync: the sync now, then again after every change of its configuration or of a
 * status (changes made on this replica wake the stream at once; others within the poll interval),
 * until the client cancels. A sync deleted while watched ends the stream with NOT_FOUND.
 */
export function watchSecretSync(deps: {
  syncs: SyncService;
  watchers: SyncWatchers;
}): ServiceHandlers<typeof SecretSyncsService>["watchSecretSync"] {
  return async function* (request, context) {
    let last: SecretSync = create(SecretSyncSchema, secretSyncMessage(await deps.syncs.get(request.secretSyncId)));
    yield { secretSync: last };
    for await (const _ of deps.watchers.changes(request.secretSyncId, context.signal)) {
      const current = await deps.syncs.get(request.secretSyncId).catch((error: unknown) => {
        if (isDomainError(error, "not_found"))
          throw notFound(`secret sync ${request.secretSyncId} (deleted while watched)`);
        throw error;
      });
      const next = create(SecretSyncSchema, secretSyncMessage(current));
      if (equals(SecretSyncSchema, next, last)) continue;
      last = next;
      yield { secretSync: next };
    }
  };
}
