import { readFileSync } from "node:fs";
import { type DescEnum, type DescMessage, fromJson, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { CliError } from "./cli-error.ts";
import { ExitCode } from "./exit-codes.ts";

/**
 * The text of an argument that may name its source: `-` reads stdin, `@path` reads a file, anything
 * else is the text itself. Credentials read from a file or stdin stay out of shell history.
 */
export function argumentText(text: string, argument: string): string {
  try {
    if (text === "-") return readFileSync(0, "utf8");
    if (text.startsWith("@")) return readFileSync(text.slice(1), "utf8");
  } catch (error) {
    throw new CliError(`${argument}: cannot read ${text}: ${(error as NodeJS.ErrnoException).code}`, ExitCode.usage);
  }
  return text;
}

/** Parses a JSON argument; a typo is a usage error naming the argument, never a stack trace. */
export function parseJsonArgument(text: string, argument: string): JsonValue {
  const source = argumentText(text, argument);
  try {
    return JSON.parse(source) as JsonValue;
  } catch (error) {
    throw new CliError(
      `${argument} is not valid JSON: ${(error as Error).message}`,
      ExitCode.usage,
      `quote it for the shell, e.g. '{"name":"demo"}', or pass @file.json`,
    );
  }
}

/** A message from the JSON form of `schema`; an unknown field or a wrong type names the argument. */
export function messageFromJson<D extends DescMessage>(schema: D, json: JsonValue, argument: string): MessageShape<D> {
  try {
    return fromJson(schema, json);
  } catch (error) {
    throw new CliError(`${argument} does not fit ${schema.name}: ${(error as Error).message}`, ExitCode.usage);
  }
}

/** An enum value from what a person types: `import`, `IMPORT` or `SYNC_ACTION_IMPORT`. */
export function enumValue(schema: DescEnum, input: string, option: string): number {
  const wanted = input.trim().toUpperCase().replace(/-/g, "_");
  const value = schema.values.find((v) => v.name === wanted || v.localName.toUpperCase() === wanted);
  if (!value || value.number === 0) {
    const names = schema.values.filter((v) => v.number !== 0).map((v) => v.localName.toLowerCase().replace(/_/g, "-"));
    throw new CliError(`${option} must be one of ${names.join(", ")} (got "${input}")`, ExitCode.usage);
  }
  return value.number;
}

/** The names a person may type for an enum (for help texts and completion). */
export function enumChoices(schema: DescEnum): string[] {
  return schema.values.filter((v) => v.number !== 0).map((v) => v.localName.toLowerCase().replace(/_/g, "-"));
}

/** `key=value` pairs (repeatable options such as `--tag env=prod`) as a map. */
export function keyValues(pairs: readonly string[] | undefined, option: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(`${option} takes key=value (got "${pair}")`, ExitCode.usage);
    map[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return map;
}

/** A duration such as `90s`, `15m`, `2h` or `7d`, as seconds. */
export function durationSeconds(input: string, option: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(input.trim());
  if (!match)
    throw new CliError(`${option} takes a duration such as 90s, 15m, 2h or 7d (got "${input}")`, ExitCode.usage);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

/** A whole number ≥ 0 (a version, a revision); anything else is a usage error naming the option. */
export function wholeNumber(input: string, option: string): bigint {
  if (!/^\d+$/.test(input.trim()))
    throw new CliError(`${option} must be a whole number (got "${input}")`, ExitCode.usage);
  return BigInt(input.trim());
}
