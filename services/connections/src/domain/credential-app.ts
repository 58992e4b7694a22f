import { App, type ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";

type CredentialsCase = NonNullable<ConnectionCredentials["app"]["case"]>;

/**
 * The app each `ConnectionCredentials` oneof case belongs to. Typed over the oneof, so a new app
 * in the proto without an entry here does not compile.
 */
const appByCase: Record<CredentialsCase, Exclude<App, App.UNSPECIFIED>> = {
  vault: App.HASHICORP_VAULT,
  github: App.GITHUB,
};

/** The app the credentials are for, or undefined when no oneof case is set. */
export function appOf(credentials: ConnectionCredentials | undefined): Exclude<App, App.UNSPECIFIED> | undefined {
  const credentialsCase = credentials?.app.case;
  return credentialsCase === undefined ? undefined : appByCase[credentialsCase];
}
