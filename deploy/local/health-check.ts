// Asks each named address for its gRPC health (grpc.health.v1) and prints one line per service.
// Usage: node deploy/local/health-check.ts name=host:port ... ; exits 1 unless all are SERVING.
// Over TLS when SYNCLINE_TLS_CA_FILE (+ client certificate) is set (docs/transport-security.md).
import { Health, HealthCheckResponse_ServingStatus as Status } from "@syncline/gen/grpc/health/v1/health_pb.js";
import { createRpcClient } from "@syncline/rpc";
import { readTransportSecurity } from "@syncline/service-runtime";

const tls = readTransportSecurity().grpcClient;

let healthy = true;
for (const arg of process.argv.slice(2)) {
  const [name, address] = arg.split("=") as [string, string];
  const client = createRpcClient(Health, { address, deadlineMs: 2000, tls });
  const status = await client.check({ service: "" }).then(
    (r) => Status[r.status],
    (e: Error) => `DOWN (${e.message})`,
  );
  client.close();
  if (status !== "SERVING") healthy = false;
  console.log(`${name.padEnd(18)} ${address.padEnd(18)} ${status}`);
}
process.exit(healthy ? 0 : 1);
