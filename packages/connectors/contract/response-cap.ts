import { Transform, type TransformCallback } from "node:stream";
import { ConnectorError } from "./connector-error.ts";
import { ENDPOINT_REFUSED_CODE, EndpointRefusedError } from "./endpoint-guard.ts";

/**
 * The most a connector reads of one provider response body (after decompression where the client
 * decompresses): 10 MiB, far above any secret-manager answer (Vault KV, a page of 100 GitHub secret
 * names, a Key Vault secret of at most 25 KiB), far below what would exhaust a worker's memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** The `code` of a `ResponseTooLargeError`, kept when an SDK re-wraps the error. */
export const RESPONSE_TOO_LARGE_CODE = "SYNCLINE_RESPONSE_TOO_LARGE";

/**
 * A provider answered with a body larger than the cap (an endless stream, a hostile or misconfigured
 * endpoint). `unsupported`: retrying would read the same answer, so the run fails and says why.
 * `new ResponseTooLargeError(host, limit)` words the message; with one argument it is the message
 * itself (re-creating an error an SDK re-wrapped).
 */
export class ResponseTooLargeError extends ConnectorError {
  readonly code = RESPONSE_TOO_LARGE_CODE;
  /** The message as first written (SDKs may append to `message`). */
  readonly detail: string;
  constructor(hostOrDetail: string, limit?: number) {
    super(
      "unsupported",
      limit === undefined
        ? hostOrDetail
        : `the response from ${hostOrDetail} is larger than ${formatBytes(limit)}, the most Syncline reads from a provider; ` +
            "check that the connection's endpoint is the provider's API",
    );
    this.name = "ResponseTooLargeError";
    this.detail = this.message;
  }
}

/**
 * A Transform that passes bytes through until more than `limit` went by, then fails with
 * `ResponseTooLargeError` (the reader sees it as the stream's error). For SDKs that hand Syncline
 * the raw body stream before parsing it (the AWS SDK's middleware stack).
 */
export function cappedBodyStream(host: string, limit = DEFAULT_MAX_RESPONSE_BYTES): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(new ResponseTooLargeError(host, limit));
      else callback(null, chunk);
    },
  });
}

/**
 * The guard's or the cap's own error inside whatever an SDK made of it (fetch's `TypeError` cause,
 * an `AggregateError` of happy-eyeballs attempts, Azure's `RestError` that keeps only `code` and
 * `message`), so every connector reports the refusal itself instead of "could not reach …, will
 * retry". Undefined when the failure is an ordinary network error.
 */
export function transportRefusal(error: unknown): ConnectorError | undefined {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (current === null || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof EndpointRefusedError) return new EndpointRefusedError(current.detail);
    if (current instanceof ResponseTooLargeError) return new ResponseTooLargeError(current.detail);
    const { code, message, cause, errors } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof message === "string" && code === ENDPOINT_REFUSED_CODE) return new EndpointRefusedError(message);
    if (typeof message === "string" && code === RESPONSE_TOO_LARGE_CODE) return new ResponseTooLargeError(message);
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return undefined;
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/**
 * Reads a response body stream to text, failing with `ResponseTooLargeError` (and destroying the
 * stream, so the socket stops) once more than `limit` bytes arrived. For SDKs whose transport can
 * hand Syncline the body stream instead of buffering it (Azure's pipeline).
 */
export async function readCappedText(
  stream: NodeJS.ReadableStream & { destroy?: (error?: Error) => void },
  host: string,
  limit = DEFAULT_MAX_RESPONSE_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    seen += bytes.length;
    if (seen > limit) {
      const error = new ResponseTooLargeError(host, limit);
      stream.destroy?.(error);
      throw error;
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString("utf8");
}
