import type { KeySchema } from "./key-schema.ts";

/** How an import settles a key present on both sides. */
export type ImportPreference = "source" | "destination";

/** One write into the source: the secret key (schema stripped) and its new value. */
export interface ImportWrite {
  readonly key: string;
  readonly value: string;
}

/** What an import would do, by source key (never carries values except in `create`/`update`). */
export interface ImportPlan {
  /** Keys missing at the source, taken from the destination. */
  readonly create: readonly ImportWrite[];
  /** Keys whose source value the destination's replaces (preference "destination" only). */
  readonly update: readonly ImportWrite[];
  /** Keys on both sides whose source value stays (preference "source", or equal values). */
  readonly kept: readonly string[];
  /** Keys whose destination value is empty while the source has one: the source value stays. */
  readonly keptOverEmpty: readonly string[];
  /** Owned destination keys whose stripped name is not a valid secret key; not imported. */
  readonly invalid: readonly string[];
}

/** The secrets service's key rule (services/secrets `checkSecretKey`); a key breaking it cannot be imported. */
const SECRET_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/;

/**
 * Plans an import: only destination keys the schema owns are considered, with the schema
 * stripped. Keys missing at the source are created. For keys on both sides, preference "source"
 * keeps the source value and "destination" takes the destination's — except an empty destination
 * value, which never overwrites a source value. `source` maps every key the sync's source
 * holds (flattened when recursive) to its value.
 */
export function planImport(input: {
  destination: ReadonlyMap<string, string>;
  source: ReadonlyMap<string, string>;
  schema: KeySchema;
  prefer: ImportPreference;
}): ImportPlan {
  const create: ImportWrite[] = [];
  const update: ImportWrite[] = [];
  const kept: string[] = [];
  const keptOverEmpty: string[] = [];
  const invalid: string[] = [];
  for (const [destinationKey, value] of [...input.destination].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const key = input.schema.fromDestination(destinationKey);
    if (key === undefined) continue;
    if (!SECRET_KEY.test(key)) {
      invalid.push(key);
      continue;
    }
    const sourceValue = input.source.get(key);
    if (sourceValue === undefined) create.push({ key, value });
    else if (input.prefer === "source" || value === sourceValue) kept.push(key);
    else if (value === "") keptOverEmpty.push(key);
    else update.push({ key, value });
  }
  return { create, update, kept, keptOverEmpty, invalid };
}

/** The source after the import: what a push right after it would start from. */
export function sourceAfterImport(source: ReadonlyMap<string, string>, plan: ImportPlan): Map<string, string> {
  const next = new Map(source);
  for (const write of [...plan.create, ...plan.update]) next.set(write.key, write.value);
  return next;
}
