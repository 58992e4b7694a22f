/**
 * Key schemas name keys at the destination and mark which destination keys a sync owns. A schema
 * is a template with `{{secretKey}}` exactly once and optionally `{{environment}}`, e.g.
 * `APP_{{secretKey}}` or `{{environment}}/{{secretKey}}`. Applied on push, stripped on import;
 * destination keys that do not match it are never updated or deleted.
 */
export interface KeySchema {
  readonly template: string;
  /** The destination key of a source key. */
  toDestination(secretKey: string): string;
  /** The source key of a destination key, or undefined when the sync does not own that key. */
  fromDestination(destinationKey: string): string | undefined;
}

export const KEY_SCHEMA_MAX_LENGTH = 255;
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const LITERAL = /^[A-Za-z0-9_./-]*$/;
const KNOWN = new Set(["secretKey", "environment"]);

/** Checks a template; returns the problem in words, or undefined when it is valid. */
export function checkKeySchema(template: string): string | undefined {
  if (template === "") return undefined;
  if (template.length > KEY_SCHEMA_MAX_LENGTH) return `must be at most ${KEY_SCHEMA_MAX_LENGTH} characters`;
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const unknown = names.find((name) => !KNOWN.has(name));
  if (unknown) return `unknown placeholder {{${unknown}}}; use {{secretKey}} and {{environment}}`;
  const keyCount = names.filter((name) => name === "secretKey").length;
  if (keyCount !== 1) return `must contain {{secretKey}} exactly once (found ${keyCount})`;
  const literals = template.replace(PLACEHOLDER, "");
  if (!LITERAL.test(literals)) return "outside placeholders, may contain only letters, digits, '_', '.', '/' and '-'";
  if (/\{\{|\}\}/.test(literals)) return "has an unclosed placeholder";
  return undefined;
}

/** Binds a valid template (empty means `{{secretKey}}`) to the sync's source environment. */
export function createKeySchema(template: string, environment: string): KeySchema {
  const problem = checkKeySchema(template);
  if (problem) throw new Error(`invalid key schema: ${problem}`);
  const effective = template === "" ? "{{secretKey}}" : template;
  const bound = effective.replace(/\{\{\s*environment\s*\}\}/g, environment);
  const [prefix, suffix] = bound.split(/\{\{\s*secretKey\s*\}\}/) as [string, string];
  return {
    template: effective,
    toDestination: (secretKey) => `${prefix}${secretKey}${suffix}`,
    fromDestination(destinationKey) {
      if (destinationKey.length <= prefix.length + suffix.length) return undefined;
      if (!destinationKey.startsWith(prefix) || !destinationKey.endsWith(suffix)) return undefined;
      return destinationKey.slice(prefix.length, destinationKey.length - suffix.length);
    },
  };
}
