import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { Code } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";
import { createSourceFixture, type SourceFixture } from "./helpers/source-fixture.ts";

/**
 * Group commit of CreateSecret, UpdateSecret and DeleteSecret through the real process (default
 * settings: group commit on): concurrent single-secret writes of one project share transactions,
 * yet each call gets its own response or its single-write error, every write is versioned, audited
 * and named in a change event, a refused write leaves nothing behind, and writes of one secret keep
 * their order.
 */
const service = useSystem({ name: "secrets_group_commit_it", services: ["secrets"], sourceEvents: true });
const api = () => service.secrets;

/** The project's audit entries of secret writes made after `revision`, as `action target@revision`. */
async function auditAfter(f: SourceFixture, revision: bigint) {
  const { events } = await api().listAuditEvents({ projectId: f.projectId, actionPrefix: "secret.", pageSize: 1000 });
  return events
    .filter((e) => BigInt(e.details.revision ?? "0") > revision && !e.target.includes(":/fence-"))
    .map((e) => ({ action: e.action, target: e.target, details: e.details }));
}

describe("group commit of single-secret writes", () => {
  it("commits concurrent creates, updates and deletes in few revisions, each call with its own result", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const n = 20;
    const keys = (prefix: string, count = n) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    await f.put("dev", "/a", Object.fromEntries(keys("U").map((k) => [k, `old-${k}`])));
    await f.put("dev", "/b", Object.fromEntries(keys("D", 10).map((k) => [k, "doomed"])));
    const seeded = await f.revision();
    const at = { projectId: f.projectId, environment: "dev" };

    let results: { creates: unknown[]; nested: unknown[]; updates: unknown[]; deletes: bigint[] } | undefined;
    const events = await f.eventsOf(async () => {
      const creates = keys("C").map((key) => api().createSecret({ ...at, path: "/a", key, value: `v-${key}` }));
      const nested = keys("N", 10).map((key) =>
        api().createSecret({ ...at, path: "/c/d", key, value: `v-${key}`, comment: "nested" }),
      );
      const updates = keys("U").map((key, i) =>
        api().updateSecret({
          ...at,
          path: "/a",
          key,
          ...(i % 2 ? { value: `new-${key}` } : { comment: `comment-${key}` }),
          ...(i % 3 === 0 ? { expectedVersion: 1n } : {}),
        }),
      );
      const deletes = keys("D", 10).map((key) => api().deleteSecret({ ...at, path: "/b", key }));
      results = {
        creates: (await Promise.all(creates)).map((r) => r.secret),
        nested: (await Promise.all(nested)).map((r) => r.secret),
        updates: (await Promise.all(updates)).map((r) => r.secret),
        deletes: (await Promise.all(deletes)).map((r) => r.revision),
      };
    });

    // Every call got its own secret back, as a lone write would.
    expect(results!.creates).toEqual(
      keys("C").map((key) =>
        expect.objectContaining({ environment: "dev", path: "/a", key, value: `v-${key}`, version: 1n }),
      ),
    );
    expect(results!.nested).toEqual(
      keys("N", 10).map((key) =>
        expect.objectContaining({ path: "/c/d", key, value: `v-${key}`, comment: "nested", version: 1n }),
      ),
    );
    expect(results!.updates).toEqual(
      keys("U").map((key, i) =>
        expect.objectContaining({
          path: "/a",
          key,
          version: 2n,
          value: i % 2 ? `new-${key}` : `old-${key}`,
          comment: i % 2 ? "" : `comment-${key}`,
        }),
      ),
    );
    expect(results!.deletes.every((r) => r > seeded)).toBe(true);

    // One audit entry per write, as the single write records it (no bulk marker), and fewer
    // revisions than writes: the writes were grouped. No revision holds two writes of one secret.
    const audit = await auditAfter(f, seeded);
    const expected = [
      ...keys("C").map((k) => `secret.create secret:dev:/a:${k}`),
      ...keys("N", 10).map((k) => `secret.create secret:dev:/c/d:${k}`),
      ...keys("U").map((k) => `secret.update secret:dev:/a:${k}`),
      ...keys("D", 10).map((k) => `secret.delete secret:dev:/b:${k}`),
    ];
    expect(audit.map((e) => `${e.action} ${e.target}`).sort()).toEqual(expected.sort());
    expect(audit.every((e) => e.details.bulk === undefined)).toBe(true);
    expect(audit.every((e) => e.details.version === (e.action === "secret.update" ? "2" : "1"))).toBe(true);
    const revisions = new Set(audit.map((e) => e.details.revision));
    expect(revisions.size).toBeLessThan(audit.length);
    expect(new Set(audit.map((e) => `${e.details.revision} ${e.target}`)).size).toBe(audit.length);
    // The project advanced by one revision per group (and two fences).
    expect(await f.revision()).toBe(seeded + BigInt(revisions.size) + 2n);
    expect(
      new Set(results!.deletes.map(String)).size <= revisions.size &&
        results!.deletes.every((r) => revisions.has(String(r))),
    ).toBe(true);

    // The change events name every written key, one event per folder and revision, at the
    // revisions the audit log recorded.
    const byFolder = new Map<string, string[]>();
    for (const e of events) {
      expect(revisions.has(String(e.event.revision))).toBe(true);
      const keysOf = byFolder.get(e.event.path) ?? byFolder.set(e.event.path, []).get(e.event.path)!;
      keysOf.push(...e.event.changes.map((c) => c.key));
    }
    expect(new Set(events.map((e) => `${e.event.path} ${e.event.revision}`)).size).toBe(events.length);
    expect(Object.fromEntries([...byFolder].map(([path, k]) => [path, [...k].sort()]))).toEqual({
      "/a": [...keys("C"), ...keys("U")].sort(),
      "/b": keys("D", 10).sort(),
      "/c/d": keys("N", 10).sort(),
    });

    // What is stored: the deleted ones gone, the rest at the version each call returned.
    const { secrets: inB } = await api().listSecrets({ ...at, path: "/b" });
    expect(inB).toEqual([]);
    const { secrets: inA } = await api().listSecrets({ ...at, path: "/a", includeValues: true, pageSize: 100 });
    expect(inA.map((s) => `${s.key}=${s.value}@v${s.version}`).sort()).toEqual(
      [
        ...keys("C").map((k) => `${k}=v-${k}@v1`),
        ...keys("U").map((k, i) => `${k}=${i % 2 ? `new-${k}` : `old-${k}`}@v2`),
      ].sort(),
    );
  });

  it("fails refused writes of a group alone, with their single-write errors, and commits the rest", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const at = { projectId: f.projectId, environment: "dev" };
    await f.put("dev", "/a", { TAKEN: "first", STALE: "kept" });
    const seeded = await f.revision();
    const good = Array.from({ length: 20 }, (_, i) => `G${i}`);

    // The first good write starts alone; the rest, refused ones among them, queue behind it.
    const goods = good.map((key) => api().createSecret({ ...at, path: "/a", key, value: `v-${key}` }));
    const refused = await Promise.all([
      rpcFailure(api().createSecret({ ...at, path: "/a", key: "TAKEN", value: "second" })),
      rpcFailure(api().updateSecret({ ...at, path: "/a", key: "STALE", value: "lost", expectedVersion: 5n })),
      rpcFailure(api().updateSecret({ ...at, path: "/nowhere", key: "K", value: "lost" })),
      rpcFailure(api().deleteSecret({ ...at, path: "/a", key: "MISSING" })),
      rpcFailure(api().createSecret({ projectId: f.projectId, environment: "qa", path: "/a", key: "Q", value: "x" })),
      rpcFailure(api().deleteSecret({ ...at, path: "/a", key: "STALE", expectedVersion: 2n })),
    ]);
    const created = await Promise.all(goods);

    expect(refused.map((e) => ({ code: e.code, message: e.message, fields: e.violations }))).toEqual([
      { code: Code.ALREADY_EXISTS, message: 'secret "TAKEN" in dev:/a already exists', fields: [] },
      {
        code: Code.ABORTED,
        message: 'secret "STALE" is at version 1, not 5; read it again and retry',
        fields: [],
      },
      { code: Code.NOT_FOUND, message: 'folder /nowhere in environment "dev" not found', fields: [] },
      { code: Code.NOT_FOUND, message: 'secret "MISSING" in dev:/a not found', fields: [] },
      { code: Code.NOT_FOUND, message: `environment "qa" in project ${f.projectId} not found`, fields: [] },
      {
        code: Code.ABORTED,
        message: 'secret "STALE" is at version 1, not 2; read it again and retry',
        fields: [],
      },
    ]);
    expect(created.map((r) => `${r.secret!.key}@v${r.secret!.version}`)).toEqual(good.map((k) => `${k}@v1`));

    // Nothing of the refused writes persists: values, versions, folders and audit entries.
    const { secrets } = await api().listSecrets({ ...at, path: "/a", includeValues: true, pageSize: 100 });
    expect(secrets.map((s) => `${s.key}=${s.value}@v${s.version}`).sort()).toEqual(
      ["TAKEN=first@v1", "STALE=kept@v1", ...good.map((k) => `${k}=v-${k}@v1`)].sort(),
    );
    const { folders } = await api().listFolders(at);
    expect(folders.map((x) => x.path)).not.toContain("/nowhere");
    const audit = await auditAfter(f, seeded);
    expect(audit.map((e) => `${e.action} ${e.target}`).sort()).toEqual(
      good.map((k) => `secret.create secret:dev:/a:${k}`).sort(),
    );
    expect(new Set(audit.map((e) => e.details.revision)).size).toBeLessThan(good.length);
  });

  it("keeps writes of one secret in flight at once in order: consecutive versions, the last one's value", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const at = { projectId: f.projectId, environment: "dev", path: "/same" };
    await f.put("dev", "/same", { K: "v0" });
    const values = Array.from({ length: 16 }, (_, i) => `v${i + 1}`);
    const updated = await Promise.all(
      values.map((value) =>
        api()
          .updateSecret({ ...at, key: "K", value })
          .then((r) => r.secret!),
      ),
    );

    expect(updated.map((s) => Number(s.version)).sort((a, b) => a - b)).toEqual(values.map((_, i) => i + 2));
    const last = updated.reduce((a, b) => (b.version > a.version ? b : a));
    const current = (await api().getSecret({ ...at, key: "K" })).secret!;
    expect({ value: current.value, version: current.version }).toEqual({ value: last.value, version: 17n });
    // Each version holds the value of the call it answered, and each write has a later revision than the one before.
    const { versions } = await api().listSecretVersions({ ...at, key: "K", includeValues: true, pageSize: 100 });
    expect(Object.fromEntries(versions.map((v) => [v.version, v.value]))).toEqual(
      Object.fromEntries([[1, "v0"], ...updated.map((s) => [s.version, s.value])]),
    );
    const audit = (await auditAfter(f, 0n)).filter((e) => e.target === "secret:dev:/same:K");
    const byVersion = audit.sort((a, b) => Number(a.details.version) - Number(b.details.version));
    const revisions = byVersion.map((e) => BigInt(e.details.revision!));
    expect(revisions.every((r, i) => i === 0 || r > revisions[i - 1]!)).toBe(true);
    expect(byVersion).toHaveLength(17);
  });

  it("runs each write of a group alone when the group as a whole is refused (a folder at its capacity)", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const at = { projectId: f.projectId, environment: "dev" };
    const fill = Array.from({ length: 9_999 }, (_, i) => ({
      operation: SecretWriteOperation.CREATE,
      environment: "dev",
      path: "/full",
      key: `K_${i}`,
      value: "v",
    }));
    await api().bulkWriteSecrets({ projectId: f.projectId, writes: fill });

    // Room for one more in /full: the group holding several creates there is refused whole, then
    // each runs alone: one create in /full and every create elsewhere commit, the others get the
    // error a lone create gets (it names the 10,001 secrets the write would leave).
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api()
          .createSecret({ ...at, path: i % 2 ? "/full" : "/roomy", key: `NEW_${i}`, value: "v" })
          .then(
            (r) => `created ${r.secret!.path}`,
            (e: { code: Code; message: string }) => `${Code[e.code]} ${e.message}`,
          ),
      ),
    );
    expect(outcomes.filter((o) => o === "created /roomy")).toHaveLength(6);
    expect(outcomes.filter((o) => o === "created /full")).toHaveLength(1);
    expect(outcomes.filter((o) => o.startsWith("RESOURCE_EXHAUSTED"))).toEqual(
      Array.from(
        { length: 5 },
        () => "RESOURCE_EXHAUSTED folder dev:/full may hold at most 10000 secrets; this write would leave 10001",
      ),
    );
    const audit = await auditAfter(f, 0n);
    expect(audit.filter((e) => e.target.startsWith("secret:dev:/roomy:") || e.target.includes(":NEW_"))).toHaveLength(
      7,
    );
  });
});
