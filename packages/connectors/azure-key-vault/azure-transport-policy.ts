import type { SecretClientOptions } from "@azure/keyvault-secrets";
import {
  cappedBodyStream,
  DEFAULT_MAX_RESPONSE_BYTES,
  guardedAgents,
  readCappedText,
  type EndpointGuard,
} from "../contract/index.ts";

/** A pipeline policy as `SecretClientOptions.additionalPolicies` takes it. */
type PipelinePolicy = NonNullable<SecretClientOptions["additionalPolicies"]>[number]["policy"];

/**
 * The Key Vault client's transport guard, added `perRetry` (innermost, right before the SDK's node
 * HTTP client, after its deserializer): every request goes through the endpoint guard's node
 * agent (`request.agent`, so each connection resolves through `guard.resolve` at connect time and
 * a refused or rebound address fails with `EndpointRefusedError`), and every response body is read
 * here with a cap (`ResponseTooLargeError` past `limit` bytes) instead of whole by the SDK: the
 * request asks the HTTP client for the body stream and this policy turns it into `bodyAsText`.
 * A request that itself asked for a stream gets it through `cappedBodyStream`.
 */
export function azureTransportGuardPolicy(guard: EndpointGuard, limit = DEFAULT_MAX_RESPONSE_BYTES): PipelinePolicy {
  const { httpsAgent, httpAgent } = guardedAgents(guard);
  return {
    name: "synclineTransportGuard",
    async sendRequest(request, next) {
      const url = new URL(request.url);
      request.agent = url.protocol === "http:" ? httpAgent : httpsAgent;
      const wanted = request.streamResponseStatusCodes;
      request.streamResponseStatusCodes = new Set([Number.POSITIVE_INFINITY]);
      let response: Awaited<ReturnType<typeof next>>;
      try {
        response = await next(request);
      } finally {
        request.streamResponseStatusCodes = wanted;
      }
      const stream = response.readableStreamBody;
      if (!stream) return response;
      if (wanted?.has(response.status) || wanted?.has(Number.POSITIVE_INFINITY)) {
        response.readableStreamBody = stream.pipe(cappedBodyStream(url.host, limit));
        return response;
      }
      response.readableStreamBody = undefined;
      response.bodyAsText = await readCappedText(stream, url.host, limit);
      return response;
    },
  };
}
