import type { V1Secret } from "@kubernetes/client-node";
import {
  ConnectorError,
  noApplyControl,
  type ApplyControl,
  type ApplyOutcome,
  type DestinationConnector,
  type DestinationDiff,
  type SyncOwner,
} from "../contract/index.ts";
import type { KubernetesClient, SecretState } from "./kubernetes-client.ts";
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNERS_ANNOTATION,
  otherOwnerOf,
  othersOwnKeys,
  readOwners,
  writeOwners,
  type OwnerEntry,
} from "./kubernetes-ownership.ts";
import {
  MAX_KUBERNETES_SECRET_BYTES,
  kubernetesSecretLimits,
  type KubernetesSecretConfig,
} from "./kubernetes-secret-config.ts";

/** A 409 on a write is retried this many times in all (re-read, merge, write) before it surfaces as `conflict`. */
export const KUBERNETES_CONFLICT_ATTEMPTS = 3;

const nothing: ApplyOutcome = { created: [], updated: [], deleted: [] };

/** The Secret as a change wants it written: `undefined` data means "delete the Secret". */
interface Change {
  readonly outcome: ApplyOutcome;
  readonly data: Map<string, string> | undefined;
  /** The owners annotation to write; undefined removes it. */
  readonly owners: string | undefined;
}

/**
 * A sync's destination as keys of one Secret's `data`. Every change reads the Secret, merges, and
 * writes it whole with the `resourceVersion` read (a POST when it is missing), so a concurrent
 * writer answers 409: the change is re-read and retried up to KUBERNETES_CONFLICT_ATTEMPTS times,
 * then reported as `conflict`. With an owner, the sync's keys are recorded in the
 * `syncline.dev/owners` annotation: `list` and `remove` see only the sync's own keys, `apply`
 * refuses keys another sync owns, and the Secret is deleted only when Syncline created it and no
 * key at all remains.
 */
