/**
 * One value a fake provider stored through its API. It holds a secret value, so it is for
 * assertions in the test process only: never print, log or serialize it.
 */
export interface FakeLoggedWrite {
  /** 1, 2, 3, … in the order the fake applied its writes (across all destinations of the fake). */
  readonly seq: number;
  /** `Date.now()` when the write was applied. */
  readonly at: number;
  /** Where the value was written, e.g. `secret/apps/api` (Vault) or `repository acme/api` (GitHub). */
  readonly destination: string;
  readonly key: string;
  readonly value: string;
}

/** An append-only, in-memory log of applied writes. */
export interface WriteLog {
  record(destination: string, key: string, value: string): void;
  entries(): readonly FakeLoggedWrite[];
}

/** Creates an empty write log. */
export function createWriteLog(): WriteLog {
  const entries: FakeLoggedWrite[] = [];
  return {
    record(destination, key, value) {
      entries.push({ seq: entries.length + 1, at: Date.now(), destination, key, value });
    },
    entries: () => entries,
  };
}
