import { appOfCredentials, ConnectorError, exampleCredentialsField, type AppDescriptor } from "@syncline/connectors";
import type { FieldViolation } from "@syncline/errors";
import type { App, ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";

/**
 * The rules of a connection that are not field rules. Field rules (ids, name, description, the
 * shape of each app's credentials) are `buf.validate` annotations in
 * `proto/syncline/connections/v1/*.proto`, applied at the RPC edge before a handler runs; what stays
 * here needs several fields at once or the app's registry entry.
 */

/** An update must change something: name, description or credentials. */
export function updateViolations(request: {
  readonly name?: string;
  readonly description?: string;
  readonly credentials?: ConnectionCredentials;
}): FieldViolation[] {
  return request.name === undefined && request.description === undefined && !request.credentials
    ? [{ field: "name", description: "set name, description or credentials (nothing to update)" }]
    : [];
}

/**
 * What the app's registry entry refuses in credentials (field names like
 * `credentials.<app>.<field>`), and the app they are for (undefined when refused as a whole).
 */
export function credentialViolations(
  credentials: ConnectionCredentials,
  describeApp: (app: App) => AppDescriptor,
): { app: App | undefined; violations: FieldViolation[] } {
  const app = appOfCredentials(credentials)?.app;
  if (app === undefined) {
    return {
      app,
      violations: [
        {
          field: "credentials",
          description: `is required: set the credentials of one app, e.g. ${exampleCredentialsField()}`,
        },
      ],
    };
  }
  try {
    return { app, violations: describeApp(app).checkCredentials(credentials) };
  } catch (error) {
    const description = error instanceof ConnectorError ? error.message : "names an app this Syncline does not support";
    return { app: undefined, violations: [{ field: "credentials", description }] };
  }
}
