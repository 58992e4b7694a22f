import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { Code, createRpcClient, type ClientTls, type RpcError } from "@syncline/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { createWorkerTestProject } from "../integration/helpers/worker-system.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * The whole system with its transport secured as docs/transport-security.md describes: every gRPC
 * server requires a client certificate of the deployment's CA, every service calls the others
 * over mutual TLS, and each connects to a TLS-only NATS as its own user with least-privilege
 * permissions. A change must still travel secrets → outbox → JetStream → orchestrator → worker → Vault.
 */
const system = useSystem(
  { name: "transport-security-e2e", services: allServices, transportSecurity: true },
  { timeoutMs: 300_000 }, // four processes on a loaded CI machine; the start is not what is tested
);
let projectId: string;
let connectionId: string;
const env = "dev";

beforeAll(async () => {
  ({ projectId, connectionId } = await createWorkerTestProject(system, "tls", env));
}, 120_000);

/** The status code of listing secrets at each service process's address over `tls`. */
async function listingCode(address: string, tls: ClientTls | undefined): Promise<Code> {
  const client = createRpcClient(SecretsService, { address, token: system.adminToken, tls, deadlineMs: 10_000 });
  try {
    await client.listSecrets({ projectId, environment: env, path: "/tls" });
    return Code.OK;
  } catch (error) {
    return (error as RpcError).code;
  } finally {
    client.close();
  }
}

describe("a system on mutual TLS and NATS users", () => {
  it("propagates a secret change to Vault", async () => {
    await system.secrets.createSecret({ projectId, environment: env, path: "/tls", key: "DB_PASSWORD", value: "v1" });
    await system.syncs.createSecretSync({
      projectId,
      name: "tls-to-vault",
      source: { environment: env, path: "/tls" },
      connectionId,
      destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: "apps/tls" } } },
      keySchema: "",
      disableSecretDeletion: false,
    });
    await eventually(() => (system.vault.read("secret", "apps/tls")?.DB_PASSWORD === "v1" ? true : undefined));
    await system.secrets.updateSecret({ projectId, environment: env, path: "/tls", key: "DB_PASSWORD", value: "v2" });
    await eventually(() => (system.vault.read("secret", "apps/tls")?.DB_PASSWORD === "v2" ? true : undefined));
  });

  it("refuses callers without TLS or without a client certificate of the deployment's CA", async () => {
    const { clientTls } = system.transport;
    const address = system.services.secrets.address;
    expect(await listingCode(address, clientTls)).toBe(Code.OK);
    expect(await listingCode(address, undefined)).toBe(Code.UNAVAILABLE);
    expect(await listingCode(address, { caFile: clientTls.caFile })).toBe(Code.UNAVAILABLE);
    for (const name of ["connections", "orchestrator", "worker"] as const) {
      expect(await listingCode(system.services[name].address, undefined), name).toBe(Code.UNAVAILABLE);
    }
  });
});
