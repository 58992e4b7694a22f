import type { DescService } from "@bufbuild/protobuf";
import { Health } from "@syncline/gen/grpc/health/v1/health_pb.js";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { IdentityVerificationService } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import { NotificationsService } from "@syncline/gen/syncline/notifications/v1/notifications_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { SyncRunCoordinationService } from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";

/** The three processes that serve the API; each has its own address setting. */
export type Endpoint = "secrets" | "connections" | "orchestrator";

/** Where each gRPC service is served. One line per service: a new service is one more line here. */
export const serviceEndpoints: ReadonlyArray<readonly [DescService, Endpoint]> = [
  [SecretsService, "secrets"],
  [IdentityService, "secrets"],
  [SourceSnapshotService, "secrets"],
  [IdentityVerificationService, "secrets"],
  [ConnectionsService, "connections"],
  [CredentialsService, "connections"],
  [SecretSyncsService, "orchestrator"],
  [SyncRunCoordinationService, "orchestrator"],
  [NotificationsService, "orchestrator"],
  [Health, "secrets"],
];

/** The endpoint serving `service` (the secrets service for one not listed). */
export function endpointOf(service: DescService): Endpoint {
  return serviceEndpoints.find(([candidate]) => candidate.typeName === service.typeName)?.[1] ?? "secrets";
}

/** A service by its short (`SecretsService`) or full (`syncline.secrets.v1.SecretsService`) name. */
export function findService(name: string): DescService | undefined {
  return serviceEndpoints.map(([service]) => service).find((s) => s.typeName === name || s.name === name);
}

export { ConnectionsService, IdentityService, NotificationsService, SecretsService, SecretSyncsService };
