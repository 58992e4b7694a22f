import { randomUUID } from "node:crypto";
import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { Code } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";
import { createSourceFixture, type SourceFixture } from "./helpers/source-fixture.ts";

/**
 * Every RPC of the write model (projects, environments, folders, metadata, versions, rollback,
 * bulk writes, audit) driven with malformed, oversized and hostile input: INVALID_ARGUMENT naming
 * exactly the fields at fault, or NOT_FOUND / ALREADY_EXISTS / FAILED_PRECONDITION / ABORTED where
 * the state forbids the request, and nothing persisted: no row, no revision, no event, no audit entry.
 */
const service = useSystem({ name: "secrets_refusals_it", services: ["secrets"], sourceEvents: true });

const api = () => service.secrets;
const { CREATE, UPDATE, DELETE, UPSERT, UNSPECIFIED } = SecretWriteOperation;
const b64 = (text: string) => Buffer.from(text).toString("base64url");

/**
 * Everything a caller can observe of the fixture (fence writes aside; each bumps the revision, so
 * `eventsOf` adds exactly 2 to it): project, environments, folders, secrets with values and versions, audit entries. */
async function observe(f: SourceFixture) {
  const { project } = await api().getProject({ projectId: f.projectId });
  const { environments } = await api().listEnvironments({ projectId: f.projectId });
  const state: string[] = [project!.name, ...environments.map((e) => `env ${e.slug} ${e.name}`)];
  for (const environment of environments) {
    for (const folder of (await api().listFolders({ projectId: f.projectId, environment: environment.slug })).folders) {
      if (folder.path.startsWith("/fence")) continue;
      state.push(`folder ${environment.slug}:${folder.path}`);
      for (const s of (
        await api().listSecrets({
          projectId: f.projectId,
          environment: environment.slug,
          path: folder.path,
          includeValues: true,
        })
      ).secrets) {
        const versions = await api().listSecretVersions({
          projectId: f.projectId,
          environment: environment.slug,
          path: folder.path,
          key: s.key,
        });
        state.push(
          `${s.path}:${s.key}=${s.value}#${s.comment}${JSON.stringify(s.metadata)}@v${s.version}/${versions.versions.length}`,
        );
      }
    }
  }
  const audit = (await api().listAuditEvents({ projectId: f.projectId, pageSize: 1000 })).events.filter(
    (e) => !e.target.includes("fence") && !e.target.includes("FENCE"),
  );
  return { state, audit: audit.map((e) => e.id), revision: project!.revision };
}

async function expectAll(cases: Array<[string, () => Promise<unknown>, string[]]>) {
  for (const [label, call, fields] of cases) {
    await expectInvalid(call(), fields).catch((e: Error) => {
      throw new Error(`${label}: ${e.message}`);
    });
  }
}

