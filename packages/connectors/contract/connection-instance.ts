/**
 * The server a connection reaches, normalised by its app (`AppDescriptor.instanceOf`), e.g.
 * `https://vault.example.com:8200|team-a`. Two syncs writing the same location on different
 * servers do not overlap. `unknown` is explicit: a check that has no connection (CheckDestination)
 * or a connection without a redacted view cannot say which server, so it matches every instance
 * and the duplicate-destination check errs towards "overlaps".
 */
export type ConnectionInstance = { readonly kind: "known"; readonly id: string } | { readonly kind: "unknown" };

/** The instance of a check that knows no connection: matches every instance. */
export const UNKNOWN_INSTANCE: ConnectionInstance = Object.freeze({ kind: "unknown" });

/** A known server, by its normalised id (never empty). */
export function knownInstance(id: string): ConnectionInstance {
  if (id === "") throw new Error("a known connection instance needs a non-empty id");
  return { kind: "known", id };
}

/** Two instances are the same server unless both are known and differ. */
export function sameInstance(a: ConnectionInstance, b: ConnectionInstance): boolean {
  return a.kind === "unknown" || b.kind === "unknown" || a.id === b.id;
}

/** The stored form of an instance (a text column): the id, or "" for unknown. */
export function instanceColumn(instance: ConnectionInstance): string {
  return instance.kind === "known" ? instance.id : "";
}

/** An instance read back from its stored form (`instanceColumn`); rows stored before instances were known are "". */
export function instanceFromColumn(stored: string): ConnectionInstance {
  return stored === "" ? UNKNOWN_INSTANCE : knownInstance(stored);
}
