import { destinationDescriptor, ConnectorError } from "@syncline/connectors";
import { checkKeySchema } from "@syncline/connectors/sync";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { InitialSyncBehavior } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { assertValid, checkUuid, Code, RpcError, type FieldViolation, type ServiceHandlers } from "@syncline/rpc";
import { checkEnvironmentSlug, normaliseFolderPath } from "@syncline/source-path";
import { destinationKindOf } from "../domain/destination-kind.ts";
import { checkDescription, checkSyncName } from "../domain/sync-rules.ts";
import type { SyncService } from "../service/sync-service.ts";
import { secretSyncMessage, syncRunMessage } from "./to-proto.ts";

const MAX_RUNS_PAGE = 500;

/** The public SecretSyncsService: validates every request, then calls the sync service. */
export function secretSyncsHandlers(syncs: SyncService): ServiceHandlers<typeof SecretSyncsService> {
  const byId = (id: string, field = "secret_sync_id") => assertValid(violation(field, checkUuid(id)));
  return {
    async createSecretSync(request) {
      const violations: FieldViolation[] = [
        ...violation("project_id", checkUuid(request.projectId)),
        ...violation("name", checkSyncName(request.name)),
        ...violation("description", checkDescription(request.description)),
        ...violation("source.environment", checkEnvironmentSlug(request.source?.environment ?? "")),
        ...violation("connection_id", checkUuid(request.connectionId)),
        ...violation("key_schema", checkKeySchema(request.keySchema)),
      ];
      const path = normaliseFolderPath(request.source?.path ?? "");
      if ("problem" in path) violations.push({ field: "source.path", description: path.problem });
      const config = request.destinationConfig;
      const kind = config ? destinationKindOf(config) : undefined;
      if (!config || kind === undefined) violations.push({ field: "destination_config", description: "must set exactly one destination" });
      else violations.push(...configViolations(() => destinationDescriptor(kind).parseConfig(config)));
      const behavior = request.initialSyncBehavior;
      if (!(behavior in InitialSyncBehavior)) violations.push({ field: "initial_sync_behavior", description: "unknown value" });
      assertValid(violations);
      if (behavior === InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE || behavior === InitialSyncBehavior.IMPORT_PRIORITIZE_DESTINATION) {
        throw new RpcError(Code.UNIMPLEMENTED, "initial_sync_behavior IMPORT_* is not available yet; use OVERWRITE_DESTINATION", [
          { field: "initial_sync_behavior", description: "only OVERWRITE_DESTINATION is supported in this version" },
        ]);
      }
      const row = await syncs.create({
        projectId: request.projectId,
        name: request.name,
        description: request.description,
        sourceEnvironment: request.source!.environment,
        sourcePath: "path" in path ? path.path : "/",
        connectionId: request.connectionId,
        destinationConfig: config!,
        initialSyncBehavior: InitialSyncBehavior.OVERWRITE_DESTINATION,
        keySchema: request.keySchema,
        disableSecretDeletion: request.disableSecretDeletion,
        autoSync: request.autoSync ?? true,
      });
      return { secretSync: secretSyncMessage(row) };
    },

    async getSecretSync(request) {
      byId(request.secretSyncId);
      return { secretSync: secretSyncMessage(await syncs.get(request.secretSyncId)) };
    },

    async listSecretSyncs(request) {
      assertValid(violation("project_id", checkUuid(request.projectId)));
      return { secretSyncs: (await syncs.list(request.projectId)).map(secretSyncMessage) };
    },

    async deleteSecretSync(request) {
      byId(request.secretSyncId);
      await syncs.remove(request.secretSyncId);
      return {};
    },

    async triggerSync(request) {
      byId(request.secretSyncId);
      return { run: syncRunMessage(await syncs.trigger(request.secretSyncId)) };
    },

    async listSyncRuns(request) {
      byId(request.secretSyncId);
      assertValid(violation("page_size", request.pageSize > MAX_RUNS_PAGE ? `must be at most ${MAX_RUNS_PAGE}` : undefined));
      return { runs: (await syncs.listRuns(request.secretSyncId, request.pageSize || 50)).map(syncRunMessage) };
    },
  };
}

function violation(field: string, problem: string | undefined): FieldViolation[] {
  return problem ? [{ field, description: problem }] : [];
}

/** Destination config errors come as "field: problem" from the connector's parseConfig. */
function configViolations(parse: () => unknown): FieldViolation[] {
  try {
    parse();
    return [];
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    const match = /^([a-z_.]+): (.*)$/s.exec(error.message);
    return [{ field: match?.[1] ?? "destination_config", description: match?.[2] ?? error.message }];
  }
}
