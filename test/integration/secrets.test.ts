import { randomBytes, randomUUID } from "node:crypto";
import { KeyChangeKind } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { Code } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { allPages } from "../support/all-pages.ts";
import { eventually } from "../support/eventually.ts";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * The secrets service as a process on real PostgreSQL and JetStream, seen from its callers: every
 * malformed, oversized or hostile request is refused with the right status code and the field at
 * fault, and changes nothing (no row, no revision bump, no event); the happy path normalises paths,
 * versions secrets and round-trips values; the snapshot API is for the service credential only;
 * and each successful secret write yields exactly one change event on SYNCLINE_SOURCE_EVENTS
 * naming what changed, at an increasing revision, never carrying a value.
 */
const service = useSystem({ name: "secrets_it", services: ["secrets"], sourceEvents: true });
const env = "dev";

const api = () => service.secrets;

async function newProject(): Promise<string> {
  const { project } = await api().createProject({ name: `p-${randomBytes(6).toString("hex")}` });
  await api().createEnvironment({ projectId: project!.id, slug: env, name: "Development" });
  return project!.id;
}

/** Everything a caller can observe of a project: revision, environments, folders, secrets with values. */
async function observe(projectId: string) {
  const { project } = await api().getProject({ projectId });
  const { environments } = await api().listEnvironments({ projectId });
  const { folders } = await api().listFolders({ projectId, environment: env });
  const lists = await Promise.all(
    folders.map((f) =>
      allPages(
        (pageToken) => api().listSecrets({ projectId, environment: env, path: f.path, includeValues: true, pageToken }),
        (page) => page.secrets,
      ),
    ),
  );
  const secrets = lists.flatMap((l) => l.map((s) => `${s.path}:${s.key}=${s.value}#${s.comment}@v${s.version}`));
  return {
    revision: project!.revision,
    environments: environments.map((e) => e.slug),
    folders: folders.map((f) => f.path),
    secrets,
  };
}

/**
 * Proves no event was published for `projectId` since `before` events: one more write must be the
 * very next event (the relay publishes in commit order, so an earlier stray event would precede it).
 */
async function expectNoEventSince(projectId: string, before: number) {
  const { secret } = await api().createSecret({
    projectId,
    environment: env,
    path: "/fence",
    key: `FENCE_${randomBytes(4).toString("hex")}`,
    value: "f",
  });
  const events = await eventually(async () => {
    const all = await service.sourceEvents.read(projectId);
    return all.some((e) => e.event.changes[0]?.key === secret!.key) ? all : undefined;
  });
  expect(events.slice(before).map((e) => e.event.changes[0]?.key)).toEqual([secret!.key]);
}

