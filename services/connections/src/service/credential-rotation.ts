import { UnknownRootKeyError } from "@syncline/crypto";
import type { Database } from "@syncline/db";
import { lockConnectionsNotWrappedBy, rewrapConnection } from "../store/connection-store.ts";
import type { CredentialSealer } from "./credential-sealer.ts";

/** What a rotation did: rows re-wrapped (or re-sealed, for rows sealed the former way) and rows it could not open. */
export interface RotationCounts {
  readonly rewrapped: number;
  readonly unknownRootKey: number;
  /** Root key ids some rows are still wrapped by and the keyring does not hold ("single-key" for former-way rows). */
  readonly unknownRootKeyIds: readonly string[];
}

/**
 * Re-wraps every connection's data key under the sealer's current root key, `batch` rows per
 * transaction in id order, so it can be interrupted and run again: rows already under the current
 * root key are skipped. Rows sealed before envelope encryption are sealed afresh under a new data
 * key. The fingerprint is left as stored (its key is not a root key). Rows whose root key is not
 * held are counted and left; a row that does not open under a held key stops the rotation.
 */
export async function rewrapAllCredentials(
  db: Database,
  sealer: CredentialSealer,
  options: { batch?: number } = {},
): Promise<RotationCounts> {
  const batch = options.batch ?? 500;
  let rewrapped = 0;
  let unknownRootKey = 0;
  const unknownIds = new Set<string>();
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const rows = await lockConnectionsNotWrappedBy(tx, sealer.currentRootKeyId, after, batch);
      for (const row of rows) {
        after = row.id;
        const stored = { sealed: row.sealedCredentials, rootKeyId: row.rootKeyId, wrappedDataKey: row.wrappedDataKey };
        let next: ReturnType<CredentialSealer["rewrap"]>;
        try {
          next = sealer.rewrap(row.id, stored);
        } catch (error) {
          if (!(error instanceof UnknownRootKeyError))
            throw new Error(`the credentials of connection ${row.id} do not open under root key ${row.rootKeyId}`, {
              cause: error,
            });
          unknownRootKey++;
          unknownIds.add(error.rootKeyId);
          continue;
        }
        sealer.open(row.id, next);
        await rewrapConnection(tx, row.id, {
          sealedCredentials: next.sealed,
          rootKeyId: next.rootKeyId,
          wrappedDataKey: next.wrappedDataKey,
        });
        rewrapped++;
      }
      return rows.length < batch;
    });
    if (done) break;
  }
  return { rewrapped, unknownRootKey, unknownRootKeyIds: [...unknownIds] };
}
