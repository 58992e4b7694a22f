import { randomBytes } from "node:crypto";
import { KeyChangeKind, SourceChangeKind } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { Code } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";
import type { StoredSourceEvent } from "./helpers/source-event-log.ts";
import { createSourceFixture } from "./helpers/source-fixture.ts";

/**
 * The write model of the secrets service through the real process on PostgreSQL and JetStream:
 * projects and environments are renamed, paged and deleted (deletions publish PROJECT_DELETED /
 * ENVIRONMENT_DELETED so syncs can fail instead of wiping a destination); folders move with their
 * subtree and secrets and are deleted only recursively when they hold anything; every secret write
 * is a version that can be listed, read and rolled back to, guarded by expected_version; and every
 * mutation lands in the audit log with its actor, never with a value.
 */
const service = useSystem({ name: "secrets_model_it", services: ["secrets"], sourceEvents: true });

const api = () => service.secrets;
const fixture = (environments: readonly string[] = ["dev"]) => createSourceFixture(service, environments);

/** An event as `env:path KIND [key:KIND, …] @revision`. */
const summary = (e: StoredSourceEvent) =>
  `${e.event.environment}:${e.event.path} ${SourceChangeKind[e.event.kind]} [${e.event.changes.map((c) => `${c.key}:${KeyChangeKind[c.kind]}`).join(", ")}]`;

describe("projects and environments", () => {
  it("renames a project and an environment's display name, keeping the slug", async () => {
    const f = await fixture(["dev"]);
    const name = `renamed-${randomBytes(4).toString("hex")}`;
    const events = await f.eventsOf(async () => {
      const { project } = await api().updateProject({ projectId: f.projectId, name });
      expect(project).toMatchObject({ id: f.projectId, name });
      const { environment } = await api().updateEnvironment({
        projectId: f.projectId,
        environment: "dev",
        name: "Development EU",
      });
      expect(environment).toMatchObject({ slug: "dev", name: "Development EU" });
    });
    expect(events).toEqual([]);
    expect((await api().getProject({ projectId: f.projectId })).project?.name).toBe(name);
    expect(
      (await api().listEnvironments({ projectId: f.projectId })).environments.map((e) => [e.slug, e.name]),
    ).toEqual([["dev", "Development EU"]]);
    const other = await fixture();
    expect((await rpcFailure(api().updateProject({ projectId: other.projectId, name }))).code).toBe(
      Code.ALREADY_EXISTS,
    );
  });

  it("pages through environments in slug order, every one once", async () => {
    const f = await fixture(["e5", "e1", "e4", "e2", "e3"]);
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await api().listEnvironments({ projectId: f.projectId, pageSize: 2, pageToken });
      expect(page.environments.length).toBeLessThanOrEqual(2);
      seen.push(...page.environments.map((e) => e.slug));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== "");
    expect(seen).toEqual(["e1", "e2", "e3", "e4", "e5"]);
    expect(pages).toBe(3);
    expect((await api().listEnvironments({ projectId: f.projectId })).environments).toHaveLength(5);
  });

  it("deletes an environment with everything in it and publishes ENVIRONMENT_DELETED", async () => {
    const f = await fixture(["dev", "prod"]);
    await f.put("prod", "/api", { KEY: "v" });
    const before = await f.revision();
    const events = await f.eventsOf(() => api().deleteEnvironment({ projectId: f.projectId, environment: "prod" }));
    expect(events.map(summary)).toEqual(["prod:/ ENVIRONMENT_DELETED []"]);
    expect(events[0]!.event.revision).toBe(before + 2n); // after the first fence write
    expect(events[0]!.subject).toBe(`syncline.events.secrets.${f.projectId}.prod`);
    expect((await api().listEnvironments({ projectId: f.projectId })).environments.map((e) => e.slug)).toEqual(["dev"]);
    expect((await rpcFailure(api().listFolders({ projectId: f.projectId, environment: "prod" }))).code).toBe(
      Code.NOT_FOUND,
    );
    // The slug is free again, and the new environment starts empty.
    await api().createEnvironment({ projectId: f.projectId, slug: "prod", name: "" });
    expect(
      (await api().listFolders({ projectId: f.projectId, environment: "prod" })).folders.map((x) => x.path),
    ).toEqual(["/"]);
  });

  it("deletes a project and publishes PROJECT_DELETED once per environment, at one revision", async () => {
    const f = await fixture(["dev", "prod", "qa"]);
    await f.put("dev", "/", { A: "a" });
    await api().deleteProject({ projectId: f.projectId });
    expect((await rpcFailure(api().getProject({ projectId: f.projectId }))).code).toBe(Code.NOT_FOUND);
    const events = await waitForEvents(f.projectId, 4); // the put's event, then one per environment
    const deleted = events.filter((e) => e.event.kind === SourceChangeKind.PROJECT_DELETED);
    expect(events.map((e) => SourceChangeKind[e.event.kind])).toEqual([
      "SECRETS_CHANGED",
      "PROJECT_DELETED",
      "PROJECT_DELETED",
      "PROJECT_DELETED",
    ]);
    expect(deleted.map(summary).sort()).toEqual([
      "dev:/ PROJECT_DELETED []",
      "prod:/ PROJECT_DELETED []",
      "qa:/ PROJECT_DELETED []",
    ]);
    expect(new Set(deleted.map((e) => e.event.revision)).size).toBe(1);
    // The audit trail of a deleted project stays readable.
    const { events: audit } = await api().listAuditEvents({ projectId: f.projectId });
    expect(audit[0]).toMatchObject({
      action: "project.delete",
      actor: `identity:${service.adminIdentityId}`,
      target: `project:${f.projectId}`,
    });
    expect((await rpcFailure(api().deleteProject({ projectId: f.projectId }))).code).toBe(Code.NOT_FOUND);
  });
});

