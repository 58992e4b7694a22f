import {
  SecretWriteOperation,
  SecretsService,
  type BulkWriteSecretsResponse,
} from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { KeyChangeKind, SourceChangeKind } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { Code, RUN_GRANT_METADATA } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { allPages } from "../support/all-pages.ts";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";
import { createSourceFixture, type SourceFixture } from "./helpers/source-fixture.ts";

/**
 * BulkWriteSecrets through the real process on PostgreSQL and JetStream: thousands of creates,
 * updates, upserts and deletes across folders land as one project revision with one change event
 * per affected folder; any write that cannot apply fails the whole batch naming its index, and
 * nothing of it is written; connector workers may call it with the service credential (and only it).
 */
const service = useSystem({ name: "secrets_bulk_it", services: ["secrets"], sourceEvents: true });

const api = () => service.secrets;
const { CREATE, UPDATE, DELETE, UPSERT } = SecretWriteOperation;

/** Every secret of the fixture's dev folders (fences aside) as `path:KEY=value#comment@vN`. */
async function contents(f: SourceFixture): Promise<string[]> {
  const { folders } = await api().listFolders({ projectId: f.projectId, environment: "dev" });
  const lists = await Promise.all(
    folders
      .filter((x) => !x.path.startsWith("/fence"))
      .map((x) =>
        allPages(
          (pageToken) =>
            api().listSecrets({
              projectId: f.projectId,
              environment: "dev",
              path: x.path,
              includeValues: true,
              pageToken,
            }),
          (page) => page.secrets,
        ),
      ),
  );
  return lists.flatMap((l) => l.map((s) => `${s.path}:${s.key}=${s.value}#${s.comment}@v${s.version}`)).sort();
}

