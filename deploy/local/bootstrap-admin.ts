// Makes sure the local system has an organisation admin `local-admin` with a working token, and
// prints `SYNCLINE_TOKEN=<token>` when it issued a new one (nothing when SYNCLINE_TOKEN still works).
// Reads SYNCLINE_BOOTSTRAP_TOKEN, SYNCLINE_TOKEN (optional) and SYNCLINE_SECRETS_ADDRESS; used by up.sh.
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { Code, createRpcClient, RpcError } from "@syncline/rpc";

const NAME = "local-admin";
const TOKEN_TTL_MS = 90 * 24 * 60 * 60 * 1000;
const address = process.env.SYNCLINE_SECRETS_ADDRESS ?? "127.0.0.1:50051";

const current = process.env.SYNCLINE_TOKEN;
if (current) {
  const asAdmin = createRpcClient(IdentityService, { address, token: current });
  const works = await asAdmin.getCallerIdentity({}).then(
    () => true,
    (error: unknown) => {
      if (error instanceof RpcError && error.code === Code.UNAUTHENTICATED) return false;
      throw error;
    },
  );
  asAdmin.close();
  if (works) process.exit(0);
}

const bootstrap = createRpcClient(IdentityService, { address, token: process.env.SYNCLINE_BOOTSTRAP_TOKEN ?? "" });
try {
  const identityId = await bootstrap.createIdentity({ name: NAME, organizationAdmin: true }).then(
    (created) => created.identity!.id,
    async (error: unknown) => {
      if (!(error instanceof RpcError && error.code === Code.ALREADY_EXISTS)) throw error;
      const { identities } = await bootstrap.listIdentities({ pageSize: 1000 });
      return identities.find((identity) => identity.name === NAME)!.id;
    },
  );
  const name = `up-${new Date().toISOString().slice(0, 10)}`;
  const { value } = await bootstrap.createIdentityToken({ identityId, name, ttl: durationFromMs(TOKEN_TTL_MS) });
  console.log(`SYNCLINE_TOKEN=${value}`);
} finally {
  bootstrap.close();
}