describe("refused requests", () => {
  it("answers INVALID_ARGUMENT naming the field for malformed, oversized and hostile input, and changes nothing", async () => {
    const projectId = await newProject();
    await api().createSecret({
      projectId,
      environment: env,
      path: "/app",
      key: "KEPT",
      value: "kept-value",
      comment: "c",
    });
    const before = await observe(projectId);
    const eventsBefore = await eventually(async () =>
      (await service.sourceEvents.read(projectId)).length === 1 ? 1 : undefined,
    );
    const at = { projectId, environment: env, path: "/app" };
    const cases: Array<[string, () => Promise<unknown>, string[]]> = [
      ["non-UUID project id", () => api().getProject({ projectId: "not-a-uuid" }), ["project_id"]],
      ["SQL in project id", () => api().listEnvironments({ projectId: "' OR 1=1 --" }), ["project_id"]],
      ["empty project name", () => api().createProject({ name: "" }), ["name"]],
      ["project name with a path", () => api().createProject({ name: "../etc/passwd" }), ["name"]],
      ["project name too long", () => api().createProject({ name: "p".repeat(65) }), ["name"]],
      ["project name with NUL", () => api().createProject({ name: "p\u0000q" }), ["name"]],
      ["uppercase slug", () => api().createEnvironment({ projectId, slug: "Prod", name: "" }), ["slug"]],
      ["slug with a slash", () => api().createEnvironment({ projectId, slug: "prod/eu", name: "" }), ["slug"]],
      ["slug too long", () => api().createEnvironment({ projectId, slug: "e".repeat(33), name: "" }), ["slug"]],
      [
        "environment name with control characters",
        () => api().createEnvironment({ projectId, slug: "qa", name: "q\u0000a" }),
        ["name"],
      ],
      ["path with ..", () => api().createFolder({ ...at, path: "/app/../etc" }), ["path"]],
      ["path with .", () => api().createFolder({ ...at, path: "/./app" }), ["path"]],
      ["relative path", () => api().createFolder({ ...at, path: "app" }), ["path"]],
      ["empty path", () => api().createFolder({ ...at, path: "" }), ["path"]],
      ["path with a space", () => api().createFolder({ ...at, path: "/my app" }), ["path"]],
      ["path with NUL", () => api().createFolder({ ...at, path: "/app\u0000x" }), ["path"]],
      ["path too long", () => api().createFolder({ ...at, path: `/${"a".repeat(512)}` }), ["path"]],
      ["path too deep", () => api().createFolder({ ...at, path: "/a".repeat(21) }), ["path"]],
      ["bad environment in a listing", () => api().listFolders({ projectId, environment: "DEV" }), ["environment"]],
      ["key with a leading digit", () => api().createSecret({ ...at, key: "1KEY", value: "v" }), ["key"]],
      ["key with a space", () => api().createSecret({ ...at, key: "MY KEY", value: "v" }), ["key"]],
      ["key of 256 characters", () => api().createSecret({ ...at, key: "K".repeat(256), value: "v" }), ["key"]],
      ["empty key", () => api().createSecret({ ...at, key: "", value: "v" }), ["key"]],
      [
        "value over 256 KiB",
        () => api().createSecret({ ...at, key: "BIG", value: "x".repeat(256 * 1024 + 1) }),
        ["value"],
      ],
      [
        "value over 256 KiB in UTF-8 bytes",
        () => api().createSecret({ ...at, key: "BIG", value: "é".repeat(128 * 1024 + 1) }),
        ["value"],
      ],
      ["value of 1 MiB", () => api().createSecret({ ...at, key: "BIG", value: "x".repeat(1024 * 1024) }), ["value"]],
      [
        "comment too long",
        () => api().createSecret({ ...at, key: "NEW", value: "v", comment: "c".repeat(1025) }),
        ["comment"],
      ],
      [
        "comment with NUL",
        () => api().createSecret({ ...at, key: "NEW", value: "v", comment: "a\u0000b" }),
        ["comment"],
      ],
      [
        "every field wrong at once",
        () =>
          api().createSecret({
            projectId: "x",
            environment: "Dev",
            path: "/..",
            key: "1",
            value: "x".repeat(300_000),
            comment: "c".repeat(2000),
          }),
        ["project_id", "environment", "path", "key", "value", "comment"],
      ],
      ["update with nothing to update", () => api().updateSecret({ ...at, key: "KEPT" }), ["value"]],
      [
        "update to an oversized value",
        () => api().updateSecret({ ...at, key: "KEPT", value: "x".repeat(256 * 1024 + 1) }),
        ["value"],
      ],
      ["update with a NUL comment", () => api().updateSecret({ ...at, key: "KEPT", comment: "a\u0000b" }), ["comment"]],
      [
        "update expecting version 0",
        () => api().updateSecret({ ...at, key: "KEPT", value: "v", expectedVersion: 0n }),
        ["expected_version"],
      ],
      ["delete with a bad key", () => api().deleteSecret({ ...at, key: "KEPT!" }), ["key"]],
      ["get with a bad path", () => api().getSecret({ ...at, path: "/app//../x", key: "KEPT" }), ["path"]],
      ["list with a bad environment", () => api().listSecrets({ ...at, environment: "-dev" }), ["environment"]],
      ["page size over 1000", () => api().listProjects({ pageSize: 1001 }), ["page_size"]],
      ["forged page token", () => api().listProjects({ pageToken: "not/a+token==" }), ["page_token"]],
    ];
    for (const [label, call, fields] of cases) {
      await expectInvalid(call(), fields).catch((e: Error) => {
        throw new Error(`${label}: ${e.message}`);
      });
    }
    expect(await observe(projectId)).toEqual(before);
    expect((await api().listProjects({ pageSize: 1000 })).projects.map((p) => p.name)).not.toContain("../etc/passwd");
    await expectNoEventSince(projectId, eventsBefore);
  });

  it("answers NOT_FOUND, ALREADY_EXISTS and ABORTED where they apply, and changes nothing", async () => {
    const projectId = await newProject();
    const { project } = await api().getProject({ projectId });
    await api().createSecret({ projectId, environment: env, path: "/app", key: "KEY", value: "v1" });
    const before = await observe(projectId);
    const at = { projectId, environment: env, path: "/app" };
    const unknown = randomUUID();
    const notFound: Array<[string, () => Promise<unknown>]> = [
      ["project", () => api().getProject({ projectId: unknown })],
      ["project of environments", () => api().listEnvironments({ projectId: unknown })],
      ["project of a new environment", () => api().createEnvironment({ projectId: unknown, slug: "dev", name: "" })],
      ["project of a new secret", () => api().createSecret({ ...at, projectId: unknown, key: "NEW", value: "v" })],
      ["environment of a new secret", () => api().createSecret({ ...at, environment: "prod", key: "NEW", value: "v" })],
      ["environment of a new folder", () => api().createFolder({ ...at, environment: "prod", path: "/x" })],
      ["environment of folders", () => api().listFolders({ projectId, environment: "prod" })],
      ["folder of a listing", () => api().listSecrets({ ...at, path: "/nowhere" })],
      ["secret to get", () => api().getSecret({ ...at, key: "MISSING" })],
      ["secret to update", () => api().updateSecret({ ...at, key: "MISSING", value: "v" })],
      ["secret in a missing folder", () => api().updateSecret({ ...at, path: "/nowhere", key: "KEY", value: "v" })],
      ["secret to delete", () => api().deleteSecret({ ...at, key: "MISSING" })],
    ];
    for (const [label, call] of notFound) expect((await rpcFailure(call())).code, label).toBe(Code.NOT_FOUND);

    const exists: Array<[string, () => Promise<unknown>]> = [
      ["project name", () => api().createProject({ name: project!.name })],
      ["environment slug", () => api().createEnvironment({ projectId, slug: env, name: "again" })],
      ["secret key", () => api().createSecret({ ...at, key: "KEY", value: "other" })],
      [
        "secret key at an unnormalised path",
        () => api().createSecret({ ...at, path: "//app/", key: "KEY", value: "other" }),
      ],
      ["folder", () => api().createFolder({ ...at, path: "/app/" })],
      ["root folder", () => api().createFolder({ ...at, path: "/" })],
    ];
    for (const [label, call] of exists) expect((await rpcFailure(call())).code, label).toBe(Code.ALREADY_EXISTS);

    const stale = await rpcFailure(api().updateSecret({ ...at, key: "KEY", value: "v2", expectedVersion: 2n }));
    expect(stale.code).toBe(Code.ABORTED);
    expect(stale.message).not.toContain("v2");
    expect(await observe(projectId)).toEqual(before);
    expect((await api().listProjects({ pageSize: 1000 })).projects.filter((p) => p.id === unknown)).toEqual([]);
    await expectNoEventSince(projectId, 1);
  });

  it("keeps the snapshot API for the worker's service credential and SecretsService for identities", async () => {
    const projectId = await newProject();
    const request = { projectId, environment: env, path: "/" };
    const adminOnSnapshots = service.client(SourceSnapshotService, service.adminToken);
    const serviceOnSecrets = service.client(SecretsService, service.serviceTokens["connector-worker"]);
    expect((await rpcFailure(adminOnSnapshots.getSourceSnapshot(request))).code).toBe(Code.PERMISSION_DENIED);
    expect((await rpcFailure(serviceOnSecrets.getProject({ projectId }))).code).toBe(Code.PERMISSION_DENIED);
    expect((await rpcFailure(serviceOnSecrets.createSecret({ ...request, key: "K", value: "v" }))).code).toBe(
      Code.PERMISSION_DENIED,
    );
    expect((await rpcFailure(service.client(SecretsService).getProject({ projectId }))).code).toBe(
      Code.UNAUTHENTICATED,
    );
    expect((await rpcFailure(service.client(SourceSnapshotService, "wrong").getSourceSnapshot(request))).code).toBe(
      Code.UNAUTHENTICATED,
    );
    expect((await observe(projectId)).secrets).toEqual([]);
  });
});

