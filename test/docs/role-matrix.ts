import { create, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { NotificationsService } from "@syncline/gen/syncline/notifications/v1/notifications_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import {
  authorizeCall,
  projectRoles,
  type IdentityPrincipal,
  type MethodAccess,
  type ProjectRole,
  type ServiceAccess,
} from "@syncline/rpc";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { IdentityVerificationService } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SyncRunCoordinationService } from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { connectionsAccess, credentialsAccess } from "../../services/connections/src/rpc/connections-access.ts";
import { identityAccess, identityVerificationAccess } from "../../services/secrets/src/rpc/identity-access.ts";
import { secretsAccess, snapshotAccess } from "../../services/secrets/src/rpc/secrets-access.ts";
import {
  coordinationAccess,
  notificationsAccess,
  secretSyncsAccess,
} from "../../services/sync-orchestrator/src/rpc/orchestrator-access.ts";

/** The project every sample request addresses (resolvers are stubbed to answer it). */
const PROJECT = "00000000-0000-4000-8000-000000000001";

/** A public service and its access table, with resolvers that answer PROJECT for any resource. */
export interface ServiceTable {
  readonly service: DescService;
  readonly access: ServiceAccess<DescService>;
}

/** The public services' tables, in the order of the docs. */
export function publicServiceTables(): ServiceTable[] {
  const stub = async () => PROJECT;
  return [
    { service: SecretsService, access: secretsAccess },
    { service: ConnectionsService, access: connectionsAccess({ ofConnection: stub }) },
    { service: SecretSyncsService, access: secretSyncsAccess({ ofSync: stub }) },
    { service: NotificationsService, access: notificationsAccess({ ofEndpoint: stub }) },
    { service: IdentityService, access: identityAccess },
  ] as ServiceTable[];
}

/** The internal services' tables: service credentials only. */
export function internalServiceTables(): ServiceTable[] {
  return [
    { service: SourceSnapshotService, access: snapshotAccess },
    { service: CredentialsService, access: credentialsAccess },
    { service: SyncRunCoordinationService, access: coordinationAccess },
    { service: IdentityVerificationService, access: identityVerificationAccess },
  ] as ServiceTable[];
}

const identity = (role?: ProjectRole, organizationAdmin = false): IdentityPrincipal => ({
  kind: "identity",
  identityId: "matrix",
  name: "matrix",
  tokenId: "matrix",
  organizationAdmin,
  projectRoles: new Map(role ? [[PROJECT, role]] : []),
});

/** The weakest identity `access` admits for `request`: "any identity", a role, "organisation admin" or "—". */
export async function weakestIdentity(access: MethodAccess, request: unknown): Promise<string> {
  const signal = new AbortController().signal;
  const admits = (principal: IdentityPrincipal) =>
    authorizeCall(principal, access, request, "matrix", signal).then(
      () => true,
      () => false,
    );
  if (await admits(identity())) return "any identity";
  for (const role of projectRoles) if (await admits(identity(role))) return role;
  return (await admits(identity(undefined, true))) ? "organisation admin" : "—";
}

/** A request of `input` addressing PROJECT where it has a `project_id`, and with `overrides`. */
function sampleRequest(input: DescMessage, overrides: Record<string, unknown> = {}): unknown {
  const projectField = input.fields.some((field) => field.localName === "projectId") ? { projectId: PROJECT } : {};
  return create(input, { ...projectField, ...overrides } as never);
}

/**
 * What `method` needs of an identity: the weakest identity for a default request, and for each
 * boolean flag that raises it (e.g. `include_values`), what it needs with the flag set.
 */
async function identityCell(access: MethodAccess, input: DescMessage): Promise<string> {
  const base = await weakestIdentity(access, sampleRequest(input));
  const raised: string[] = [];
  for (const field of input.fields) {
    if (field.fieldKind !== "scalar" || typeof create(input)[field.localName as never] !== "boolean") continue;
    const flagged = await weakestIdentity(access, sampleRequest(input, { [field.localName]: true }));
    if (flagged !== base) raised.push(`${flagged} with \`${field.name}\``);
  }
  return [base, ...raised].join("; ");
}

/** The Markdown role matrix of `tables`: one table per service, one row per RPC. */
export async function roleMatrix(
  tables: readonly ServiceTable[] = [...publicServiceTables(), ...internalServiceTables()],
): Promise<string> {
  const sections: string[] = [];
  for (const { service, access } of tables) {
    const rows = [
      "| RPC | Identity needs (in the addressed project) | Services (own credential), bootstrap token |",
      "| --- | --- | --- |",
    ];
    for (const method of service.methods) {
      const rule = (access as Record<string, MethodAccess>)[method.localName]!;
      const services = [...(rule.services ?? []), ...(rule.bootstrap ? ["bootstrap token"] : [])];
      rows.push(`| ${method.name} | ${await identityCell(rule, method.input)} | ${services.join(", ") || "—"} |`);
    }
    sections.push(`#### ${service.name}\n\n${rows.join("\n")}`);
  }
  return `${sections.join("\n\n")}\n`;
}
