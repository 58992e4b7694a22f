import { ConnectorError, type DestinationLimits } from "@syncline/connectors";
import type { KeySchema } from "@syncline/connectors/sync";

/** One source secret the destination cannot hold, by name and reason — never by value. */
export interface PreFlightOffence {
  /** The source key. */
  readonly key: string;
  /** The destination key (after the key schema). */
  readonly destinationKey: string;
  /** What is wrong, in words. */
  readonly problem: string;
  /** A key rule (`keyPattern`, `checkEntry`) rather than a size limit. */
  readonly rule: boolean;
}

/** Offences named in a failure message; the rest are counted (run messages are bounded to 1000 characters). */
export const PRE_FLIGHT_NAMED = 8;
const NAME_CHARS = 60;
const PROBLEM_CHARS = 100;

/**
 * Every source secret that breaks the destination's rules, in source-key order: the key rule after
 * the key schema, the value size, and the destination's own per-entry rule (`limits.checkEntry`).
 */
export function findOffences(
  desired: ReadonlyMap<string, string>,
  schema: KeySchema,
  limits: DestinationLimits,
): PreFlightOffence[] {
  const offences: PreFlightOffence[] = [];
  for (const key of [...desired.keys()].sort()) {
    const value = desired.get(key)!;
    const destinationKey = schema.toDestination(key);
    const add = (problem: string, rule: boolean) => offences.push({ key, destinationKey, problem, rule });
    if (!limits.keyPattern.test(destinationKey)) add("breaks the key rule", true);
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > limits.maxValueBytes)
      add(`value of ${bytes} bytes is over the ${limits.maxValueBytes}-byte limit`, false);
    const entryProblem = limits.checkEntry?.(destinationKey, value);
    if (entryProblem) add(entryProblem, true);
  }
  return offences;
}

/**
 * Pre-flight: checks every key and value against the destination's rules before anything is
 * written, and throws one final `ConnectorError` naming every offending key (bounded: the rest are
 * counted), so a person fixes them all at once and nothing is half-written. The kind is
 * `invalid_config` when a key rule is broken, else `limit_exceeded` (too many secrets, too large).
 */
export function checkPreFlight(
  desired: ReadonlyMap<string, string>,
  schema: KeySchema,
  limits: DestinationLimits,
): void {
  const tooMany =
    desired.size > limits.maxSecrets
      ? `the source has ${desired.size} secrets; this destination holds at most ${limits.maxSecrets}`
      : undefined;
  const offences = findOffences(desired, schema, limits);
  if (!tooMany && offences.length === 0) return;
  const parts = tooMany ? [tooMany] : [];
  if (offences.length > 0) parts.push(describeOffences(offences, limits));
  const kind = offences.some((offence) => offence.rule) ? "invalid_config" : "limit_exceeded";
  throw new ConnectorError(kind, `pre-flight: nothing was written; ${parts.join("; ")}`);
}

/** `3 secrets break the destination's rules: A (as APP_A): breaks the key rule, …, and 2 more (key rule: …)`. */
function describeOffences(offences: readonly PreFlightOffence[], limits: DestinationLimits): string {
  const keys = new Set(offences.map((offence) => offence.key));
  const named = offences.slice(0, PRE_FLIGHT_NAMED).map((offence) => {
    const name = bounded(offence.key, NAME_CHARS);
    const alias = offence.destinationKey === offence.key ? "" : ` (as ${bounded(offence.destinationKey, NAME_CHARS)})`;
    return `${name}${alias}: ${bounded(offence.problem, PROBLEM_CHARS)}`;
  });
  const more = offences.length - named.length;
  const rule = offences.some((offence) => offence.problem === "breaks the key rule")
    ? ` (key rule: ${bounded(limits.keyRule, PROBLEM_CHARS)})`
    : "";
  const noun = keys.size === 1 ? "secret breaks" : "secrets break";
  return (
    `${keys.size} ${noun} the destination's rules: ${named.join("; ")}` +
    `${more > 0 ? `; and ${more} more` : ""}${rule}`
  );
}

function bounded(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
