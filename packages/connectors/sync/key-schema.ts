/**
 * Key schemas name keys at the destination and mark which destination keys a sync owns. A schema
 * is a template with `{{secretKey}}` exactly once and optionally `{{environment}}`, e.g.
 * `APP_{{secretKey}}` or `{{environment}}/{{secretKey}}`. Applied on push, stripped on import;
 * destination keys that do not match it are never updated or deleted. This file is the one parser
 * of templates: the worker's diff and the orchestrator's duplicate-destination check both use it.
 */
export interface KeySchema {
  readonly template: string;
  /** The keys the schema owns, with `{{environment}}` bound to the sync's environment. */
  readonly owned: OwnedKeys;
  /** The destination key of a source key. */
  toDestination(secretKey: string): string;
  /** The source key of a destination key, or undefined when the sync does not own that key. */
  fromDestination(destinationKey: string): string | undefined;
}

/**
 * The destination keys a schema owns: every key longer than `prefix` + `suffix` that starts with
 * `prefix` and ends with `suffix` (a schema is `prefix` + source key + `suffix` once bound).
 */
export interface OwnedKeys {
  readonly prefix: string;
  readonly suffix: string;
}

export const KEY_SCHEMA_MAX_LENGTH = 255;
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const LITERAL = /^[A-Za-z0-9_./-]*$/;
const KNOWN = new Set(["secretKey", "environment"]);

/** One piece of a template: literal text or a placeholder by name. */
type Segment = { readonly literal: string } | { readonly placeholder: string };

/** Splits a template (empty means `{{secretKey}}`) into literals and placeholders, in order. */
function parseTemplate(template: string): Segment[] {
  const effective = template === "" ? "{{secretKey}}" : template;
  const segments: Segment[] = [];
  let at = 0;
  for (const match of effective.matchAll(PLACEHOLDER)) {
    if (match.index > at) segments.push({ literal: effective.slice(at, match.index) });
    segments.push({ placeholder: match[1]! });
    at = match.index + match[0].length;
  }
  if (at < effective.length) segments.push({ literal: effective.slice(at) });
  return segments;
}

/** Checks a template; returns the problem in words, or undefined when it is valid. */
export function checkKeySchema(template: string): string | undefined {
  if (template === "") return undefined;
  if (template.length > KEY_SCHEMA_MAX_LENGTH) return `must be at most ${KEY_SCHEMA_MAX_LENGTH} characters`;
  const segments = parseTemplate(template);
  const names = segments.flatMap((s) => ("placeholder" in s ? [s.placeholder] : []));
  const unknown = names.find((name) => !KNOWN.has(name));
  if (unknown) return `unknown placeholder {{${unknown}}}; use {{secretKey}} and {{environment}}`;
  const keyCount = names.filter((name) => name === "secretKey").length;
  if (keyCount !== 1) return `must contain {{secretKey}} exactly once (found ${keyCount})`;
  const literals = segments.map((s) => ("literal" in s ? s.literal : "")).join("");
  if (!LITERAL.test(literals)) return "outside placeholders, may contain only letters, digits, '_', '.', '/' and '-'";
  if (/\{\{|\}\}/.test(literals)) return "has an unclosed placeholder";
  return undefined;
}

/**
 * The keys a template owns. With `environment` the `{{environment}}` placeholder is bound; without
 * it (a check that knows no source) it matches anything, so `prefix` and `suffix` are the literal
 * text before the first and after the last placeholder and the answer errs towards "owns more".
 */
export function ownedKeys(template: string, environment: string | undefined): OwnedKeys {
  const segments = parseTemplate(template).map((s) =>
    "placeholder" in s && s.placeholder === "environment" && environment !== undefined ? { literal: environment } : s,
  );
  const first = segments.findIndex((s) => "placeholder" in s);
  const last = segments.findLastIndex((s) => "placeholder" in s);
  const text = (part: Segment[]) => part.map((s) => ("literal" in s ? s.literal : "")).join("");
  return { prefix: text(segments.slice(0, first)), suffix: text(segments.slice(last + 1)) };
}

/** The owned keys of a destination that ignores case in names, folded with `fold` (e.g. upper-casing). */
export function foldOwnedKeys(owned: OwnedKeys, fold: (text: string) => string): OwnedKeys {
  return { prefix: fold(owned.prefix), suffix: fold(owned.suffix) };
}

/** Can one destination key be owned by both? (Prefixes nest and suffixes nest: a long enough key matches both.) */
export function ownedKeysOverlap(a: OwnedKeys, b: OwnedKeys): boolean {
  const prefixes = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixes = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return prefixes && suffixes;
}

/** Whether `owned` owns `destinationKey`: it starts with the prefix, ends with the suffix, and has a source key between. */
export function ownsKey(owned: OwnedKeys, destinationKey: string): boolean {
  return (
    destinationKey.length > owned.prefix.length + owned.suffix.length &&
    destinationKey.startsWith(owned.prefix) &&
    destinationKey.endsWith(owned.suffix)
  );
}

/** Binds a valid template (empty means `{{secretKey}}`) to the sync's source environment. */
export function createKeySchema(template: string, environment: string): KeySchema {
  const problem = checkKeySchema(template);
  if (problem) throw new Error(`invalid key schema: ${problem}`);
  const owned = ownedKeys(template, environment);
  const { prefix, suffix } = owned;
  return {
    template: template === "" ? "{{secretKey}}" : template,
    owned,
    toDestination: (secretKey) => `${prefix}${secretKey}${suffix}`,
    fromDestination(destinationKey) {
      if (!ownsKey(owned, destinationKey)) return undefined;
      return destinationKey.slice(prefix.length, destinationKey.length - suffix.length);
    },
  };
}