export function createKubernetesSecretConnector(
  client: KubernetesClient,
  config: KubernetesSecretConfig,
  owner: SyncOwner | undefined,
): DestinationConnector {
  const { namespace, name } = config;
  const where = `Secret ${namespace}/${name}`;

  /** Keys of the Secret this connector may see: the owner's claim, or every key without an owner. */
  function visible(state: SecretState): string[] {
    if (!owner) return [...state.data.keys()];
    const mine = readOwners(state.annotations, where).get(owner.syncId)?.keys ?? new Set<string>();
    return [...state.data.keys()].filter((key) => mine.has(key));
  }

  async function change(
    control: ApplyControl,
    plan: (state: SecretState | undefined) => Change | undefined,
  ): Promise<ApplyOutcome> {
    for (let attempt = 1; ; attempt++) {
      const state = await client.readSecret(namespace, name);
      const planned = plan(state);
      if (!planned) return nothing;
      await control.beforeBatch();
      try {
        await write(state, planned);
        return planned.outcome;
      } catch (error) {
        if (!(error instanceof ConnectorError) || error.kind !== "conflict" || attempt >= KUBERNETES_CONFLICT_ATTEMPTS)
          throw error;
      }
    }
  }

  async function write(state: SecretState | undefined, planned: Change): Promise<void> {
    const values = [...(planned.data?.values() ?? [])];
    if (!state) {
      if (!planned.data) return;
      await client.createSecret(namespace, secretObject(undefined, planned), values);
    } else if (!planned.data) {
      await client.deleteSecret(namespace, name, state.resourceVersion);
    } else {
      await client.replaceSecret(namespace, name, secretObject(state, planned), values);
    }
  }

  function secretObject(state: SecretState | undefined, planned: Change): V1Secret {
    const base = state?.object ?? { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name, namespace } };
    const annotations = { ...(base.metadata?.annotations ?? {}) };
    if (planned.owners === undefined) delete annotations[OWNERS_ANNOTATION];
    else annotations[OWNERS_ANNOTATION] = planned.owners;
    const labels = { ...(base.metadata?.labels ?? {}) };
    if (owner && labels[MANAGED_BY_LABEL] === undefined) labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
    if (!state) labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
    const data: Record<string, string> = {};
    for (const [key, value] of planned.data ?? []) data[key] = Buffer.from(value, "utf8").toString("base64");
    const { stringData: _ignored, ...rest } = base;
    return { ...rest, metadata: { ...base.metadata, name, namespace, annotations, labels }, data };
  }

  /** The owners annotation after giving the owner `add` and taking `drop` from it. */
  function claim(state: SecretState | undefined, add: readonly string[], drop: readonly string[]) {
    const before = state?.annotations[OWNERS_ANNOTATION];
    const owners = new Map<string, OwnerEntry>(readOwners(state?.annotations ?? {}, where));
    if (!owner) return { owners: before, changed: false, all: owners };
    const keys = new Set(owners.get(owner.syncId)?.keys ?? []);
    for (const key of add) keys.add(key);
    for (const key of drop) keys.delete(key);
    owners.set(owner.syncId, { projectId: owner.projectId, keys });
    const after = writeOwners(owners);
    return { owners: after, changed: after !== before, all: owners };
  }

  return {
    async validate() {
      const denied: string[] = [];
      for (const verb of ["get", "create", "update", "delete"]) {
        if (!(await client.mayAccessSecrets(verb, namespace, verb === "create" ? undefined : name))) denied.push(verb);
      }
      if (denied.length > 0) {
        throw new ConnectorError(
          "auth",
          `the service account may not ${denied.join(", ")} ${where}: grant its Role the verbs get, create, update and delete on secrets in namespace ${namespace}`,
        );
      }
      const state = await client.readSecret(namespace, name);
      if (state) readOwners(state.annotations, where);
    },

    async list() {
      const state = await client.readSecret(namespace, name);
      if (!state) return new Map();
      return new Map(visible(state).map((key) => [key, state.data.get(key) ?? ""]));
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl) {
      const writes = [...diff.create, ...diff.update];
      checkEntries(writes);
      return change(control, (state) => {
        const owners = readOwners(state?.annotations ?? {}, where);
        const claimed = writes
          .map(([key]) => [key, otherOwnerOf(owners, key, owner)] as const)
          .filter(([, other]) => other !== undefined);
        if (claimed.length > 0) {
          throw new ConnectorError(
            "invalid_config",
            `${where}: ${claimed.map(([key, other]) => `"${key}" is owned by sync ${other}`).join("; ")}: change this sync's key schema so the syncs own different keys`,
          );
        }
        const mine = owner ? (owners.get(owner.syncId)?.keys ?? new Set<string>()) : undefined;
        const current = state?.data ?? new Map<string, string>();
        const next = new Map(current);
        const created: string[] = [];
        const updated: string[] = [];
        const deleted: string[] = [];
        for (const key of new Set(diff.delete)) {
          if (mine && !mine.has(key)) continue;
          if (next.delete(key)) deleted.push(key);
        }
        for (const [key, value] of writes) {
          if (!current.has(key)) created.push(key);
          else if (current.get(key) !== value) updated.push(key);
          next.set(key, value);
        }
        const ownership = claim(
          state,
          writes.map(([key]) => key),
          deleted,
        );
        if (created.length + updated.length + deleted.length === 0 && !ownership.changed && state) return undefined;
        if (!state && next.size === 0) return undefined;
        checkSecretSize(next, where);
        return { outcome: { created, updated, deleted }, data: next, owners: ownership.owners };
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl) {
      return change(control, (state) => {
        if (!state) return undefined;
        const mine = owner ? (readOwners(state.annotations, where).get(owner.syncId)?.keys ?? new Set()) : undefined;
        const next = new Map(state.data);
        const deleted = [...new Set(keys)].filter((key) => (!mine || mine.has(key)) && next.delete(key));
        const ownership = claim(state, [], mine ? [...mine].filter((key) => keys.includes(key)) : deleted);
        if (deleted.length === 0 && !ownership.changed) return undefined;
        const managed = state.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
        const deleteSecret = managed && next.size === 0 && !othersOwnKeys(ownership.all, owner);
        return {
          outcome: { created: [], updated: [], deleted },
          data: deleteSecret ? undefined : next,
          owners: ownership.owners,
        };
      });
    },
  };
}

/** Refuses keys and values a Secret cannot hold, before any call, naming every key at fault (never a value). */
function checkEntries(writes: readonly (readonly [string, string])[]): void {
  const badKeys = writes.filter(([key]) => !kubernetesSecretLimits.keyPattern.test(key)).map(([key]) => key);
  if (badKeys.length > 0) {
    throw new ConnectorError(
      "invalid_config",
      `destination keys ${badKeys.map((k) => `"${k.slice(0, 80)}"`).join(", ")} are not valid Secret keys (${kubernetesSecretLimits.keyRule}): change the sync's key schema`,
    );
  }
  const large = writes.filter(([, value]) => Buffer.byteLength(value, "utf8") > kubernetesSecretLimits.maxValueBytes);
  if (large.length > 0) {
    throw new ConnectorError(
      "limit_exceeded",
      `the values of ${large.map(([key]) => `"${key}"`).join(", ")} exceed ${kubernetesSecretLimits.maxValueBytes} bytes, the most one Kubernetes Secret value may hold here`,
    );
  }
  const total = writes.reduce((sum, [, value]) => sum + Buffer.byteLength(value, "utf8"), 0);
  if (total > MAX_KUBERNETES_SECRET_BYTES) throw tooLarge(total, "the change");
}

function checkSecretSize(next: ReadonlyMap<string, string>, where: string): void {
  if (next.size > kubernetesSecretLimits.maxSecrets) {
    throw new ConnectorError(
      "limit_exceeded",
      `${where} would hold ${next.size} keys; a Kubernetes Secret destination holds at most ${kubernetesSecretLimits.maxSecrets}: split the sync`,
    );
  }
  let total = 0;
  for (const value of next.values()) total += Buffer.byteLength(value, "utf8");
  if (total > MAX_KUBERNETES_SECRET_BYTES) throw tooLarge(total, where);
}

function tooLarge(bytes: number, what: string): ConnectorError {
  return new ConnectorError(
    "limit_exceeded",
    `${what} would hold ${bytes} bytes of values; a Kubernetes Secret holds at most ${MAX_KUBERNETES_SECRET_BYTES} (1 MiB): split the sync or shrink its values`,
  );
}
