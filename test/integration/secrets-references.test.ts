import { randomBytes, randomUUID } from "node:crypto";
import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { Code } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";
import { createSourceFixture, eventSummary } from "./helpers/source-fixture.ts";

/**
 * Secret references through the real service: snapshots expand `${KEY}`, `${env.path.KEY}` and
 * `${env:/path:KEY}` recursively and report missing references and cycles (never an empty value),
 * ValidateSecretValue checks a value without writing, and a change to a referenced secret yields
 * exactly one event for each folder whose secrets reference it, directly or through a chain.
 */
const service = useSystem({ name: "references_it", services: ["secrets"], sourceEvents: true });

const api = () => service.secrets;
const fixture = () => createSourceFixture(service, ["dev", "prod"]);

describe("expansion in snapshots", () => {
  it("expands same-folder, cross-folder, cross-environment, root and explicit references, recursively, and keeps $${ literal", async () => {
    const f = await fixture();
    await f.put("prod", "/", { ROOT_PW: "r00t" });
    await f.put("prod", "/db", { PASS: "${prod.ROOT_PW}!" });
    await f.put("prod", "/v1.2", { "my.key": "dotted" });
    await f.put("dev", "/", { HOST: "db.local" });
    await f.put("dev", "/app", {
      USER: "app",
      URL: "postgres://${USER}:${prod.db.PASS}@${dev.HOST}/x?a=$${NOT_A_REF}",
      DOTTED: "${prod:/v1.2:my.key}",
    });
    const snapshot = await f.snapshot("dev", "/app");
    expect(snapshot.lines).toEqual([
      "DOTTED@dev:/app=dotted",
      "URL@dev:/app=postgres://app:r00t!@db.local/x?a=${NOT_A_REF}",
      "USER@dev:/app=app",
    ]);
    expect(snapshot.problems).toEqual([]);
    // Stored values are not expanded.
    expect(
      (await api().getSecret({ projectId: f.projectId, environment: "dev", path: "/app", key: "URL" })).secret!.value,
    ).toContain("${USER}");
  });

  it("resolves an imported secret's references in the folder it comes from", async () => {
    const f = await fixture();
    await f.put("dev", "/far", { Z: "far-z" });
    await f.put("dev", "/lib", { X: "lib:${Y}", Y: "${dev.far.Z}" });
    await f.put("dev", "/app", { Y: "app-y" });
    await api().createSecretImport({
      projectId: f.projectId,
      environment: "dev",
      path: "/app",
      importEnvironment: "dev",
      importPath: "/lib",
      position: 0,
    });
    // lib's Y is shadowed by app's Y in the snapshot, yet it is what lib's X references.
    expect(await f.snapshot("dev", "/app")).toEqual({
      lines: ["X@dev:/lib=lib:far-z", "Y@dev:/app=app-y"],
      collisions: [],
      problems: [],
    });
  });

  it("reports missing references and cycles in reference_problems, keeping the references as written, without values", async () => {
    const f = await fixture();
    const canary = `canary-${randomBytes(6).toString("hex")}`;
    await f.put("dev", "/app", {
      OK: canary,
      MISSING: `${canary}-\${NOPE}-\${prod.db.GONE}`,
      A: "${B}",
      B: "${dev.app.A}",
      BAD: `${canary}\${not valid}`,
    });
    const snapshot = await f.snapshot("dev", "/app");
    // A cycle is cut where it closes: A gets B's value, whose reference back to A stays as written.
    expect(snapshot.lines).toEqual([
      "A@dev:/app=${dev.app.A}",
      "B@dev:/app=${dev.app.A}",
      `BAD@dev:/app=${canary}\${not valid}`,
      `MISSING@dev:/app=${canary}-\${NOPE}-\${prod.db.GONE}`,
      `OK@dev:/app=${canary}`,
    ]);
    expect(snapshot.problems).toEqual([
      "dev:/app:BAD: malformed reference at character 20: a key must start with a letter or '_' and contain only letters, digits, '_' and '-' (use ${environment:/path:KEY} for keys with '.')",
      "dev:/app:MISSING references dev:/app:NOPE, which does not exist",
      "dev:/app:MISSING references prod:/db:GONE, which does not exist",
      "reference cycle: dev:/app:A → dev:/app:B → dev:/app:A",
    ]);
    expect(snapshot.problems.join("\n")).not.toContain(canary);
  });

  it("bounds reference chains at 10", async () => {
    const f = await fixture();
    const chain: Record<string, string> = {};
    for (let i = 0; i < 12; i++) chain[`K${i}`] = i === 11 ? "end" : `\${K${i + 1}}`;
    await f.put("dev", "/deep", chain);
    const snapshot = await f.snapshot("dev", "/deep");
    expect(snapshot.lines).toContain("K2@dev:/deep=end");
    expect(snapshot.lines).toContain("K0@dev:/deep=${K1}");
    expect(snapshot.problems).toEqual(["dev:/deep:K0: reference chain through dev:/deep:K1 is longer than 10"]);
  });
});

