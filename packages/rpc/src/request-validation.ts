import { createRegistry, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Path } from "@bufbuild/protobuf/reflect";
import { createValidator, type Violation } from "@bufbuild/protovalidate";
import { internal, invalidArgument, type FieldViolation } from "@syncline/errors";
import { file_syncline_rules_v1_rules } from "@syncline/gen/syncline/rules/v1/rules_pb.js";
import { isPageToken, REFUSED_PAGE_TOKEN } from "./pagination.ts";

/**
 * The field rules of a request live in its proto as `buf.validate` annotations; this module applies
 * them at the RPC edge, so every client (in any language) can read and apply the same rules. Only
 * rules that need state, the registry or several fields at once stay in the services, in one
 * `domain/<x>-rules.ts` each.
 */

/**
 * One validator per process: it compiles each message's rules once and caches them. Patterns run on
 * the platform's RegExp (compiled once each) rather than the default RE2 build, which costs about
 * 0.5 ms a field: a bulk write of 10,000 secrets took 5 s to check that way, 0.2 s this way. Our
 * patterns are written in the common subset of RE2 and JavaScript and none backtracks badly. The
 * registry holds the API's predefined rules (`syncline/rules/v1/rules.proto`): a field that sets one
 * cannot be checked without it.
 */
const patterns = new Map<string, RegExp>();
const validator = createValidator({
  registry: createRegistry(file_syncline_rules_v1_rules),
  regexMatch(pattern, against) {
    let regex = patterns.get(pattern);
    if (!regex) {
      regex = new RegExp(pattern, "u");
      patterns.set(pattern, regex);
    }
    return regex.test(against);
  },
});

/** How many invalid fields an INVALID_ARGUMENT names before summing up the rest. */
export const REPORTED_VIOLATIONS = 20;

/** Standard rules whose default text is worse than the API's usual wording. */
const ruleTexts: Readonly<Record<string, string>> = {
  required: "is required",
  "string.uuid_empty": "is required",
  "string.uuid": "must be a UUID",
  "enum.defined_only": "unknown value",
};

/**
 * What to set when a required message field or oneof is missing, by field: the proto says only
 * `required` (a field or `(buf.validate.oneof).required`), these name the members to choose from.
 */
const requiredTexts: Readonly<Record<string, string>> = {
  credentials: "is required: set the credentials of one app, e.g. credentials.vault",
  "credentials.vault": "is required: set credentials.vault.token (a Vault token, the only supported auth method)",
  "credentials.github": "is required: set credentials.github.token (a GitHub token, the only supported auth method)",
  destination_config: "must set exactly one destination, e.g. destination_config.vault_kv",
};

/**
 * The field violations of `message` against the rules of `schema` (and, for list requests, the one
 * page-token format of `pagination.ts`), named by snake_case paths as the API documents them
 * (`source.path`, `writes[3].key`, `destination_config.vault_kv.mount`). One violation per field
 * (the first rule it breaks; none inside a field already named); map entries are named by their
 * map field, so a caller's key is never echoed back; at most REPORTED_VIOLATIONS of them, plus one
 * that counts the rest.
 */
export function requestViolations<D extends DescMessage>(schema: D, message: Message): FieldViolation[] {
  const result = validator.validate(schema, message as never);
  if (result.kind === "error") {
    throw internal(`the rules of ${schema.typeName} could not be applied`, { cause: result.error });
  }
  const byField = new Map<string, FieldViolation>();
  const token = schema.field.pageToken ? (message as { pageToken?: unknown }).pageToken : undefined;
  if (typeof token === "string" && !isPageToken(token))
    byField.set("page_token", { field: "page_token", description: REFUSED_PAGE_TOKEN });
  for (const violation of result.violations ?? []) {
    const field = fieldPath(violation.field);
    if (!byField.has(field)) byField.set(field, { field, description: describe(violation, field) });
  }
  const outermost = [...byField.values()].filter(({ field }) => !insideAnother(field, byField));
  return reportedViolations(outermost);
}

/** Throws INVALID_ARGUMENT (`@syncline/errors`) naming every field of `message` that breaks its rules. */
export function validateRequest<D extends DescMessage>(schema: D, message: Message): void {
  const violations = requestViolations(schema, message);
  if (violations.length > 0) throw invalidArgument(violations);
}

/** True when a field that encloses `field` (`writes[0]` for `writes[0].key`) is at fault too. */
function insideAnother(field: string, byField: ReadonlyMap<string, FieldViolation>): boolean {
  for (let end = field.length - 1; end > 0; end--) {
    if ((field[end] === "." || field[end] === "[") && byField.has(field.slice(0, end))) return true;
  }
  return false;
}

/** `writes[3].metadata`: proto field names, list indexes; map keys and oneof names left out. */
function fieldPath(path: Path): string {
  let out = "";
  for (const element of path) {
    if (element.kind === "list_sub") out += `[${element.index}]`;
    else if (element.kind === "field" || element.kind === "extension")
      out += `${out === "" ? "" : "."}${element.kind === "field" ? element.name : `(${element.typeName})`}`;
    else if (element.kind === "oneof" && out === "" && path.length === 1) out = element.name;
  }
  return out;
}

/** The violation of `field` in the API's wording ("must be at most 500", "is required"). */
function describe(violation: Violation, field: string): string {
  const text =
    (violation.ruleId === "required" ? requiredTexts[field] : undefined) ??
    ruleTexts[violation.ruleId] ??
    violation.message;
  return violation.ruleId.endsWith(".lte") ? text.replace("must be less than or equal to", "must be at most") : text;
}

/** At most REPORTED_VIOLATIONS of `violations`, plus one counting the rest (named by their top-level field). */
export function reportedViolations(violations: readonly FieldViolation[]): FieldViolation[] {
  if (violations.length <= REPORTED_VIOLATIONS) return [...violations];
  const hidden = violations.slice(REPORTED_VIOLATIONS);
  const field = /^[^.[]*/.exec(hidden[0]!.field)![0];
  return [
    ...violations.slice(0, REPORTED_VIOLATIONS),
    { field, description: `and ${hidden.length} more invalid fields` },
  ];
}