describe("bulk writes", () => {
  it("creates 3,000 secrets in three folders as one revision and one event per folder", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const paths = ["/a", "/b", "/c/d"];
    const writes = paths.flatMap((path, p) =>
      Array.from({ length: 1000 }, (_, i) => ({
        operation: i % 2 ? UPSERT : CREATE,
        environment: "dev",
        path,
        key: `K_${i}`,
        value: `value-${p}-${i}`,
      })),
    );
    const before = await f.revision();
    let response: BulkWriteSecretsResponse;
    const events = await f.eventsOf(async () => {
      response = await api().bulkWriteSecrets({ projectId: f.projectId, writes });
    });
    expect(response!.revision).toBe(before + 2n); // the first fence, then this write
    expect(response!.secrets).toHaveLength(3000);
    expect(response!.secrets.map((s) => `${s.path}:${s.key}@v${s.version}`)).toEqual(
      writes.map((w) => `${w.path}:${w.key}@v1`),
    );
    expect(response!.secrets.every((s) => s.value === "" && s.id !== "")).toBe(true);
    expect(
      events.map((e) => [e.event.path, SourceChangeKind[e.event.kind], e.event.changes.length, e.event.revision]),
    ).toEqual(paths.map((path) => [path, "SECRETS_CHANGED", 1000, response!.revision]));
    expect(events.every((e) => e.event.changes.every((c) => c.kind === KeyChangeKind.CREATED))).toBe(true);
    const at = { projectId: f.projectId, environment: "dev" };
    const listed = await allPages(
      (pageToken) => api().listSecrets({ ...at, path: "/c/d", pageToken }),
      (page) => page.secrets,
    );
    expect(listed.map((s) => s.key).sort()).toEqual(Array.from({ length: 1000 }, (_, i) => `K_${i}`).sort());
    expect((await api().getSecret({ ...at, path: "/b", key: "K_777" })).secret?.value).toBe("value-1-777");
    expect((await api().listFolders(at)).folders.map((x) => x.path).filter((p) => !p.startsWith("/fence"))).toEqual([
      "/",
      "/a",
      "/b",
      "/c",
      "/c/d",
    ]);
  });

  it("mixes updates, upserts and deletes across folders, versioning each and naming each change", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const at = { projectId: f.projectId, environment: "dev" };
    await api().bulkWriteSecrets({
      projectId: f.projectId,
      writes: [
        {
          operation: CREATE,
          environment: "dev",
          path: "/x",
          key: "A",
          value: "a1",
          comment: "ca",
          metadata: { entries: { owner: "x" } },
        },
        { operation: CREATE, environment: "dev", path: "/x", key: "B", value: "b1" },
        { operation: CREATE, environment: "dev", path: "/y", key: "C", value: "c1" },
      ],
    });
    const events = await f.eventsOf(() =>
      api().bulkWriteSecrets({
        projectId: f.projectId,
        writes: [
          { operation: UPDATE, environment: "dev", path: "/x", key: "A", comment: "comment only", expectedVersion: 1n },
          { operation: DELETE, environment: "dev", path: "/x", key: "B", expectedVersion: 1n },
          { operation: UPSERT, environment: "dev", path: "/y", key: "C", value: "c2" },
          { operation: UPSERT, environment: "dev", path: "/y/z", key: "D", value: "d1" },
        ],
      }),
    );
    expect(
      events
        .map(
          (e) =>
            `${e.event.path} ${e.event.changes
              .map((c) => `${c.key}:${KeyChangeKind[c.kind]}`)
              .sort()
              .join(",")}`,
        )
        .sort(),
    ).toEqual(["/x A:UPDATED,B:DELETED", "/y C:UPDATED", "/y/z D:CREATED"]);
    expect(await contents(f)).toEqual(["/x:A=a1#comment only@v2", "/y/z:D=d1#@v1", "/y:C=c2#@v2"]);
    expect((await api().getSecret({ ...at, path: "/x", key: "A" })).secret?.metadata).toEqual({ owner: "x" });
    expect(
      (await api().listSecretVersions({ ...at, path: "/y", key: "C", includeValues: true })).versions.map(
        (v) => v.value,
      ),
    ).toEqual(["c2", "c1"]);
  });

  it("fails the whole batch on a write that cannot apply, naming its index, and writes nothing", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    await api().bulkWriteSecrets({
      projectId: f.projectId,
      writes: [{ operation: CREATE, environment: "dev", path: "/x", key: "A", value: "a1" }],
    });
    await api().updateSecret({ projectId: f.projectId, environment: "dev", path: "/x", key: "A", value: "a2" });
    const before = await contents(f);
    const revision = await f.revision();
    const fresh = (i: number) => ({
      operation: CREATE,
      environment: "dev",
      path: `/new/p${i}`,
      key: `N${i}`,
      value: "n",
    });
    const cases: Array<[string, Parameters<ReturnType<typeof api>["bulkWriteSecrets"]>[0]["writes"], Code, string]> = [
      [
        "an existing key",
        [fresh(0), fresh(1), { operation: CREATE, environment: "dev", path: "/x", key: "A", value: "x" }],
        Code.ALREADY_EXISTS,
        "writes[2].key",
      ],
      [
        "a missing key",
        [fresh(0), { operation: UPDATE, environment: "dev", path: "/x", key: "MISSING", value: "x" }],
        Code.NOT_FOUND,
        "writes[1].key",
      ],
      [
        "a missing folder",
        [{ operation: DELETE, environment: "dev", path: "/nowhere", key: "A" }, fresh(1)],
        Code.NOT_FOUND,
        "writes[0].path",
      ],
      [
        "a missing environment",
        [fresh(0), fresh(1), fresh(2), { operation: UPSERT, environment: "prod", path: "/", key: "P", value: "p" }],
        Code.NOT_FOUND,
        "writes[3].environment",
      ],
      [
        "a stale version",
        [fresh(0), { operation: UPDATE, environment: "dev", path: "/x", key: "A", value: "lost", expectedVersion: 1n }],
        Code.ABORTED,
        "writes[1].expected_version",
      ],
    ];
    const events = await f.eventsOf(async () => {
      for (const [label, writes, code, field] of cases) {
        const error = await rpcFailure(api().bulkWriteSecrets({ projectId: f.projectId, writes }));
        expect({ label, code: error.code, fields: error.violations.map((v) => v.field) }).toEqual({
          label,
          code,
          fields: [field],
        });
        expect(error.message).toContain(field);
        expect(error.message).not.toContain("lost");
      }
      const several = await rpcFailure(
        api().bulkWriteSecrets({
          projectId: f.projectId,
          writes: [
            fresh(0),
            { operation: UPDATE, environment: "dev", path: "/x", key: "M1", value: "x" },
            { operation: CREATE, environment: "dev", path: "/x", key: "A", value: "x" },
          ],
        }),
      );
      expect(several.code).toBe(Code.NOT_FOUND);
      expect(several.violations.map((v) => v.field)).toEqual(["writes[1].key", "writes[2].key"]);
    });
    expect(events).toEqual([]);
    expect(await contents(f)).toEqual(before);
    expect(await f.revision()).toBe(revision + 2n); // the two fences only
    expect(
      (await api().listFolders({ projectId: f.projectId, environment: "dev" })).folders.map((x) => x.path),
    ).not.toContain("/new");
  });

  it("takes 10,000 writes in one call", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const writes = Array.from({ length: 10_000 }, (_, i) => ({
      operation: UPSERT,
      environment: "dev",
      path: `/bulk/f${i % 10}`,
      key: `KEY_${i}`,
      value: `v${i}`,
    }));
    const { revision, secrets } = await api().bulkWriteSecrets({ projectId: f.projectId, writes });
    expect(secrets).toHaveLength(10_000);
    expect(revision).toBe(await f.revision());
    const counts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api().listSecrets({ projectId: f.projectId, environment: "dev", path: `/bulk/f${i}`, pageSize: 1000 }),
      ),
    );
    expect(counts.map((c) => [c.secrets.length, c.nextPageToken])).toEqual(Array(10).fill([1000, ""]));
  });

  it("accepts the connector worker's service credential (audited as `service:connector-worker`), which may call nothing else here", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const worker = service.client(SecretsService, service.serviceTokens["connector-worker"]);
    const grant = await service.runGrants.sign({
      projectId: f.projectId,
      environment: "dev",
      path: "/imported",
      action: "IMPORT",
      importBehavior: "PRIORITIZE_DESTINATION",
    });
    const { secrets } = await worker.bulkWriteSecrets(
      {
        projectId: f.projectId,
        writes: [{ operation: UPSERT, environment: "dev", path: "/imported", key: "FROM_DESTINATION", value: "d" }],
      },
      { metadata: { [RUN_GRANT_METADATA]: grant } },
    );
    expect(secrets[0]).toMatchObject({ key: "FROM_DESTINATION", version: 1n });
    const { events } = await api().listAuditEvents({ projectId: f.projectId, actionPrefix: "secret." });
    expect(events[0]).toMatchObject({
      actor: "service:connector-worker",
      action: "secret.create",
      target: "secret:dev:/imported:FROM_DESTINATION",
    });
    expect(
      (
        await api().listSecretVersions({
          projectId: f.projectId,
          environment: "dev",
          path: "/imported",
          key: "FROM_DESTINATION",
        })
      ).versions[0]?.actor,
    ).toBe("service:connector-worker");
    for (const call of [
      () => worker.createSecret({ projectId: f.projectId, environment: "dev", path: "/", key: "K", value: "v" }),
      () => worker.listAuditEvents({ projectId: f.projectId }),
      () => worker.deleteProject({ projectId: f.projectId }),
    ]) {
      expect((await rpcFailure(call())).code).toBe(Code.PERMISSION_DENIED);
    }
    expect(
      (await rpcFailure(service.client(SecretsService).bulkWriteSecrets({ projectId: f.projectId, writes: [] }))).code,
    ).toBe(Code.UNAUTHENTICATED);
  });
});

