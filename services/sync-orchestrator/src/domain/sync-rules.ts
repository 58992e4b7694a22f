import { createHash } from "node:crypto";

/** Sync names: unique per project, lowercase letters, digits and dashes. */
export function checkSyncName(name: string): string | undefined {
  if (name.length === 0) return "is required";
  if (name.length > 64) return "must be at most 64 characters";
  return /^[a-z0-9][a-z0-9-]*$/.test(name)
    ? undefined
    : "must be lowercase letters, digits and '-', starting with a letter or digit";
}

export function checkDescription(description: string): string | undefined {
  if (description.length > 500) return "must be at most 500 characters";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: it lists the control characters refused
  return /[\u0000-\u0008\u000b-\u001f]/.test(description) ? "must not contain control characters" : undefined;
}

/**
 * The run id a change event yields for a sync: derived from both ids, so a redelivered event maps
 * to the same run (no duplicate run rows) and its republished request is deduplicated by the stream.
 */
export function runIdForEvent(eventId: string, syncId: string): string {
  const hex = createHash("sha256").update(`${eventId}/${syncId}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Run messages are for people: bounded so a status never grows without limit. */
export function boundMessage(message: string, max = 1000): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}
