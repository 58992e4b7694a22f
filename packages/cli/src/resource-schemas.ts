import type { DescMessage } from "@bufbuild/protobuf";
import {
  ConnectionsService,
  IdentityService,
  NotificationsService,
  SecretsService,
  SecretSyncsService,
} from "./service-registry.ts";

/** The message type of field `field` of `schema` (how resources are found from the services alone). */
function messageField(schema: DescMessage, field: string): DescMessage {
  const found = schema.fields.find((f) => f.localName === field || f.name === field);
  if (!found?.message) throw new Error(`${schema.typeName} has no message field ${field}`);
  return found.message;
}

/**
 * The resources the CLI prints, read from the service descriptors (so the CLI follows the protos
 * wherever their files are generated).
 */
export const resources = {
  project: messageField(SecretsService.method.getProject.output, "project"),
  environment: messageField(SecretsService.method.createEnvironment.output, "environment"),
  folder: messageField(SecretsService.method.createFolder.output, "folder"),
  secret: messageField(SecretsService.method.getSecret.output, "secret"),
  secretVersion: messageField(SecretsService.method.getSecretVersion.output, "version"),
  secretImport: messageField(SecretsService.method.createSecretImport.output, "secretImport"),
  auditEvent: messageField(SecretsService.method.listAuditEvents.output, "events"),
  identity: messageField(IdentityService.method.getIdentity.output, "identity"),
  identityToken: messageField(IdentityService.method.revokeIdentityToken.output, "token"),
  projectMember: messageField(IdentityService.method.setProjectMember.output, "member"),
  connection: messageField(ConnectionsService.method.getAppConnection.output, "connection"),
  app: messageField(ConnectionsService.method.listApps.output, "apps"),
  secretSync: messageField(SecretSyncsService.method.getSecretSync.output, "secretSync"),
  syncRun: messageField(SecretSyncsService.method.triggerSync.output, "run"),
  destination: messageField(SecretSyncsService.method.listDestinations.output, "destinations"),
  syncAuditEvent: messageField(SecretSyncsService.method.listSyncAuditEvents.output, "events"),
  webhookEndpoint: messageField(NotificationsService.method.getWebhookEndpoint.output, "endpoint"),
  webhookDelivery: messageField(NotificationsService.method.listWebhookDeliveries.output, "deliveries"),
} as const;