describe("folders", () => {
  it("moves a folder with its subtree and secrets, creating missing parents, and says so in events", async () => {
    const f = await fixture(["dev"]);
    await f.put("dev", "/api", { A: "a-value" });
    await f.put("dev", "/api/db", { B: "b-value", C: "c-value" });
    await api().createFolder({ projectId: f.projectId, environment: "dev", path: "/api/empty" });
    await f.put("dev", "/apis", { OTHER: "untouched" });
    const events = await f.eventsOf(async () => {
      const { folder } = await api().moveFolder({
        projectId: f.projectId,
        environment: "dev",
        path: "/api/",
        newPath: "//svc/v2/api",
      });
      expect(folder).toMatchObject({ path: "/svc/v2/api", environment: "dev" });
    });
    expect(events.map(summary)).toEqual([
      "dev:/api FOLDER_DELETED []",
      "dev:/svc/v2/api SECRETS_CHANGED [A:CREATED]",
      "dev:/svc/v2/api/db SECRETS_CHANGED [B:CREATED, C:CREATED]",
    ]);
    expect(new Set(events.map((e) => e.event.revision)).size).toBe(1);
    const folders = (await api().listFolders({ projectId: f.projectId, environment: "dev" })).folders.map(
      (x) => x.path,
    );
    expect(folders.filter((p) => !p.startsWith("/fence"))).toEqual([
      "/",
      "/apis",
      "/svc",
      "/svc/v2",
      "/svc/v2/api",
      "/svc/v2/api/db",
      "/svc/v2/api/empty",
    ]);
    const at = (path: string) => ({ projectId: f.projectId, environment: "dev", path });
    expect(
      (await api().listSecrets({ ...at("/svc/v2/api/db"), includeValues: true })).secrets.map((s) => [
        s.key,
        s.value,
        s.version,
      ]),
    ).toEqual([
      ["B", "b-value", 1n],
      ["C", "c-value", 1n],
    ]);
    expect((await api().getSecret({ ...at("/svc/v2/api"), key: "A" })).secret?.value).toBe("a-value");
    expect((await api().getSecret({ ...at("/apis"), key: "OTHER" })).secret?.value).toBe("untouched");
    expect((await rpcFailure(api().getSecret({ ...at("/api"), key: "A" }))).code).toBe(Code.NOT_FOUND);

    // Renaming in place, and refusals that change nothing.
    await api().moveFolder({ ...at("/svc/v2/api/db"), newPath: "/svc/v2/api/database" });
    expect((await api().getSecret({ ...at("/svc/v2/api/database"), key: "B" })).secret?.value).toBe("b-value");
    expect((await rpcFailure(api().moveFolder({ ...at("/svc/v2"), newPath: "/apis" }))).code).toBe(Code.ALREADY_EXISTS);
    expect((await rpcFailure(api().moveFolder({ ...at("/nowhere"), newPath: "/x" }))).code).toBe(Code.NOT_FOUND);
    expect(
      (await rpcFailure(api().moveFolder({ ...at("/svc"), newPath: "/svc/v2/inner" }))).violations.map((v) => v.field),
    ).toEqual(["new_path"]);
  });

  it("deletes a non-empty folder only when recursive, and publishes FOLDER_DELETED", async () => {
    const f = await fixture(["dev"]);
    await f.put("dev", "/x/y", { K: "v" });
    await api().createFolder({ projectId: f.projectId, environment: "dev", path: "/empty" });
    const at = (path: string) => ({ projectId: f.projectId, environment: "dev", path });
    const refused = await rpcFailure(api().deleteFolder(at("/x")));
    expect(refused.code).toBe(Code.FAILED_PRECONDITION);
    expect(refused.violations.map((v) => v.field)).toEqual(["recursive"]);
    expect(refused.message).toContain("not empty");
    expect((await rpcFailure(api().deleteFolder(at("/x/y")))).code).toBe(Code.FAILED_PRECONDITION);
    expect((await api().getSecret({ ...at("/x/y"), key: "K" })).secret?.value).toBe("v");

    await api().deleteFolder(at("/empty"));
    let revision = 0n;
    const events = await f.eventsOf(async () => {
      revision = (await api().deleteFolder({ ...at("/x"), recursive: true })).revision;
    });
    expect(events.map(summary)).toEqual(["dev:/x FOLDER_DELETED []"]);
    expect(events[0]!.event.revision).toBe(revision);
    expect(await f.revision()).toBe(revision + 1n); // and the last fence write
    const folders = (await api().listFolders({ projectId: f.projectId, environment: "dev" })).folders.map(
      (x) => x.path,
    );
    expect(folders.filter((p) => !p.startsWith("/fence"))).toEqual(["/"]);
    expect((await rpcFailure(api().getSecret({ ...at("/x/y"), key: "K" }))).code).toBe(Code.NOT_FOUND);
  });
});

