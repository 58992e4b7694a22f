import { checkEnvironmentSlug, normaliseFolderPath } from "@syncline/source-path";

/**
 * The reference syntax of secret values (documented in services/secrets/README.md):
 *
 * - `${KEY}`: the secret KEY stored in the same folder (KEY without '.');
 * - `${env.KEY}`: KEY in the root folder `/` of environment `env`;
 * - `${env.a.b.KEY}`: KEY in folder `/a/b` of environment `env` (the first part is the
 *   environment, the last the key, the ones between the folder segments);
 * - `${env:/a/b:KEY}`: the explicit form, for folders or keys that contain '.';
 * - `$${` is a literal `${` (nothing is expanded).
 *
 * A reference names a secret stored in a folder; it never resolves through the folder's imports.
 */

/** The address of a referenced secret, in the same project. */
export interface ReferenceAddress {
  readonly environment: string;
  readonly path: string;
  readonly key: string;
}

/**
 * One piece of a parsed value: literal text, or a reference with the text it was written as and
 * whether it was a `${KEY}` of the value's own folder (which follows the folder when it moves).
 */
export type ValuePart =
  | { readonly text: string }
  | { readonly reference: ReferenceAddress; readonly raw: string; readonly local: boolean };

/** A value split into literal text and references, with the syntax problems found on the way. */
export interface ParsedValue {
  readonly parts: readonly ValuePart[];
  /** e.g. `malformed reference at character 7: …`; positions only, never text of the value. */
  readonly problems: readonly string[];
}

/** Bounds of reference expansion (README "References"). */
export const referenceLimits = {
  /** Longest chain of references followed from one value (A → B → … ). */
  depth: 10,
} as const;

// Problem texts are fixed: a malformed reference is part of a value and must not be echoed.
const BAD_ENVIRONMENT = "the environment must be a slug (lowercase letters, digits and '-')";
const BAD_PATH =
  "the folder must be an absolute path of names made of letters, digits, '_', '.' and '-' (no '.' or '..' names)";
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/;
const LOCAL_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/;

/** `env:/path:KEY` as problems and chains print an address. */
export function formatAddress(address: ReferenceAddress): string {
  return `${address.environment}:${address.path}:${address.key}`;
}

/** A stable map key for an address. */
export function addressKey(address: ReferenceAddress): string {
  return `${address.environment}\u0000${address.path}\u0000${address.key}`;
}

/**
 * Splits `value` into text and references. `here` is the folder the value lives in (what
 * `${KEY}` refers to). A malformed or unterminated reference stays literal text and is reported.
 */
export function parseValue(value: string, here: { readonly environment: string; readonly path: string }): ParsedValue {
  const parts: ValuePart[] = [];
  const problems: string[] = [];
  let text = "";
  let i = 0;
  while (i < value.length) {
    const next = value.indexOf("$", i);
    if (next < 0) {
      text += value.slice(i);
      break;
    }
    text += value.slice(i, next);
    if (value.startsWith("$${", next)) {
      text += "${";
      i = next + 3;
    } else if (value.startsWith("${", next)) {
      const close = value.indexOf("}", next + 2);
      if (close < 0) {
        problems.push(
          `unterminated reference at character ${next + 1}: close it with "}", or write "$\${" for a literal "\${"`,
        );
        text += value.slice(next);
        break;
      }
      const raw = value.slice(next, close + 1);
      const parsed = parseBody(value.slice(next + 2, close), here);
      if ("problem" in parsed) {
        problems.push(`malformed reference at character ${next + 1}: ${parsed.problem}`);
        text += raw;
      } else {
        if (text) parts.push({ text });
        text = "";
        parts.push({ reference: parsed, raw, local: !raw.includes(".") && !raw.includes(":") });
      }
      i = close + 1;
    } else {
      text += "$";
      i = next + 1;
    }
  }
  if (text) parts.push({ text });
  return { parts, problems };
}

/** The distinct references of a value (for the reference index and validation). */
export function referencesOf(
  parsed: ParsedValue,
): Array<{ readonly address: ReferenceAddress; readonly local: boolean }> {
  const seen = new Map<string, { address: ReferenceAddress; local: boolean }>();
  for (const part of parsed.parts) {
    if (!("reference" in part)) continue;
    const id = `${part.local ? "L" : "A"}${addressKey(part.reference)}`;
    if (!seen.has(id)) seen.set(id, { address: part.reference, local: part.local });
  }
  return [...seen.values()];
}

/** True when a value may hold a reference (cheap pre-check before parsing). */
export function mayReference(value: string): boolean {
  return value.includes("${");
}

function parseBody(body: string, here: { environment: string; path: string }): ReferenceAddress | { problem: string } {
  if (body.length === 0) return { problem: "names no secret" };
  if (body.includes(":")) {
    const parts = body.split(":");
    if (parts.length !== 3) return { problem: "the explicit form is ${environment:/path:KEY}" };
    const [environment, rawPath, key] = parts as [string, string, string];
    if (checkEnvironmentSlug(environment)) return { problem: BAD_ENVIRONMENT };
    const path = normaliseFolderPath(rawPath);
    if ("problem" in path) return { problem: BAD_PATH };
    if (!KEY.test(key))
      return { problem: "the key must start with a letter or '_' and contain only letters, digits, '_', '.' and '-'" };
    return { environment, path: path.path, key };
  }
  const parts = body.split(".");
  if (parts.length === 1) {
    if (!LOCAL_KEY.test(body))
      return {
        problem:
          "a key must start with a letter or '_' and contain only letters, digits, '_' and '-' (use ${environment:/path:KEY} for keys with '.')",
      };
    return { environment: here.environment, path: here.path, key: body };
  }
  const environment = parts[0]!;
  const key = parts[parts.length - 1]!;
  if (checkEnvironmentSlug(environment)) return { problem: BAD_ENVIRONMENT };
  if (!LOCAL_KEY.test(key))
    return { problem: "the key must start with a letter or '_' and contain only letters, digits, '_' and '-'" };
  if (parts.slice(1, -1).some((segment) => segment.length === 0)) return { problem: "empty folder name between dots" };
  const path = normaliseFolderPath(`/${parts.slice(1, -1).join("/")}`);
  if ("problem" in path) return { problem: BAD_PATH };
  return { environment, path: path.path, key };
}
