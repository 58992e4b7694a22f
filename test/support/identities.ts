import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { Code, createRpcClient, projectRoleToProto, RpcError, type ProjectRole, type RpcClient } from "@syncline/rpc";

/** How long test tokens live: longer than any test file. */
const TEST_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** An identity created for a test, with one token. */
export interface TestIdentity {
  readonly identityId: string;
  readonly token: string;
}

/** What `createIdentity` needs of a system: the secrets service's clients and the admin token. */
export interface IdentitySystem {
  readonly adminToken: string;
  client(service: typeof IdentityService, token?: string): RpcClient<typeof IdentityService>;
}

/**
 * Creates an identity named `name` (organisation admin when asked), gives it `projectRoles`
 * through SetProjectMember, and issues it a token — all with the system's admin token.
 */
export async function createIdentity(
  system: IdentitySystem,
  options: { name: string; organizationAdmin?: boolean; projectRoles?: Record<string, ProjectRole> },
): Promise<TestIdentity> {
  const client = system.client(IdentityService, system.adminToken);
  const { identity } = await client.createIdentity({
    name: options.name,
    organizationAdmin: options.organizationAdmin ?? false,
  });
  for (const [projectId, role] of Object.entries(options.projectRoles ?? {})) {
    await client.setProjectMember({ projectId, identityId: identity!.id, role: projectRoleToProto(role) });
  }
  const { value } = await client.createIdentityToken({
    identityId: identity!.id,
    name: "test",
    ttl: durationFromMs(TEST_TOKEN_TTL_MS),
  });
  return { identityId: identity!.id, token: value };
}

/**
 * The organisation admin `name` of a fresh system, created with the bootstrap token (or found,
 * on a database a previous system ran on), with a new token.
 */
export async function bootstrapAdmin(
  secretsAddress: string,
  bootstrapToken: string,
  name: string,
): Promise<TestIdentity> {
  const client = createRpcClient(IdentityService, { address: secretsAddress, token: bootstrapToken });
  try {
    const identityId = await client.createIdentity({ name, organizationAdmin: true }).then(
      (created) => created.identity!.id,
      async (error: unknown) => {
        if (!(error instanceof RpcError && error.code === Code.ALREADY_EXISTS)) throw error;
        return findByName(client, name);
      },
    );
    const { value } = await client.createIdentityToken({ identityId, name, ttl: durationFromMs(TEST_TOKEN_TTL_MS) });
    return { identityId, token: value };
  } finally {
    client.close();
  }
}

async function findByName(client: RpcClient<typeof IdentityService>, name: string): Promise<string> {
  let pageToken = "";
  do {
    const page = await client.listIdentities({ pageSize: 1000, pageToken });
    const found = page.identities.find((identity) => identity.name === name);
    if (found) return found.id;
    pageToken = page.nextPageToken;
  } while (pageToken);
  throw new Error(`identity "${name}" exists but is not listed`);
}
