/**
 * What of an error may go into a log line: its type, code and message along the cause chain —
 * but never query parameters (drizzle puts every bound value, ciphertexts included, into
 * `params` and into its message), so a future plaintext column cannot leak through an error log.
 */
export function loggableError(error: unknown, depth = 0): Record<string, unknown> | string {
  if (!(error instanceof Error)) return typeof error === "string" ? "non-error thrown" : typeof error;
  const withQuery = error as Error & { query?: unknown; params?: unknown; code?: unknown };
  const message =
    "params" in withQuery && typeof withQuery.query === "string" ? `failed query: ${withQuery.query}` : error.message;
  const out: Record<string, unknown> = {
    type: error.name,
    message,
    stack: error.stack
      ?.split("\n")
      .filter((line) => line.startsWith("    at "))
      .slice(0, 5)
      .join("\n"),
  };
  if (withQuery.code !== undefined) out.code = withQuery.code;
  if (error.cause !== undefined && depth < 3) out.cause = loggableError(error.cause, depth + 1);
  return out;
}
