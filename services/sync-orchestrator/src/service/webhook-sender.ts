import { guardedFetch, networkErrorCode, transportRefusal, type EndpointGuard } from "@syncline/connectors/contract";
import { EndpointRefusedError, ResponseTooLargeError } from "@syncline/connectors/contract";
import { retryAfterMs, type AttemptOutcome } from "../domain/delivery-policy.ts";
import { urlOrigin } from "./webhook-endpoints.ts";

/** One POST of a delivery: where, what and with which headers (the signature among them). */
export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * POSTs webhook deliveries through the endpoint guard (`guardedFetch`: the address connected to is
 * checked at connect time, internal addresses are refused unless `SYNCLINE_ENDPOINT_ALLOWLIST` allows
 * them, answers are capped), with a timeout and the caller's AbortSignal (shutdown), redirects not
 * followed and the answer's body discarded. Every failure becomes an `AttemptOutcome` whose message
 * names the URL's origin only (a webhook URL's path can be a credential).
 */
export function createWebhookSender(deps: { guard: EndpointGuard; timeoutMs: number }) {
  const post = guardedFetch(deps.guard);
  return {
    async send(request: WebhookRequest, signal: AbortSignal): Promise<AttemptOutcome> {
      const origin = safeOrigin(request.url);
      const timeout = AbortSignal.timeout(deps.timeoutMs);
      try {
        const response = await post(request.url, {
          method: "POST",
          headers: request.headers,
          body: request.body,
          redirect: "manual",
          signal: AbortSignal.any([timeout, signal]),
        });
        await response.body?.cancel().catch(() => undefined);
        const retryAfter = retryAfterMs(response.headers.get("retry-after"), new Date());
        return {
          kind: "answered",
          status: response.status,
          ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
        };
      } catch (error) {
        const refusal = transportRefusal(error);
        if (refusal instanceof EndpointRefusedError) {
          return { kind: "refused_address", message: `${origin}: ${refusal.detail}` };
        }
        if (refusal instanceof ResponseTooLargeError) return { kind: "response_too_large", message: refusal.detail };
        if (timeout.aborted)
          return { kind: "timeout", message: `${origin} did not answer within ${deps.timeoutMs} ms` };
        if (signal.aborted)
          return { kind: "network", message: `the attempt to reach ${origin} was stopped (shutdown)` };
        return { kind: "network", message: `could not reach ${origin} (${networkErrorCode(error)})` };
      }
    },
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;

function safeOrigin(url: string): string {
  try {
    return urlOrigin(url);
  } catch {
    return "the endpoint";
  }
}
