import type { ApplyControl, ApplyOutcome } from "./apply-control.ts";
import type { DestinationCalls } from "./destination-calls.ts";
import type { EndpointGuard } from "./endpoint-guard.ts";

/** What a destination kind can do; the orchestrator and worker consult this instead of guessing. */
export interface DestinationCapabilities {
  /** `list` returns the destination's current keys and values (import and plan rely on it). */
  readonly readBack: boolean;
  /**
   * `listKeys` returns the names of every key at the destination although values cannot be read
   * (write-only stores such as GitHub Actions secrets). Absent means false; a readBack
   * destination lists names through `list`, so it need not set this.
   */
  readonly listKeys?: boolean;
  /** Key schemas can be applied (destination keys are free-form enough). */
  readonly keySchema: boolean;
  /** `disable_secret_deletion` is honoured. */
  readonly deletionControl: boolean;
  /** Owned keys can be removed when the sync is deleted. */
  readonly removeOnDelete: boolean;
  /** One destination call writes many keys. */
  readonly batchWrites: boolean;
}

/** Hard limits of a destination kind, checked before writing so a run fails with a clear message. */
export interface DestinationLimits {
  readonly maxSecrets: number;
  readonly maxValueBytes: number;
  /** Destination key rule, applied after the key schema. */
  readonly keyPattern: RegExp;
  /** The key rule in words, for error messages. */
  readonly keyRule: string;
  /**
   * The destination stores and lists key names upper-cased and treats names that differ only in
   * case as one key (GitHub Actions secrets). Diffs compare upper-cased destination keys
   * (`planDestinationDiff({ upperCasesKeys })`), and the connector writes and reports the
   * upper-case form. Absent means keys are case-sensitive and stored as given.
   */
  readonly upperCasesKeys?: boolean;
  /**
   * Names the destination holds as one key fold to the same text (Key Vault ignores case and maps
   * `_` to `-`). The duplicate-destination check compares owned keys folded; `upperCasesKeys`
   * implies a case fold. Must map character by character, so prefixes and suffixes fold alike.
   */
  readonly foldKey?: (name: string) => string;
  /**
   * A destination rule for one key and value beyond `keyPattern` and `maxValueBytes` (e.g. a
   * provider's masking rules), checked in pre-flight before anything is written. Returns what is
   * wrong in words — never echoing the value — or undefined when the entry is acceptable.
   */
  readonly checkEntry?: (key: string, value: string) => string | undefined;
}

/** Changes to make at a destination, keyed by destination key (after the key schema). */
export interface DestinationDiff {
  readonly create: ReadonlyMap<string, string>;
  readonly update: ReadonlyMap<string, string>;
  readonly delete: readonly string[];
}

/**
 * One destination, bound to one sync's config and its connection's credentials. Every method
 * throws `ConnectorError` on failure; an operation the destination cannot do throws kind
 * `unsupported` and never silently succeeds.
 */
export interface DestinationConnector {
  /** Checks that credentials and config reach the destination and allow what the sync needs. */
  validate(): Promise<void>;
  /** Every key and value at the destination, owned by the sync or not; throws `unsupported` unless `capabilities.readBack`. */
  list(): Promise<Map<string, string>>;
  /**
   * The names of every key at the destination, owned by the sync or not, without values. Present
   * exactly when `capabilities.listKeys` is true; names are as the destination stores them
   * (upper-cased where `limits.upperCasesKeys`).
   */
  listKeys?(): Promise<Set<string>>;
  /**
   * Applies a diff computed against what `list` (or `listKeys`) returned; keys outside the diff
   * stay as they are. Where values cannot be read back, `update` entries are rewritten whether or
   * not they changed, and the outcome reports what the destination says it did. `control` is asked
   * before each batch of writes; a failure after some writes throws `PartialApplyError` carrying
   * exactly what was written, any other error means nothing was.
   */
  apply(diff: DestinationDiff, control?: ApplyControl): Promise<ApplyOutcome>;
  /** Deletes the given destination keys; keys already absent are not errors. Batches and failures as `apply`. */
  remove(keys: readonly string[], control?: ApplyControl): Promise<ApplyOutcome>;
}

/** Everything a connector needs to reach its destination. */
/**
 * The sync a connector writes for. Destinations that can hold metadata (tags, labels,
 * annotations) record it on what they write, so ownership is visible at the destination.
 */
export interface SyncOwner {
  readonly syncId: string;
  readonly projectId: string;
}

export interface ConnectorContext<Config, Credentials> {
  readonly config: Config;
  readonly credentials: Credentials;
  /** The sync this connector writes for; absent for checks that are not a sync's (CheckDestination). */
  readonly owner?: SyncOwner;
  /** Aborts in-flight destination calls (run cancelled, shutdown). */
  readonly signal?: AbortSignal;
  /**
   * The gate every provider request goes through (the worker's: concurrency slot, circuit breaker
   * and per-call deadline). Absent: the client's own per-request deadline and `signal` only.
   */
  readonly calls?: DestinationCalls;
  /** Refuses internal endpoints before the first call; defaults to `defaultEndpointGuard()` (env allowlist). */
  readonly endpointGuard?: EndpointGuard;
}
