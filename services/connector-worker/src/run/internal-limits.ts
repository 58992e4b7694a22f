import { ConnectorError } from "@syncline/connectors";
import { DomainError } from "@syncline/errors";

const LARGER_THAN_MAX = /message larger than max \((\d+) vs\.? (\d+)\)/i;

/**
 * True when an internal call failed on a gRPC message size limit: limit_exceeded (RESOURCE_EXHAUSTED,
 * what grpc-js answers on either side, "Received/Sent message larger than max"), or that text under any kind.
 * Retrying sends the same message again, so such a failure is final, never transient.
 */
export function isSizeLimit(error: unknown): boolean {
  return error instanceof DomainError && (error.kind === "limit_exceeded" || LARGER_THAN_MAX.test(error.message));
}

/** "a 5.0 MiB message exceeds the 4.0 MiB limit" from grpc-js's text, or its text (bounded) when it has no figures. */
export function describeSizeLimit(error: Error): string {
  const figures = LARGER_THAN_MAX.exec(error.message);
  if (!figures) return error.message.slice(0, 200);
  const mib = (bytes: string) => `${(Number(bytes) / 1024 / 1024).toFixed(1)} MiB`;
  return `a ${mib(figures[1]!)} message exceeds the ${mib(figures[2]!)} limit`;
}

/**
 * The final `limit_exceeded` failure for a size-limit error of the internal call that did `what`
 * (e.g. "reading the source dev:/api"), with `advice` for a person; undefined for any other error.
 */
export function sizeLimitFailure(error: unknown, what: string, advice: string): ConnectorError | undefined {
  if (!isSizeLimit(error)) return undefined;
  const limit = describeSizeLimit(error as Error);
  const message = `${what} exceeded an internal gRPC message size limit (${limit}); retrying cannot help: ${advice}`;
  return new ConnectorError("limit_exceeded", message, { cause: error });
}