describe("accepted requests", () => {
  it("normalises paths, creates parents, versions secrets and round-trips values", async () => {
    const projectId = await newProject();
    const at = { projectId, environment: env, path: "/api//db/" };
    const value = `line1\nline2\u0000ünïcødé 🔑 ${"x".repeat(100)}`;
    const { secret } = await api().createSecret({ ...at, key: "DB_PASSWORD", value, comment: "primary" });
    expect(secret).toMatchObject({
      path: "/api/db",
      key: "DB_PASSWORD",
      value,
      comment: "primary",
      version: 1n,
      environment: env,
      projectId,
    });
    expect((await api().listFolders({ projectId, environment: env })).folders.map((f) => f.path)).toEqual([
      "/",
      "/api",
      "/api/db",
    ]);

    const largest = "y".repeat(256 * 1024);
    const longKey = `K${"_".repeat(254)}`;
    await api().createSecret({ ...at, key: longKey, value: largest, comment: "c".repeat(1024) });
    expect((await api().getSecret({ ...at, path: "/api/db", key: longKey })).secret?.value).toBe(largest);
    expect((await api().getSecret({ ...at, key: "DB_PASSWORD" })).secret?.value).toBe(value);

    expect((await api().updateSecret({ ...at, key: "DB_PASSWORD", value: "v2" })).secret).toMatchObject({
      value: "v2",
      comment: "primary",
      version: 2n,
    });
    expect((await api().updateSecret({ ...at, key: "DB_PASSWORD", comment: "rotated" })).secret).toMatchObject({
      value: "v2",
      comment: "rotated",
      version: 3n,
    });
    expect(
      (await api().updateSecret({ ...at, key: "DB_PASSWORD", value: "v4", expectedVersion: 3n })).secret,
    ).toMatchObject({ value: "v4", version: 4n });

    const withoutValues = await api().listSecrets({ ...at });
    expect(withoutValues.secrets.map((s) => [s.key, s.value, s.version])).toEqual([
      ["DB_PASSWORD", "", 4n],
      [longKey, "", 1n],
    ]);
    const withValues = await api().listSecrets({ ...at, includeValues: true });
    expect(withValues.secrets.map((s) => s.value)).toEqual(["v4", largest]);

    const { revision } = await api().deleteSecret({ ...at, key: longKey });
    expect(revision).toBe((await api().getProject({ projectId })).project!.revision);
    expect((await rpcFailure(api().getSecret({ ...at, key: longKey }))).code).toBe(Code.NOT_FOUND);
  });

  it("pages through projects in name order, every project once", async () => {
    const prefix = `page-${randomBytes(4).toString("hex")}`;
    for (let i = 0; i < 5; i++) await api().createProject({ name: `${prefix}-${i}` });
    const all = (await api().listProjects({ pageSize: 1000 })).projects.map((p) => p.name);
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await api().listProjects({ pageSize: 2, pageToken });
      expect(page.projects.length).toBeLessThanOrEqual(2);
      seen.push(...page.projects.map((p) => p.name));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((name) => name.startsWith(prefix))).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`));
  });

  it("serves snapshots at the project revision, and says when the source folder does not exist", async () => {
    const projectId = await newProject();
    await api().createSecret({ projectId, environment: env, path: "/api/db", key: "B", value: "b-value" });
    await api().createSecret({ projectId, environment: env, path: "/api/db", key: "A", value: "a-value" });
    await api().createFolder({ projectId, environment: env, path: "/empty" });
    const { project } = await api().getProject({ projectId });
    const snapshot = await service.snapshots.getSourceSnapshot({ projectId, environment: env, path: "/api//db/" });
    expect(snapshot).toMatchObject({ revision: project!.revision, sourceExists: true });
    expect(snapshot.secrets.map((s) => [s.key, s.value])).toEqual([
      ["A", "a-value"],
      ["B", "b-value"],
    ]);
    expect(await service.snapshots.getSourceSnapshot({ projectId, environment: env, path: "/empty" })).toMatchObject({
      revision: project!.revision,
      sourceExists: true,
      secrets: [],
    });
    expect(await service.snapshots.getSourceSnapshot({ projectId, environment: env, path: "/missing" })).toMatchObject({
      revision: project!.revision,
      sourceExists: false,
      secrets: [],
    });
    expect(
      await service.snapshots.getSourceSnapshot({ projectId, environment: "prod", path: "/api/db" }),
    ).toMatchObject({ sourceExists: false, secrets: [] });
    expect(
      await service.snapshots.getSourceSnapshot({ projectId: randomUUID(), environment: env, path: "/" }),
    ).toMatchObject({ sourceExists: false, secrets: [] });
    await expectInvalid(
      service.snapshots.getSourceSnapshot({ projectId: "x", environment: "Dev", path: "/api/../db" }),
      ["project_id", "environment", "path"],
    );
  });
});

describe("change events", () => {
  it("publishes exactly one event per secret write, in order, naming what changed and never a value", async () => {
    const projectId = await newProject();
    const marker = `canary-${randomBytes(8).toString("hex")}`;
    const at = (path: string) => ({ projectId, environment: env, path });
    const revision = async () => (await api().getProject({ projectId })).project!.revision;
    const expected: Array<{ path: string; key: string; kind: KeyChangeKind; revision: bigint }> = [];
    await api().createSecret({ ...at("/svc//x/"), key: "A", value: `${marker}-a` });
    expected.push({ path: "/svc/x", key: "A", kind: KeyChangeKind.CREATED, revision: await revision() });
    await api().createSecret({ ...at("/svc"), key: "B", value: `${marker}-b`, comment: `${marker}-comment` });
    expected.push({ path: "/svc", key: "B", kind: KeyChangeKind.CREATED, revision: await revision() });
    await api().updateSecret({ ...at("/svc/x"), key: "A", value: `${marker}-a2` });
    expected.push({ path: "/svc/x", key: "A", kind: KeyChangeKind.UPDATED, revision: await revision() });
    await rpcFailure(api().updateSecret({ ...at("/svc/x"), key: "A", value: `${marker}-lost`, expectedVersion: 1n }));
    await api().updateSecret({ ...at("/svc"), key: "B", comment: "rotated" });
    expected.push({ path: "/svc", key: "B", kind: KeyChangeKind.UPDATED, revision: await revision() });
    const deleted = await api().deleteSecret({ ...at("/svc/x/"), key: "A" });
    expected.push({ path: "/svc/x", key: "A", kind: KeyChangeKind.DELETED, revision: deleted.revision });

    const events = await eventually(async () => {
      const read = await service.sourceEvents.read(projectId);
      return read.length >= expected.length ? read : undefined;
    });
    expect(
      events.map((e) => ({
        path: e.event.path,
        key: e.event.changes[0]?.key,
        kind: e.event.changes[0]?.kind,
        revision: e.event.revision,
      })),
    ).toEqual(expected);
    for (const stored of events) {
      expect(stored.subject).toBe(`syncline.events.secrets.${projectId}.${env}`);
      expect(stored.event).toMatchObject({ projectId, environment: env });
      expect(stored.event.changes).toHaveLength(1);
      expect(stored.msgId).toBe(stored.event.eventId);
      expect(stored.event.commitTime).toBeDefined();
      expect(stored.raw).not.toContain(marker);
    }
    expect(new Set(events.map((e) => e.event.eventId)).size).toBe(events.length);
    const revisions = events.map((e) => e.event.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(service.services.secrets.output()).not.toContain(marker);
  });
});
