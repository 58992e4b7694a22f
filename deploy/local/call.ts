// Calls any Syncline RPC with a JSON request and prints the JSON response — a small grpcurl for
// trying the API by hand. Usage:
//   node deploy/local/call.ts <Service> <Method> '<json>'      e.g. SecretsService CreateProject '{"name":"demo"}'
//   node deploy/local/call.ts whoami                           the identity your token stands for
// Reads SYNCLINE_TOKEN (an identity token) and the service addresses from the environment (see
// deploy/local/up.sh, which writes the token of `local-admin` to .syncline/local.env).
import { fromJson, toJsonString, type DescService } from "@bufbuild/protobuf";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { createRpcClient, RpcError } from "@syncline/rpc";

const services: Record<string, [DescService, string]> = {
  SecretsService: [SecretsService, process.env.SYNCLINE_SECRETS_ADDRESS ?? "127.0.0.1:50051"],
  IdentityService: [IdentityService, process.env.SYNCLINE_SECRETS_ADDRESS ?? "127.0.0.1:50051"],
  ConnectionsService: [ConnectionsService, process.env.SYNCLINE_CONNECTIONS_ADDRESS ?? "127.0.0.1:50052"],
  SecretSyncsService: [SecretSyncsService, process.env.SYNCLINE_ORCHESTRATOR_ADDRESS ?? "127.0.0.1:50053"],
};
const args = process.argv.slice(2);
const [serviceName = "", methodName = "", body = "{}"] =
  args[0] === "whoami" ? ["IdentityService", "GetCallerIdentity"] : args;
const entry = services[serviceName];
const method = entry?.[0].methods.find((m) => m.name === methodName);
if (!entry || !method) {
  console.error(`usage: call.ts <${Object.keys(services).join("|")}> <Method> '<json>' | call.ts whoami`);
  if (entry) console.error(`methods: ${entry[0].methods.map((m) => m.name).join(", ")}`);
  process.exit(2);
}
const client = createRpcClient(entry[0], {
  address: entry[1],
  token: process.env.SYNCLINE_TOKEN ?? "",
}) as unknown as Record<string, (request: unknown) => unknown>;
try {
  const request = fromJson(method.input, JSON.parse(body));
  if (method.methodKind === "server_streaming") {
    for await (const response of client[method.localName]!(request) as AsyncIterable<never>)
      console.log(toJsonString(method.output, response, { prettySpaces: 2 }));
  } else {
    console.log(toJsonString(method.output, (await client[method.localName]!(request)) as never, { prettySpaces: 2 }));
  }
} catch (error) {
  if (!(error instanceof RpcError)) throw error;
  console.error(`error ${error.code}: ${error.message}`);
  for (const v of error.violations) console.error(`  ${v.field}: ${v.description}`);
  process.exitCode = 1;
} finally {
  (client as unknown as { close(): void }).close();
}
