/** Known secrets shorter than this are not scrubbed (they are not meaningful secrets and would mangle text). */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * A provider's error text as one line safe to show a person: every secret we know of (the token,
 * the values just written; length ≥ 4) replaced before anything else, whitespace and control
 * characters collapsed, capped at `maxChars`. Connectors build run messages from this only.
 */
export function safeProviderDetail(texts: readonly string[], secrets: readonly string[], maxChars: number): string {
  const scrub = (raw: string) =>
    secrets.reduce(
      (text, secret) => (secret.length >= MIN_SCRUBBED_LENGTH ? text.split(secret).join("[redacted]") : text),
      raw,
    );
  const text = texts
    .map((t) =>
      scrub(t)
        .replace(/[\s\p{Cc}]+/gu, " ")
        .trim(),
    )
    .filter(Boolean)
    .join("; ");
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/** The system error code (ECONNREFUSED, ENOTFOUND, …) behind a failed request, for network messages. */
export function networkErrorCode(cause: unknown): string {
  let current: unknown = cause;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = current.cause;
  }
  return "network error";
}
