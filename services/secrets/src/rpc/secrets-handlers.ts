import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { RunGrantVerifier, ServiceHandlers } from "@syncline/rpc";
import type { SourceService } from "../service/source-service.ts";
import { auditHandlers } from "./audit-handlers.ts";
import { compositionHandlers, type CompositionDeps } from "./composition-handlers.ts";
import { bulkHandlers } from "./bulk-handlers.ts";
import { folderHandlers } from "./folder-handlers.ts";
import { projectHandlers } from "./project-handlers.ts";
import { secretHandlers } from "./secret-handlers.ts";

/**
 * The public SecretsService, composed from one handler module per area; each validates its
 * requests (INVALID_ARGUMENT naming every field) before calling the source service.
 */
export function secretsHandlers(
  source: SourceService,
  composition: CompositionDeps,
  grants: RunGrantVerifier,
): ServiceHandlers<typeof SecretsService> {
  return {
    ...projectHandlers(source),
    ...folderHandlers(source),
    ...secretHandlers(source),
    ...bulkHandlers(source, grants),
    ...auditHandlers(source),
    ...compositionHandlers(composition),
  };
}
