import type { DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { GithubSecretScope } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";

/**
 * The duplicate-destination check: two syncs may not own overlapping keys at one place. A place is
 * a *location* (one Vault KV secret, one GitHub repository's Actions secrets, …) on an *instance*
 * (the server a connection reaches; empty when unknown, which matches any). Inside a location a
 * sync owns the keys its key schema produces: `prefix` + source key + `suffix`.
 */

type ConfigCase = NonNullable<DestinationConfig["destination"]["case"]>;

interface LocationRule<C extends ConfigCase> {
  /** A stable name of the place the config writes to. */
  location(config: Extract<DestinationConfig["destination"], { case: C }>["value"]): string;
  /** The destination compares key names without regard to case (GitHub does). */
  readonly caseInsensitiveKeys: boolean;
}

const trimSlashes = (value: string) => value.trim().replace(/^\/+|\/+$/g, "");

/** One rule per DestinationConfig case; a new case without a rule does not compile. */
const locationRules: { [C in ConfigCase]: LocationRule<C> } = {
  vaultKv: { location: (c) => `vault-kv:${trimSlashes(c.mount)}/${trimSlashes(c.path)}`, caseInsensitiveKeys: false },
  githubActions: {
    location(c) {
      const owner = c.owner.trim().toLowerCase();
      const repository = c.repository.trim().toLowerCase();
      switch (c.scope) {
        case GithubSecretScope.ORGANIZATION:
          return `github-actions:org:${owner}`;
        case GithubSecretScope.ENVIRONMENT:
          return `github-actions:env:${owner}/${repository}/${c.environment.trim()}`;
        default:
          return `github-actions:repo:${owner}/${repository}`;
      }
    },
    caseInsensitiveKeys: true,
  },
};

/** Where a (valid) destination config writes, or "" when no case is set. */
export function destinationLocation(config: DestinationConfig): string {
  const { case: kind, value } = config.destination;
  if (kind === undefined) return "";
  return (locationRules[kind] as LocationRule<typeof kind>).location(value as never);
}

/** The keys a sync owns inside its location. */
export interface OwnedKeys {
  readonly prefix: string;
  readonly suffix: string;
}

/**
 * The keys a key schema owns. With `environment` the `{{environment}}` placeholder is bound; without
 * it (CheckDestination knows no source) it matches anything, so the answer errs towards "overlaps".
 */
export function ownedKeys(template: string, environment: string | undefined, caseInsensitive = false): OwnedKeys {
  const effective = template === "" ? "{{secretKey}}" : template;
  const placeholder = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
  const bound = environment === undefined ? effective : effective.replace(/\{\{\s*environment\s*\}\}/g, environment);
  const parts = bound.split(placeholder);
  // split with a capture group alternates literal, name, literal, …: the first and last literals
  // are what every owned key starts and ends with.
  const prefix = parts[0] ?? "";
  const suffix = parts.length > 1 ? (parts[parts.length - 1] ?? "") : "";
  return caseInsensitive ? { prefix: prefix.toLowerCase(), suffix: suffix.toLowerCase() } : { prefix, suffix };
}

/** Can one destination key be owned by both? (Prefixes nest and suffixes nest: a long enough key matches both.) */
export function ownedKeysOverlap(a: OwnedKeys, b: OwnedKeys): boolean {
  const prefixes = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixes = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return prefixes && suffixes;
}

/** Keys of this destination kind compare without case. */
export function keysCaseInsensitive(config: DestinationConfig): boolean {
  const kind = config.destination.case;
  return kind === undefined ? false : locationRules[kind].caseInsensitiveKeys;
}

/** Two instances are the same server unless both are known and differ. */
export function sameInstance(a: string, b: string): boolean {
  return a === "" || b === "" || a === b;
}
