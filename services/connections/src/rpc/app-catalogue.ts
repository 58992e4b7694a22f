import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AppDescriptor, CredentialField, DestinationDescriptor } from "@syncline/connectors";
import type { AppInfoSchema } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";

/** One ListApps entry as the handler returns it. */
export type AppInfo = MessageInitShape<typeof AppInfoSchema>;

/**
 * The ListApps catalogue, built from the registries alone: every app with its common credential
 * fields, its auth methods and the fields each needs (`AppDescriptor.docs`), and the destinations
 * whose descriptors accept its connections. Apps in enum order; nothing here reads a credential.
 */
export function appCatalogue(
  apps: readonly AppDescriptor[],
  destinations: readonly DestinationDescriptor[],
): AppInfo[] {
  return [...apps]
    .sort((a, b) => a.app - b.app)
    .map((app) => ({
      app: app.app,
      name: app.name,
      credentialsField: snakeCase(app.credentialsCase),
      summary: app.docs.summary,
      fields: app.docs.credentialFields.map(fieldInfo),
      authMethods: app.docs.authMethods.map((method) => ({
        method: method.method,
        description: method.description,
        fields: method.fields.map(fieldInfo),
      })),
      destinations: destinations
        .filter((destination) => destination.app === app.app)
        .sort((a, b) => a.destination - b.destination)
        .map((destination) => ({
          destination: `DESTINATION_${Destination[destination.destination]}`,
          name: destination.name,
          configField: snakeCase(destination.configCase),
        })),
    }));
}

function fieldInfo(field: CredentialField) {
  return { name: field.name, description: field.description, required: field.required, secret: field.secret };
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