describe("ValidateSecretValue", () => {
  it("lists references with whether they exist and reports problems, writing nothing", async () => {
    const f = await fixture();
    await f.put("dev", "/app", { USER: "u", LOOP: "${NEW}" });
    await f.put("prod", "/db", { PASS: "p" });
    const at = { projectId: f.projectId, environment: "dev", path: "/app", key: "NEW" };
    const before = await f.revision();
    const events = await f.eventsOf(async () => {
      expect(await api().validateSecretValue({ ...at, value: "${USER}:${prod.db.PASS}" })).toMatchObject({
        references: [
          { environment: "dev", path: "/app", key: "USER", found: true },
          { environment: "prod", path: "/db", key: "PASS", found: true },
        ],
        problems: [],
      });
      const missing = await api().validateSecretValue({ ...at, value: "${prod.db.NOPE}" });
      expect(missing.references).toMatchObject([{ environment: "prod", path: "/db", key: "NOPE", found: false }]);
      expect(missing.problems).toEqual(["dev:/app:NEW references prod:/db:NOPE, which does not exist"]);
      expect((await api().validateSecretValue({ ...at, value: "x${LOOP}" })).problems).toEqual([
        "reference cycle: dev:/app:NEW → dev:/app:LOOP → dev:/app:NEW",
      ]);
      expect((await api().validateSecretValue({ ...at, value: "${NEW}" })).problems).toEqual([
        "reference cycle: dev:/app:NEW → dev:/app:NEW",
      ]);
      expect((await api().validateSecretValue({ ...at, value: "${" })).problems).toEqual([
        expect.stringMatching(/^dev:\/app:NEW: unterminated reference at character 1/),
      ]);
      expect(await api().validateSecretValue({ ...at, value: "plain $${x}" })).toMatchObject({
        references: [],
        problems: [],
      });
      // A folder that does not exist yet is fine: its references are simply missing.
      expect((await api().validateSecretValue({ ...at, path: "/new", value: "${USER}" })).problems).toEqual([
        "dev:/new:NEW references dev:/new:USER, which does not exist",
      ]);
    });
    expect(events).toEqual([]);
    expect((await f.revision()) - before).toBe(2n); // the two fence writes only
    expect(
      (await api().listSecrets({ projectId: f.projectId, environment: "dev", path: "/app" })).secrets.map((s) => s.key),
    ).toEqual(["LOOP", "USER"]);
  });

  it("answers NOT_FOUND for an unknown project or environment and INVALID_ARGUMENT naming each bad field", async () => {
    const f = await fixture();
    const at = { projectId: f.projectId, environment: "dev", path: "/app", key: "K", value: "v" };
    expect((await rpcFailure(api().validateSecretValue({ ...at, environment: "staging" }))).code).toBe(Code.NOT_FOUND);
    expect((await rpcFailure(api().validateSecretValue({ ...at, projectId: randomUUID() }))).code).toBe(Code.NOT_FOUND);
    await expectInvalid(api().validateSecretValue({ ...at, projectId: "'; drop table secrets; --" }), ["project_id"]);
    await expectInvalid(api().validateSecretValue({ ...at, key: "1 bad" }), ["key"]);
    await expectInvalid(api().validateSecretValue({ ...at, value: "x".repeat(256 * 1024 + 1) }), ["value"]);
    await expectInvalid(api().validateSecretValue({ ...at, path: "/../etc" }), ["path"]);
    await expectInvalid(
      api().validateSecretValue({ projectId: "", environment: "Dev", path: "", key: "", value: "${".repeat(200_000) }),
      ["project_id", "environment", "path", "key", "value"],
    );
  });
});