describe("paged lists", () => {
  it("pages a folder's secrets (with values) and an environment's folders in key and path order", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const keys = ["E_5", "A_1", "D_4", "B_2", "C_3"];
    await api().bulkWriteSecrets({
      projectId: f.projectId,
      writes: keys.map((key) => ({
        operation: CREATE,
        environment: "dev",
        path: `/p/${key.toLowerCase()}`,
        key,
        value: "x",
      })),
    });
    await api().bulkWriteSecrets({
      projectId: f.projectId,
      writes: keys.map((key) => ({ operation: CREATE, environment: "dev", path: "/p", key, value: `v-${key}` })),
    });
    const at = { projectId: f.projectId, environment: "dev", path: "/p" };
    const first = await api().listSecrets({ ...at, includeValues: true, pageSize: 2 });
    expect(first.secrets.map((s) => `${s.key}=${s.value}`)).toEqual(["A_1=v-A_1", "B_2=v-B_2"]);
    const pages = [first];
    while (pages.at(-1)!.nextPageToken !== "") {
      pages.push(
        await api().listSecrets({ ...at, includeValues: true, pageSize: 2, pageToken: pages.at(-1)!.nextPageToken }),
      );
    }
    expect(pages.map((p) => p.secrets.map((s) => s.key))).toEqual([["A_1", "B_2"], ["C_3", "D_4"], ["E_5"]]);
    const folders = await allPages(
      (pageToken) => api().listFolders({ projectId: f.projectId, environment: "dev", pageSize: 2, pageToken }),
      (page) => page.folders,
    );
    expect(folders.map((x) => x.path).filter((p) => !p.startsWith("/fence"))).toEqual([
      "/",
      "/p",
      ...keys.map((k) => `/p/${k.toLowerCase()}`).sort(),
    ]);
  });

  it("refuses a token of another list and a page size above 1000 as INVALID_ARGUMENT", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    await f.put("dev", "/x", { A: "1", B: "2" });
    await f.put("dev", "/y", { A: "1" });
    const at = { projectId: f.projectId, environment: "dev" };
    const { nextPageToken } = await api().listSecrets({ ...at, path: "/x", pageSize: 1 });
    expect(nextPageToken).not.toBe("");
    await expectInvalid(api().listSecrets({ ...at, path: "/y", pageToken: nextPageToken }), ["page_token"]);
    await expectInvalid(api().listFolders({ ...at, pageToken: nextPageToken }), ["page_token"]);
    await expectInvalid(api().listSecrets({ ...at, path: "/x", pageSize: 1001 }), ["page_size"]);
    await expectInvalid(api().listFolders({ ...at, pageSize: 1001 }), ["page_size"]);
  });
});

