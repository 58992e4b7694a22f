import type { DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type DestinationLimits } from "../contract/index.ts";

/** Where a sync's secrets live in Vault: the keys of one KV v2 secret at `mount`/`path`, both without surrounding slashes. */
export interface VaultKvConfig {
  readonly mount: string;
  readonly path: string;
}

/**
 * Limits of one KV v2 secret holding a whole sync. Vault stores the secret (every key) as one
 * storage entry: integrated storage refuses entries over its `max_entry_size` (1 MiB by default),
 * so a value may use half of it and the whole secret `MAX_VAULT_SECRET_BYTES`, leaving room for
 * Vault's encryption and metadata. Consul storage caps entries at 512 KiB: keep secrets smaller there.
 */
export const vaultKvLimits: DestinationLimits = {
  maxSecrets: 10_000,
  maxValueBytes: 512 * 1024,
  keyPattern: /^[^/\s\p{Cc}]{1,255}$/u,
  keyRule: "1 to 255 characters, without `/`, whitespace or control characters",
};

/** The serialized KV data written in one version may not exceed this many bytes (see `vaultKvLimits`). */
export const MAX_VAULT_SECRET_BYTES = 1_000_000;

/** Extracts the KV v2 mount and path; throws `ConnectorError("invalid_config")` naming the field at fault. */
export function parseVaultKvConfig(config: DestinationConfig | undefined): VaultKvConfig {
  if (config?.destination.case !== "vaultKv") {
    throw new ConnectorError(
      "invalid_config",
      "destination_config.vault_kv: is required for a HashiCorp Vault destination",
    );
  }
  return {
    mount: vaultPath("destination_config.vault_kv.mount", config.destination.value.mount, "secret"),
    path: vaultPath("destination_config.vault_kv.path", config.destination.value.path, "apps/api"),
  };
}

/** Strips surrounding slashes and refuses what would address another place than the one written. */
function vaultPath(field: string, raw: string, example: string): string {
  const value = raw.trim().replace(/^\/+|\/+$/g, "");
  const problem =
    value === ""
      ? "is required"
      : /[\p{Cc}?#%\\]/u.test(value)
        ? "must not contain control characters, `?`, `#`, `%` or `\\`"
        : value.split("/").some((segment) => segment === "" || segment === "." || segment === "..")
          ? "must not contain empty, `.` or `..` segments"
          : value.length > 512
            ? "must be at most 512 characters"
            : undefined;
  if (problem) throw new ConnectorError("invalid_config", `${field}: ${problem} (e.g. \`${example}\`)`);
  return value;
}