describe("versions", () => {
  it("versions every write, lists and reads versions, and rolls back to one as a new version", async () => {
    const f = await fixture(["dev"]);
    const at = { projectId: f.projectId, environment: "dev", path: "/app" };
    await api().createSecret({ ...at, key: "K", value: "v1", comment: "first", metadata: { owner: "team-a" } });
    await api().updateSecret({ ...at, key: "K", value: "v2" });
    await api().updateSecret({ ...at, key: "K", comment: "second" });
    const { secret } = await api().updateSecret({
      ...at,
      key: "K",
      metadata: { entries: { owner: "team-b", tier: "1" } },
    });
    expect(secret).toMatchObject({
      value: "v2",
      comment: "second",
      metadata: { owner: "team-b", tier: "1" },
      version: 4n,
    });

    const listed = await api().listSecretVersions({ ...at, key: "K", includeValues: true });
    expect(listed.versions.map((v) => [v.version, v.value, v.comment, v.metadata, v.actor])).toEqual([
      [4n, "v2", "second", { owner: "team-b", tier: "1" }, `identity:${service.adminIdentityId}`],
      [3n, "v2", "second", { owner: "team-a" }, `identity:${service.adminIdentityId}`],
      [2n, "v2", "first", { owner: "team-a" }, `identity:${service.adminIdentityId}`],
      [1n, "v1", "first", { owner: "team-a" }, `identity:${service.adminIdentityId}`],
    ]);
    expect(new Set(listed.versions.map((v) => v.secretId))).toEqual(new Set([secret!.id]));
    expect((await api().listSecretVersions({ ...at, key: "K" })).versions.map((v) => v.value)).toEqual([
      "",
      "",
      "",
      "",
    ]);

    const pages: bigint[][] = [];
    let pageToken = "";
    do {
      const page = await api().listSecretVersions({ ...at, key: "K", pageSize: 3, pageToken });
      pages.push(page.versions.map((v) => v.version));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(pages).toEqual([[4n, 3n, 2n], [1n]]);

    expect((await api().getSecretVersion({ ...at, key: "K", version: 1n })).version).toMatchObject({
      version: 1n,
      value: "v1",
      comment: "first",
      metadata: { owner: "team-a" },
    });
    expect((await rpcFailure(api().getSecretVersion({ ...at, key: "K", version: 9n }))).code).toBe(Code.NOT_FOUND);

    const events = await f.eventsOf(async () => {
      const rolled = await api().rollbackSecret({ ...at, key: "K", version: 1n, expectedVersion: 4n });
      expect(rolled.secret).toMatchObject({
        value: "v1",
        comment: "first",
        metadata: { owner: "team-a" },
        version: 5n,
      });
    });
    expect(events.map(summary)).toEqual(["dev:/app SECRETS_CHANGED [K:UPDATED]"]);
    expect((await api().getSecret({ ...at, key: "K" })).secret).toMatchObject({ value: "v1", version: 5n });
    expect((await api().getSecretVersion({ ...at, key: "K", version: 5n })).version?.value).toBe("v1");
  });

  it("refuses a stale expected_version on update, rollback and delete with ABORTED, writing nothing", async () => {
    const f = await fixture(["dev"]);
    const at = { projectId: f.projectId, environment: "dev", path: "/app" };
    await api().createSecret({ ...at, key: "K", value: "v1" });
    await api().updateSecret({ ...at, key: "K", value: "v2" });
    const revision = await f.revision();
    const events = await f.eventsOf(async () => {
      for (const call of [
        () => api().updateSecret({ ...at, key: "K", value: "lost", expectedVersion: 1n }),
        () => api().rollbackSecret({ ...at, key: "K", version: 1n, expectedVersion: 1n }),
        () => api().deleteSecret({ ...at, key: "K", expectedVersion: 1n }),
      ]) {
        const error = await rpcFailure(call());
        expect(error.code).toBe(Code.ABORTED);
        expect(error.message).toContain("version 2");
      }
    });
    expect(events).toEqual([]);
    expect(await f.revision()).toBe(revision + 1n + 1n); // the two fence writes only
    expect((await api().listSecretVersions({ ...at, key: "K" })).versions).toHaveLength(2);
    await api().deleteSecret({ ...at, key: "K", expectedVersion: 2n });
    expect((await rpcFailure(api().getSecret({ ...at, key: "K" }))).code).toBe(Code.NOT_FOUND);
  });

  it("deletes a secret's history with it: a secret created again under the key starts at version 1", async () => {
    const f = await fixture(["dev"]);
    const at = { projectId: f.projectId, environment: "dev", path: "/" };
    await api().createSecret({ ...at, key: "K", value: "old-1" });
    await api().updateSecret({ ...at, key: "K", value: "old-2" });
    await api().deleteSecret({ ...at, key: "K" });
    expect((await rpcFailure(api().listSecretVersions({ ...at, key: "K" }))).code).toBe(Code.NOT_FOUND);
    const { secret } = await api().createSecret({ ...at, key: "K", value: "new" });
    expect(secret?.version).toBe(1n);
    expect(
      (await api().listSecretVersions({ ...at, key: "K", includeValues: true })).versions.map((v) => v.value),
    ).toEqual(["new"]);
  });
});

describe("audit log", () => {
  it("records every mutation with actor, action and target, newest first, never a value", async () => {
    const f = await fixture(["dev"]);
    const canary = `canary-${randomBytes(8).toString("hex")}`;
    const at = { projectId: f.projectId, environment: "dev", path: "/api" };
    await api().createSecret({ ...at, key: "K", value: `${canary}-1`, comment: "c" });
    await api().updateSecret({ ...at, key: "K", value: `${canary}-2` });
    await api().rollbackSecret({ ...at, key: "K", version: 1n });
    await api().moveFolder({ ...at, newPath: "/svc" });
    await api().deleteSecret({ ...at, path: "/svc", key: "K" });
    await api().deleteFolder({ ...at, path: "/svc" });

    const { events } = await api().listAuditEvents({ projectId: f.projectId, pageSize: 1000 });
    const story = events
      .filter((e) => !e.target.includes("/fence") && !e.target.includes("FENCE"))
      .map((e) => `${e.action} ${e.target}`);
    expect(story).toEqual([
      "folder.delete folder:dev:/svc",
      "secret.delete secret:dev:/svc:K",
      "folder.move folder:dev:/api",
      "secret.rollback secret:dev:/api:K",
      "secret.update secret:dev:/api:K",
      "secret.create secret:dev:/api:K",
      "environment.create environment:dev",
      `project.create project:${f.projectId}`,
    ]);
    expect(
      events.every(
        (e) => e.actor === `identity:${service.adminIdentityId}` && e.projectId === f.projectId && e.time !== undefined,
      ),
    ).toBe(true);
    expect(events.find((e) => e.action === "folder.move")?.details).toMatchObject({
      to: "/svc",
      folders: "1",
      secrets: "1",
    });
    expect(events.find((e) => e.action === "secret.rollback")?.details).toMatchObject({
      version: "3",
      from_version: "1",
    });
    expect(JSON.stringify(events, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(canary);

    const secretsOnly = await api().listAuditEvents({
      projectId: f.projectId,
      actionPrefix: "secret.",
      pageSize: 1000,
    });
    expect(secretsOnly.events.length).toBeGreaterThanOrEqual(4);
    expect(secretsOnly.events.every((e) => e.action.startsWith("secret."))).toBe(true);

    const paged: string[] = [];
    let pageToken = "";
    do {
      const page = await api().listAuditEvents({ projectId: f.projectId, pageSize: 3, pageToken });
      paged.push(...page.events.map((e) => e.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(paged).toEqual(events.map((e) => e.id));
  });
});

async function waitForEvents(projectId: string, count: number): Promise<StoredSourceEvent[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const events = await service.sourceEvents.read(projectId);
    if (events.length >= count) return events;
    if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${events.length}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