describe("refused requests", () => {
  it("answers INVALID_ARGUMENT naming each field for malformed, oversized and hostile input, and changes nothing", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const projectId = f.projectId;
    await api().createSecret({
      projectId,
      environment: "dev",
      path: "/app",
      key: "KEPT",
      value: "kept",
      metadata: { owner: "a" },
    });
    await api().createFolder({ projectId, environment: "dev", path: "/app/sub" });
    const before = await observe(f);
    const at = { projectId, environment: "dev", path: "/app" };
    const manyTags = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`t${i}`, "v"]));
    const write = (extra: object) => ({
      operation: UPSERT,
      environment: "dev",
      path: "/app",
      key: "NEW",
      value: "v",
      ...extra,
    });

    const events = await f.eventsOf(() =>
      expectAll([
        // Projects and environments.
        [
          "rename: bad id",
          () => api().updateProject({ projectId: "1; drop table projects", name: "ok" }),
          ["project_id"],
        ],
        ["rename: empty name", () => api().updateProject({ projectId, name: "" }), ["name"]],
        ["rename: path in name", () => api().updateProject({ projectId, name: "../../etc" }), ["name"]],
        ["rename: name too long", () => api().updateProject({ projectId, name: "p".repeat(65) }), ["name"]],
        ["rename: NUL in name", () => api().updateProject({ projectId, name: "a\u0000b" }), ["name"]],
        ["delete project: bad id", () => api().deleteProject({ projectId: "' OR 1=1 --" }), ["project_id"]],
        [
          "env rename: bad slug",
          () => api().updateEnvironment({ projectId, environment: "Dev", name: "x" }),
          ["environment"],
        ],
        [
          "env rename: empty name",
          () => api().updateEnvironment({ projectId, environment: "dev", name: "" }),
          ["name"],
        ],
        [
          "env rename: control characters",
          () => api().updateEnvironment({ projectId, environment: "dev", name: "a\u007fb\nc" }),
          ["name"],
        ],
        [
          "env rename: name too long",
          () => api().updateEnvironment({ projectId, environment: "dev", name: "n".repeat(65) }),
          ["name"],
        ],
        [
          "env rename: everything",
          () => api().updateEnvironment({ projectId: "x", environment: "../dev", name: "" }),
          ["project_id", "environment", "name"],
        ],
        [
          "delete env: everything",
          () => api().deleteEnvironment({ projectId: "x", environment: "dev/../prod" }),
          ["project_id", "environment"],
        ],
        ["list envs: page size", () => api().listEnvironments({ projectId, pageSize: 1001 }), ["page_size"]],
        [
          "list envs: forged token",
          () => api().listEnvironments({ projectId, pageToken: "not/a+token==" }),
          ["page_token"],
        ],
        [
          "list envs: token of a non-slug",
          () => api().listEnvironments({ projectId, pageToken: b64("../x") }),
          ["page_token"],
        ],
        // Folders.
        ["move: the root", () => api().moveFolder({ ...at, path: "/", newPath: "/x" }), ["path"]],
        ["move: onto the root", () => api().moveFolder({ ...at, newPath: "//" }), ["new_path"]],
        ["move: into itself", () => api().moveFolder({ ...at, newPath: "/app/sub/app" }), ["new_path"]],
        ["move: onto itself", () => api().moveFolder({ ...at, newPath: "/app/" }), ["new_path"]],
        ["move: traversal", () => api().moveFolder({ ...at, newPath: "/x/../../etc" }), ["new_path"]],
        ["move: empty", () => api().moveFolder({ ...at, newPath: "" }), ["new_path"]],
        ["move: too deep", () => api().moveFolder({ ...at, newPath: "/a".repeat(21) }), ["new_path"]],
        ["move: both bad", () => api().moveFolder({ ...at, path: "/a b", newPath: "relative" }), ["path", "new_path"]],
        ["delete folder: the root", () => api().deleteFolder({ ...at, path: "//", recursive: true }), ["path"]],
        ["delete folder: empty path", () => api().deleteFolder({ ...at, path: "" }), ["path"]],
        ["delete folder: NUL", () => api().deleteFolder({ ...at, path: "/app\u0000" }), ["path"]],
        // Metadata.
        [
          "create: 33 tags",
          () => api().createSecret({ ...at, key: "NEW", value: "v", metadata: manyTags }),
          ["metadata"],
        ],
        [
          "create: tag key with a space",
          () => api().createSecret({ ...at, key: "NEW", value: "v", metadata: { "bad key": "v" } }),
          ["metadata"],
        ],
        [
          "create: tag key too long",
          () => api().createSecret({ ...at, key: "NEW", value: "v", metadata: { ["k".repeat(65)]: "v" } }),
          ["metadata"],
        ],
        [
          "create: tag key NUL",
          () => api().createSecret({ ...at, key: "NEW", value: "v", metadata: { "a\u0000": "v" } }),
          ["metadata"],
        ],
        [
          "create: tag value too long",
          () => api().createSecret({ ...at, key: "NEW", value: "v", metadata: { owner: "v".repeat(257) } }),
          ["metadata"],
        ],
        [
          "create: tag value with a newline",
          () => api().createSecret({ ...at, key: "NEW", value: "v", metadata: { owner: "a\nb" } }),
          ["metadata"],
        ],
        [
          "update: bad tags",
          () => api().updateSecret({ ...at, key: "KEPT", metadata: { entries: { "": "v" } } }),
          ["metadata.entries"],
        ],
        // Versions.
        [
          "delete: expected version 0",
          () => api().deleteSecret({ ...at, key: "KEPT", expectedVersion: 0n }),
          ["expected_version"],
        ],
        ["versions: page size", () => api().listSecretVersions({ ...at, key: "KEPT", pageSize: 501 }), ["page_size"]],
        [
          "versions: forged token",
          () => api().listSecretVersions({ ...at, key: "KEPT", pageToken: b64("1 or 1=1") }),
          ["page_token"],
        ],
        [
          "versions: token of version 0",
          () => api().listSecretVersions({ ...at, key: "KEPT", pageToken: b64("0") }),
          ["page_token"],
        ],
        ["versions: bad key", () => api().listSecretVersions({ ...at, key: "KE PT" }), ["key"]],
        ["version: 0", () => api().getSecretVersion({ ...at, key: "KEPT", version: 0n }), ["version"]],
        ["version: past 2^31", () => api().getSecretVersion({ ...at, key: "KEPT", version: 2n ** 31n }), ["version"]],
        ["version: huge", () => api().getSecretVersion({ ...at, key: "KEPT", version: 2n ** 64n - 1n }), ["version"]],
        [
          "rollback: everything",
          () =>
            api().rollbackSecret({
              projectId: "x",
              environment: "DEV",
              path: "..",
              key: "",
              version: 0n,
              expectedVersion: 0n,
            }),
          ["project_id", "environment", "path", "key", "version", "expected_version"],
        ],
        // Bulk writes.
        ["bulk: no writes", () => api().bulkWriteSecrets({ projectId, writes: [] }), ["writes"]],
        [
          "bulk: 10,001 writes",
          () =>
            api().bulkWriteSecrets({
              projectId,
              writes: Array.from({ length: 10_001 }, (_, i) => write({ key: `K${i}` })),
            }),
          ["writes"],
        ],
        ["bulk: bad project", () => api().bulkWriteSecrets({ projectId: "x", writes: [write({})] }), ["project_id"]],
        [
          "bulk: no operation",
          () => api().bulkWriteSecrets({ projectId, writes: [write({ operation: UNSPECIFIED })] }),
          ["writes[0].operation"],
        ],
        [
          "bulk: unknown operation",
          () => api().bulkWriteSecrets({ projectId, writes: [write({ operation: 99 })] }),
          ["writes[0].operation"],
        ],
        [
          "bulk: address",
          () =>
            api().bulkWriteSecrets({
              projectId,
              writes: [write({}), write({ environment: "Dev", path: "/../x", key: "1X" })],
            }),
          ["writes[1].environment", "writes[1].path", "writes[1].key"],
        ],
        [
          "bulk: oversized value",
          () => api().bulkWriteSecrets({ projectId, writes: [write({ value: "x".repeat(256 * 1024 + 1) })] }),
          ["writes[0].value"],
        ],
        [
          "bulk: create without value",
          () =>
            api().bulkWriteSecrets({
              projectId,
              writes: [{ operation: CREATE, environment: "dev", path: "/", key: "K" }],
            }),
          ["writes[0].value"],
        ],
        [
          "bulk: update with nothing",
          () =>
            api().bulkWriteSecrets({
              projectId,
              writes: [{ operation: UPDATE, environment: "dev", path: "/app", key: "KEPT" }],
            }),
          ["writes[0].value"],
        ],
        [
          "bulk: delete with content",
          () =>
            api().bulkWriteSecrets({
              projectId,
              writes: [{ operation: DELETE, environment: "dev", path: "/app", key: "KEPT", value: "v", comment: "c" }],
            }),
          ["writes[0].value", "writes[0].comment"],
        ],
        [
          "bulk: create expecting a version",
          () => api().bulkWriteSecrets({ projectId, writes: [write({ expectedVersion: 1n })] }),
          ["writes[0].expected_version"],
        ],
        [
          "bulk: bad tags and comment",
          () =>
            api().bulkWriteSecrets({
              projectId,
              writes: [write({ metadata: { entries: manyTags }, comment: "a\u0000" })],
            }),
          ["writes[0].metadata", "writes[0].comment"],
        ],
        [
          "bulk: key twice in a folder",
          () =>
            api().bulkWriteSecrets({
              projectId,
              writes: [write({ path: "/app" }), write({ path: "//app/", operation: DELETE, value: undefined })],
            }),
          ["writes[1].key"],
        ],
        [
          "bulk: 100 bad writes are summed up",
          () =>
            api().bulkWriteSecrets({
              projectId,
              writes: Array.from({ length: 100 }, (_, i) => write({ key: `${i}BAD` })),
            }),
          [...Array.from({ length: 20 }, (_, i) => `writes[${i}].key`), "writes"],
        ],
        // Audit.
        ["audit: bad project", () => api().listAuditEvents({ projectId: "x" }), ["project_id"]],
        [
          "audit: prefix with wildcards",
          () => api().listAuditEvents({ projectId, actionPrefix: "secret%" }),
          ["action_prefix"],
        ],
        [
          "audit: prefix in capitals",
          () => api().listAuditEvents({ projectId, actionPrefix: "SECRET." }),
          ["action_prefix"],
        ],
        ["audit: page size", () => api().listAuditEvents({ projectId, pageSize: 5000 }), ["page_size"]],
        ["audit: forged token", () => api().listAuditEvents({ projectId, pageToken: "%%%" }), ["page_token"]],
      ]),
    );
    expect(events).toEqual([]);
    expect(await observe(f)).toEqual({ ...before, revision: before.revision + 2n });
  });

  it("never echoes a hostile metadata key back", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const hostile = "\u001b[31m<script>";
    const error = await expectInvalid(
      api().createSecret({
        projectId: f.projectId,
        environment: "dev",
        path: "/",
        key: "K",
        value: "v",
        metadata: { [hostile]: "x" },
      }),
      ["metadata"],
    );
    expect(error.message).not.toContain(hostile);
  });

  it("answers NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION and ABORTED where the state forbids a request, and changes nothing", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const other = await createSourceFixture(service, ["dev"]);
    const projectId = f.projectId;
    const at = { projectId, environment: "dev", path: "/app" };
    await api().createSecret({ ...at, key: "KEPT", value: "v1" });
    await api().updateSecret({ ...at, key: "KEPT", value: "v2" });
    await api().createFolder({ ...at, path: `/deep${"/x".repeat(18)}` });
    await api().createFolder({ ...at, path: "/taken" });
    const before = await observe(f);
    const unknown = randomUUID();
    const otherName = (await api().getProject({ projectId: other.projectId })).project!.name;

    const events = await f.eventsOf(async () => {
      const cases: Array<[string, () => Promise<unknown>, Code, string[]?]> = [
        ["rename an unknown project", () => api().updateProject({ projectId: unknown, name: "x" }), Code.NOT_FOUND],
        ["rename onto a taken name", () => api().updateProject({ projectId, name: otherName }), Code.ALREADY_EXISTS],
        ["delete an unknown project", () => api().deleteProject({ projectId: unknown }), Code.NOT_FOUND],
        [
          "rename an unknown environment",
          () => api().updateEnvironment({ projectId, environment: "prod", name: "x" }),
          Code.NOT_FOUND,
        ],
        [
          "delete an unknown environment",
          () => api().deleteEnvironment({ projectId, environment: "prod" }),
          Code.NOT_FOUND,
        ],
        ["environments of an unknown project", () => api().listEnvironments({ projectId: unknown }), Code.NOT_FOUND],
        ["move a missing folder", () => api().moveFolder({ ...at, path: "/nowhere", newPath: "/x" }), Code.NOT_FOUND],
        ["move onto a folder", () => api().moveFolder({ ...at, newPath: "/taken" }), Code.ALREADY_EXISTS],
        [
          "move past the depth limit",
          () => api().moveFolder({ ...at, path: "/deep", newPath: "/p/q/r" }),
          Code.FAILED_PRECONDITION,
          ["new_path"],
        ],
        [
          "delete a missing folder",
          () => api().deleteFolder({ ...at, path: "/nowhere", recursive: true }),
          Code.NOT_FOUND,
        ],
        ["delete a non-empty folder", () => api().deleteFolder(at), Code.FAILED_PRECONDITION, ["recursive"]],
        [
          "delete a folder with subfolders",
          () => api().deleteFolder({ ...at, path: "/deep" }),
          Code.FAILED_PRECONDITION,
          ["recursive"],
        ],
        ["versions of a missing secret", () => api().listSecretVersions({ ...at, key: "MISSING" }), Code.NOT_FOUND],
        ["a missing version", () => api().getSecretVersion({ ...at, key: "KEPT", version: 3n }), Code.NOT_FOUND],
        [
          "roll back to a missing version",
          () => api().rollbackSecret({ ...at, key: "KEPT", version: 7n }),
          Code.NOT_FOUND,
        ],
        [
          "roll back a missing secret",
          () => api().rollbackSecret({ ...at, key: "MISSING", version: 1n }),
          Code.NOT_FOUND,
        ],
        [
          "roll back at a stale version",
          () => api().rollbackSecret({ ...at, key: "KEPT", version: 1n, expectedVersion: 1n }),
          Code.ABORTED,
        ],
        [
          "update at a stale version",
          () => api().updateSecret({ ...at, key: "KEPT", metadata: { entries: { a: "b" } }, expectedVersion: 3n }),
          Code.ABORTED,
        ],
        [
          "delete at a stale version",
          () => api().deleteSecret({ ...at, key: "KEPT", expectedVersion: 1n }),
          Code.ABORTED,
        ],
        [
          "bulk-write to an unknown project",
          () =>
            api().bulkWriteSecrets({
              projectId: unknown,
              writes: [{ operation: UPSERT, environment: "dev", path: "/", key: "K", value: "v" }],
            }),
          Code.NOT_FOUND,
        ],
      ];
      for (const [label, call, code, fields] of cases) {
        const error = await rpcFailure(call());
        expect({ label, code: error.code }).toEqual({ label, code });
        if (fields) expect({ label, fields: error.violations.map((v) => v.field) }).toEqual({ label, fields });
      }
    });
    expect(events).toEqual([]);
    expect(await observe(f)).toEqual({ ...before, revision: before.revision + 2n });
    expect((await api().listAuditEvents({ projectId: unknown })).events).toEqual([]);
  });
});
