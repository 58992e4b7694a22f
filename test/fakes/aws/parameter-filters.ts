import type { AwsJsonAnswer } from "./secrets-manager.ts";

/** One `ParameterStringFilter` as the request carries it. */
interface ParameterStringFilter {
  readonly Key?: unknown;
  readonly Option?: unknown;
  readonly Values?: unknown;
}

/** What the filters read of a parameter (a `FakeParameter` of the fake). */
interface FilteredParameter {
  readonly name: string;
  readonly type: string;
  readonly keyId: string | undefined;
  readonly tier: string;
  readonly tags: ReadonlyMap<string, string>;
}

/** A checked filter: whether a parameter passes it. */
type ParameterMatch = (parameter: FilteredParameter) => boolean;

const keyPattern = /^(tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType)$/;
const pathPattern = /^[A-Za-z0-9_.\-/]*$/;
const valuesRequired = new Set(["Name", "Type", "KeyId", "Path", "Tier", "DataType"]);
const fail = (code: string, message: string): AwsJsonAnswer => ({ ok: false, status: 400, code, message });
const constraint = (value: unknown, at: string, rule: string) =>
  `Value '${String(value)}' at '${at}' failed to satisfy constraint: ${rule}`;

/** Whether `name` lies under `path`: directly (one level) or at any depth. */
export function underPath(name: string, path: string, recursive: boolean): boolean {
  const base = path === "/" ? "/" : `${path.replace(/\/+$/, "")}/`;
  if (!name.startsWith(base)) return false;
  return recursive || !name.slice(base.length).includes("/");
}

/**
 * Checks `ParameterFilters` of DescribeParameters as SSM does, then answers the match of all of them.
 * Shape errors (key pattern, lengths, 1 to 50 values of 1 to 1024 characters) are one
 * `ValidationException` listing each; then `Label` or a repeated key is `InvalidFilterKey`, a
 * missing value list (allowed only for `tag:` keys, meaning "has the tag") `InvalidFilterValue`, an
 * option other than `Recursive`/`OneLevel` for Path, `Equals`/`BeginsWith` (and `Contains` for Name)
 * otherwise `InvalidFilterOption`, and a Path value that is no path or is under `/aws` or `/ssm`
 * a `ValidationException`.
 */
export function parameterFilters(raw: unknown): ParameterMatch | AwsJsonAnswer {
  if (raw === undefined) return () => true;
  const filters = (Array.isArray(raw) ? raw : []) as ParameterStringFilter[];
  const shape: string[] = [];
  filters.forEach((filter, index) => {
    const at = `parameterFilters.${index + 1}.member`;
    const key = typeof filter.Key === "string" ? filter.Key : "";
    if (!keyPattern.test(key))
      shape.push(constraint(key, `${at}.key`, `Member must satisfy regular expression pattern: ${keyPattern.source}`));
    if (key.length > 132) shape.push(constraint(key, `${at}.key`, "Member must have length less than or equal to 132"));
    if (typeof filter.Option === "string" && (filter.Option.length < 1 || filter.Option.length > 10))
      shape.push(constraint(filter.Option, `${at}.option`, "Member must have length less than or equal to 10"));
    if (filter.Values !== undefined) {
      const values = Array.isArray(filter.Values) ? filter.Values : [];
      if (values.length < 1 || values.length > 50)
        shape.push(constraint("[...]", `${at}.values`, "Member must have length less than or equal to 50"));
      if (values.some((v) => typeof v !== "string" || v.length < 1 || v.length > 1024))
        shape.push(
          constraint(
            "[...]",
            `${at}.values`,
            "[Member must have length less than or equal to 1024, Member must have length greater than or equal to 1]",
          ),
        );
    }
  });
  if (shape.length > 0)
    return fail(
      "ValidationException",
      `${shape.length} validation error${shape.length > 1 ? "s" : ""} detected: ${shape.join("; ")}`,
    );

  const matches: ParameterMatch[] = [];
  const seen = new Set<string>();
  for (const filter of filters) {
    const key = filter.Key as string;
    const values = (filter.Values as string[] | undefined) ?? [];
    if (key === "Label")
      return fail(
        "InvalidFilterKey",
        "The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier].",
      );
    if (seen.has(key))
      return fail(
        "InvalidFilterKey",
        `The following filter is duplicated in the request: ${key}. A request can contain only one occurrence of a specific filter.`,
      );
    seen.add(key);
    if (valuesRequired.has(key) && filter.Values === undefined)
      return fail("InvalidFilterValue", `The following filter values are missing : null for filter key ${key}.`);
    const match = key === "Path" ? pathMatch(filter.Option, values) : fieldMatch(key, filter.Option, values);
    if (typeof match !== "function") return match;
    matches.push(match);
  }
  return (parameter) => matches.every((match) => match(parameter));
}

function pathMatch(option: unknown, values: readonly string[]): ParameterMatch | AwsJsonAnswer {
  const chosen = option ?? "OneLevel";
  if (chosen !== "Recursive" && chosen !== "OneLevel")
    return fail(
      "InvalidFilterOption",
      `The following filter option is not valid: ${String(chosen)}. Valid options include: [Recursive, OneLevel].`,
    );
  for (const value of values) {
    if (/^\/?(aws|ssm)/i.test(value))
      return fail(
        "ValidationException",
        'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.',
      );
    if (!value.startsWith("/") || value.includes("//") || !pathPattern.test(value))
      return fail(
        "ValidationException",
        'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". Valid example: /get/parameters2-/by1./path0_.',
      );
  }
  return (p) => values.some((v) => underPath(p.name, v, chosen === "Recursive"));
}

function fieldMatch(key: string, option: unknown, values: readonly string[]): ParameterMatch | AwsJsonAnswer {
  const chosen = option ?? "Equals";
  if (chosen !== "Equals" && chosen !== "BeginsWith" && !(key === "Name" && chosen === "Contains"))
    return fail(
      "InvalidFilterOption",
      `The following filter option is not valid: ${String(chosen)}. Valid options include: [BeginsWith, Equals].`,
    );
  const test = (field: string | undefined) =>
    field !== undefined &&
    values.some((v) =>
      chosen === "Equals" ? field === v : chosen === "BeginsWith" ? field.startsWith(v) : field.includes(v),
    );
  if (key.startsWith("tag:")) {
    const tag = key.slice(4);
    if (values.length === 0 && chosen === "Equals") return (p) => p.tags.has(tag);
    return (p) => test(p.tags.get(tag));
  }
  const field: Record<string, (p: FilteredParameter) => string | undefined> = {
    Name: (p) => p.name,
    Type: (p) => p.type,
    KeyId: (p) => p.keyId,
    Tier: (p) => p.tier,
    DataType: () => "text",
  };
  const read = field[key] ?? (() => undefined);
  return (p) => test(read(p));
}
