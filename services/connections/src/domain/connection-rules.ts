/**
 * The rules for connection fields, in one place (documented in the README). Each check returns a
 * description of what is wrong, or undefined when the input is acceptable.
 */

export const limits = {
  nameLength: 64,
  descriptionLength: 500,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Ids are UUIDs; anything else is refused before it reaches the database. */
export function checkId(value: string): string | undefined {
  if (value === "") return "is required";
  return UUID.test(value) ? undefined : "must be a UUID";
}

/** Connection names are unique per project and used in references, so they are slugs. */
export function checkConnectionName(value: string): string | undefined {
  if (value.length === 0) return "is required";
  if (value.length > limits.nameLength) return `must be at most ${limits.nameLength} characters`;
  return NAME.test(value) ? undefined : "must be lowercase letters, digits and '-', starting with a letter or digit";
}

export function checkDescription(value: string): string | undefined {
  if (value.length > limits.descriptionLength) return `must be at most ${limits.descriptionLength} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: it lists the control characters refused
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)
    ? "must not contain control characters other than tab and newline"
    : undefined;
}