describe("secrets per folder", () => {
  it("refuses, whole and as RESOURCE_EXHAUSTED naming the folder, a create or bulk write past 10,000 in a folder", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const fill = Array.from({ length: 10_000 }, (_, i) => ({
      operation: CREATE,
      environment: "dev",
      path: "/full",
      key: `K_${i}`,
      value: "v",
    }));
    await api().bulkWriteSecrets({ projectId: f.projectId, writes: fill });
    const before = await f.revision();
    const at = { projectId: f.projectId, environment: "dev", path: "/full" };
    const refusedCreate = await rpcFailure(api().createSecret({ ...at, key: "ONE_MORE", value: "v" }));
    expect([refusedCreate.code, refusedCreate.message]).toEqual([
      Code.RESOURCE_EXHAUSTED,
      expect.stringContaining("dev:/full"),
    ]);
    const refusedBulk = await rpcFailure(
      api().bulkWriteSecrets({
        projectId: f.projectId,
        writes: [
          { operation: CREATE, environment: "dev", path: "/elsewhere", key: "A", value: "v" },
          { operation: UPSERT, environment: "dev", path: "/full", key: "ONE_MORE", value: "v" },
        ],
      }),
    );
    expect([refusedBulk.code, refusedBulk.message]).toEqual([
      Code.RESOURCE_EXHAUSTED,
      expect.stringContaining("dev:/full"),
    ]);
    expect(await f.revision()).toBe(before);
    expect((await rpcFailure(api().listSecrets({ ...at, path: "/elsewhere" }))).code).toBe(Code.NOT_FOUND);
    await api().bulkWriteSecrets({
      projectId: f.projectId,
      writes: [
        { operation: DELETE, environment: "dev", path: "/full", key: "K_0" },
        { operation: CREATE, environment: "dev", path: "/full", key: "ONE_MORE", value: "v" },
      ],
    });
    expect((await api().getSecret({ ...at, key: "ONE_MORE" })).secret?.version).toBe(1n);
  });
});