describe("change events", () => {
  it("sends one event to every folder referencing a changed secret, through chains and imports, and keeps the index current", async () => {
    const f = await fixture();
    await f.put("prod", "/db", { PASS: "p1", OTHER: "o" });
    await f.put("dev", "/app", { URL: "u:${prod.db.PASS}", ALSO: "${prod.db.PASS}-${prod.db.OTHER}" });
    await f.put("dev", "/other", { LINK: "${dev.app.URL}" });
    await f.put("dev", "/top", { T: "t" });
    await f.put("dev", "/bystander", { B: "b" });
    await api().createSecretImport({
      projectId: f.projectId,
      environment: "dev",
      path: "/top",
      importEnvironment: "dev",
      importPath: "/other",
      position: 0,
    });
    const update = (environment: string, path: string, key: string, value: string) =>
      api().updateSecret({ projectId: f.projectId, environment, path, key, value });

    const changed = await f.eventsOf(() => update("prod", "/db", "PASS", "p2"));
    expect(changed.map(eventSummary)).toEqual([
      "prod:/db SECRETS_CHANGED",
      "dev:/app SECRETS_CHANGED <- prod:/db",
      "dev:/other SECRETS_CHANGED <- prod:/db",
      "dev:/top SECRETS_CHANGED <- prod:/db",
    ]);
    expect(changed[1]!.event.changes.map((c) => c.key).sort()).toEqual(["ALSO", "URL"]);
    expect((await f.snapshot("dev", "/top")).lines).toEqual(["LINK@dev:/other=u:p2", "T@dev:/top=t"]);

    // A write that sets a referenced secret that did not exist reaches its referencers too.
    await update("dev", "/bystander", "B", "${dev.app.LATER}");
    const created = await f.eventsOf(() =>
      api().createSecret({ projectId: f.projectId, environment: "dev", path: "/app", key: "LATER", value: "l" }),
    );
    expect(created.map(eventSummary)).toEqual([
      "dev:/app SECRETS_CHANGED",
      "dev:/bystander SECRETS_CHANGED <- dev:/app",
    ]);

    // After URL stops referencing PASS, and ALSO is deleted, PASS changes reach nobody.
    await update("dev", "/app", "URL", "plain");
    await api().deleteSecret({ projectId: f.projectId, environment: "dev", path: "/app", key: "ALSO" });
    expect((await f.eventsOf(() => update("prod", "/db", "PASS", "p3"))).map(eventSummary)).toEqual([
      "prod:/db SECRETS_CHANGED",
    ]);
  });

  it("keeps the index when only a comment changes, indexes bulk writes, and fans out once per folder for a bulk write touching several referenced secrets", async () => {
    const f = await fixture();
    await f.put("prod", "/db", { A: "a", B: "b" });
    await f.put("prod", "/cache", { C: "c" });
    await f.put("dev", "/app", { X: "${prod.db.A}", Y: "${prod.db.B}${prod.cache.C}" });
    await api().updateSecret({
      projectId: f.projectId,
      environment: "dev",
      path: "/app",
      key: "X",
      comment: "only a comment",
    });
    expect(
      (
        await f.eventsOf(() =>
          api().updateSecret({ projectId: f.projectId, environment: "prod", path: "/db", key: "A", value: "a2" }),
        )
      ).map(eventSummary),
    ).toEqual(["prod:/db SECRETS_CHANGED", "dev:/app SECRETS_CHANGED <- prod:/db"]);

    const write = (path: string, key: string, value: string) => ({
      operation: SecretWriteOperation.UPDATE,
      environment: "prod",
      path,
      key,
      value,
    });
    const bulk = await f.eventsOf(() =>
      api().bulkWriteSecrets({
        projectId: f.projectId,
        writes: [write("/db", "A", "a3"), write("/db", "B", "b3"), write("/cache", "C", "c3")],
      }),
    );
    expect(bulk.map(eventSummary).sort()).toEqual([
      "dev:/app SECRETS_CHANGED <- prod:/db",
      "prod:/cache SECRETS_CHANGED",
      "prod:/db SECRETS_CHANGED",
    ]);
    expect((await f.snapshot("dev", "/app")).lines).toEqual(["X@dev:/app=a3", "Y@dev:/app=b3c3"]);

    // References written by a bulk write are indexed too.
    await api().bulkWriteSecrets({
      projectId: f.projectId,
      writes: [
        {
          operation: SecretWriteOperation.CREATE,
          environment: "dev",
          path: "/bulk",
          key: "Z",
          value: "${prod.cache.C}",
        },
      ],
    });
    const later = await f.eventsOf(() =>
      api().updateSecret({ projectId: f.projectId, environment: "prod", path: "/cache", key: "C", value: "c4" }),
    );
    expect(later.map(eventSummary).sort()).toEqual([
      "dev:/app SECRETS_CHANGED <- prod:/cache",
      "dev:/bulk SECRETS_CHANGED <- prod:/cache",
      "prod:/cache SECRETS_CHANGED",
    ]);
  });

  it("keeps same-folder references of a folder that moves, and reaches referencers of its new path", async () => {
    const f = await fixture();
    await f.put("dev", "/app", { Y: "y1", X: "x:${Y}" });
    await f.put("dev", "/reader", { R: "${dev.svc.X}" });
    await api().moveFolder({ projectId: f.projectId, environment: "dev", path: "/app", newPath: "/svc" });
    expect(await f.snapshot("dev", "/reader")).toEqual({ lines: ["R@dev:/reader=x:y1"], collisions: [], problems: [] });
    const events = await f.eventsOf(() =>
      api().updateSecret({ projectId: f.projectId, environment: "dev", path: "/svc", key: "Y", value: "y2" }),
    );
    expect(events.map(eventSummary)).toEqual(["dev:/svc SECRETS_CHANGED", "dev:/reader SECRETS_CHANGED <- dev:/svc"]);
    expect((await f.snapshot("dev", "/reader")).lines).toEqual(["R@dev:/reader=x:y2"]);
  });

  it("reaches the referencers and importers of a deleted folder", async () => {
    const f = await fixture();
    await f.put("prod", "/gone/sub", { S: "s" });
    await f.put("dev", "/ref", { R: "${prod.gone.sub.S}" });
    await f.put("dev", "/imp", { I: "i" });
    await api().createSecretImport({
      projectId: f.projectId,
      environment: "dev",
      path: "/imp",
      importEnvironment: "prod",
      importPath: "/gone/sub",
      position: 0,
    });
    const events = await f.eventsOf(() =>
      api().deleteFolder({ projectId: f.projectId, environment: "prod", path: "/gone", recursive: true }),
    );
    expect(events.map(eventSummary).sort()).toEqual([
      "dev:/imp SECRETS_CHANGED <- prod:/gone",
      "dev:/ref SECRETS_CHANGED <- prod:/gone",
      "prod:/gone FOLDER_DELETED",
    ]);
    expect((await f.snapshot("dev", "/ref")).problems).toEqual([
      "dev:/ref:R references prod:/gone/sub:S, which does not exist",
    ]);
    expect((await f.snapshot("dev", "/imp")).lines).toEqual(["I@dev:/imp=i"]);
  });
});
