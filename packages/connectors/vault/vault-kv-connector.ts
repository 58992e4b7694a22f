import {
  ConnectorError,
  noApplyControl,
  type ApplyControl,
  type ApplyOutcome,
  type DestinationConnector,
  type DestinationDiff,
} from "../contract/index.ts";
import type { VaultClient } from "./vault-client.ts";
import { MAX_VAULT_SECRET_BYTES, vaultKvLimits, type VaultKvConfig } from "./vault-kv-config.ts";

const nothing: ApplyOutcome = { created: [], updated: [], deleted: [] };

/**
 * A sync's destination as the keys of one KV v2 secret. Every change reads the current version,
 * merges, and writes the whole map back with check-and-set on that version, so a concurrent
 * writer surfaces as a `conflict` instead of being overwritten; a change that alters nothing
 * writes nothing (no empty Vault versions). Every change is one write request, so one batch: the
 * control is asked once, just before it, and a failed write means nothing was written.
 */
export function createVaultKvConnector(client: VaultClient, config: VaultKvConfig): DestinationConnector {
  const { mount, path } = config;

  async function change(
    control: ApplyControl,
    edit: (current: ReadonlyMap<string, unknown>, next: Map<string, unknown>) => ApplyOutcome,
  ): Promise<ApplyOutcome> {
    const state = await client.readKv(mount, path);
    const current = new Map(Object.entries(state.data ?? {}));
    const next = new Map(current);
    const outcome = edit(current, next);
    if (outcome.created.length + outcome.updated.length + outcome.deleted.length === 0) return nothing;
    checkSecretSize(next, `${mount}/${path}`);
    await control.beforeBatch();
    await client.writeKv(mount, path, Object.fromEntries(next), { cas: state.version });
    return outcome;
  }

  return {
    async validate() {
      await client.lookupSelf();
      await client.readKv(mount, path);
    },

    async list() {
      const state = await client.readKv(mount, path);
      const values = new Map<string, string>();
      for (const [key, value] of Object.entries(state.data ?? {}))
        values.set(key, typeof value === "string" ? value : JSON.stringify(value));
      return values;
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl) {
      for (const [key, value] of [...diff.create, ...diff.update]) checkEntry(key, value);
      return change(control, (current, next) => {
        const created: string[] = [];
        const updated: string[] = [];
        const deleted: string[] = [];
        for (const key of new Set(diff.delete)) {
          if (next.delete(key)) deleted.push(key);
        }
        for (const [key, value] of [...diff.create, ...diff.update]) {
          if (!current.has(key)) created.push(key);
          else if (current.get(key) !== value) updated.push(key);
          next.set(key, value);
        }
        return { created, updated, deleted };
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl) {
      return change(control, (_current, next) => {
        const deleted = [...new Set(keys)].filter((key) => next.delete(key));
        return { created: [], updated: [], deleted };
      });
    },
  };
}

/** Refuses a key or value Vault KV cannot hold, before any call; names the key, never the value. */
function checkEntry(key: string, value: string): void {
  if (!vaultKvLimits.keyPattern.test(key)) {
    throw new ConnectorError(
      "invalid_config",
      `destination key "${key.slice(0, 80)}" is not valid for Vault KV (${vaultKvLimits.keyRule}): change the sync's key schema`,
    );
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > vaultKvLimits.maxValueBytes) {
    throw new ConnectorError(
      "limit_exceeded",
      `the value of "${key}" is ${bytes} bytes; Vault KV destinations accept at most ${vaultKvLimits.maxValueBytes} bytes per value`,
    );
  }
}

function checkSecretSize(next: ReadonlyMap<string, unknown>, where: string): void {
  if (next.size > vaultKvLimits.maxSecrets) {
    throw new ConnectorError(
      "limit_exceeded",
      `${where} would hold ${next.size} keys; a Vault KV destination holds at most ${vaultKvLimits.maxSecrets}: split the sync`,
    );
  }
  const bytes = Buffer.byteLength(JSON.stringify(Object.fromEntries(next)), "utf8");
  if (bytes > MAX_VAULT_SECRET_BYTES) {
    throw new ConnectorError(
      "limit_exceeded",
      `${where} would be ${bytes} bytes; one Vault KV secret holds at most ${MAX_VAULT_SECRET_BYTES} bytes: split the sync or shrink its values`,
    );
  }
}
