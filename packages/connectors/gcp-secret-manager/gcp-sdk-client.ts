import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { grpc } from "google-gax";
import { DEFAULT_MAX_RESPONSE_BYTES, type EndpointGuard } from "../contract/index.ts";

/** SDK clients kept per (endpoint, checked address); the oldest is dropped past this many. */
const MAX_PINNED_CLIENTS = 32;

/** One SDK client per endpoint and checked address: the channel is shared, the access token travels with each call. */
const sdkClients = new Map<string, SecretManagerServiceClient>();

/**
 * The Secret Manager SDK client for `apiEndpoint`, pinned to an address the guard checked just now.
 * grpc-js resolves names itself, outside any hook Syncline could guard, so the host is resolved
 * here with `guard.resolve` (every answer checked, refused → `EndpointRefusedError`) and the
 * channel connects to the first checked IP literal; TLS still verifies the certificate for the
 * original host (`grpc.ssl_target_name_override`) and requests carry it as `:authority`
 * (`grpc.default_authority`). A channel to any address of the current (checked) answer is reused;
 * an answer with none of them gets a new channel to its first address, the old ones keep theirs.
 * The cost is one `dns.lookup` per call. Messages above DEFAULT_MAX_RESPONSE_BYTES are refused by
 * grpc-js (`grpc.max_receive_message_length`; the SDK's default is unlimited).
 */
export async function pinnedSdkClient(apiEndpoint: string, guard: EndpointGuard): Promise<SecretManagerServiceClient> {
  const url = new URL(apiEndpoint);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port ? Number(url.port) : 443;
  const answers = await guard.resolve(host);
  // Every answer passed the guard: reuse a channel to any of them (DNS rotates Google's addresses).
  for (const { address } of answers) {
    const existing = sdkClients.get(`${apiEndpoint}|${address}`);
    if (existing) return existing;
  }
  const [first] = answers;
  if (!first) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  const key = `${apiEndpoint}|${first.address}`;
  let client = sdkClients.get(key);
  if (!client) {
    const authority = url.port ? `${url.hostname}:${url.port}` : url.hostname;
    client = new SecretManagerServiceClient({
      apiEndpoint: first.family === 6 ? `[${first.address}]` : first.address,
      port,
      // Plain gRPC only for http:// endpoints, which the credentials allow for loopback (fakes) only.
      sslCreds: url.protocol === "http:" ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(),
      "grpc.ssl_target_name_override": host,
      "grpc.default_authority": authority,
      "grpc.max_receive_message_length": DEFAULT_MAX_RESPONSE_BYTES,
      // Named so the library never looks for ambient credentials (metadata server): tokens come from the key.
      universeDomain: "googleapis.com",
    });
    sdkClients.set(key, client);
    const oldest = sdkClients.keys().next().value;
    if (sdkClients.size > MAX_PINNED_CLIENTS && oldest !== undefined) sdkClients.delete(oldest);
  }
  return client;
}
