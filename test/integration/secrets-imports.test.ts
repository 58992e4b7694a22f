import { randomUUID } from "node:crypto";
import { Code } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";
import { createSourceFixture, eventSummary, type SourceFixture } from "./helpers/source-fixture.ts";

/**
 * Secret imports through the real service on PostgreSQL and JetStream: snapshots include imported
 * secrets with the documented precedence (local first, then imports by position, chains followed),
 * cycles and over-long chains are refused when created, bad requests change nothing, and a change
 * in an imported folder yields exactly one SECRETS_CHANGED event (with its origin) for every
 * folder importing it, directly or through a chain.
 */
const service = useSystem({ name: "imports_it", services: ["secrets"], sourceEvents: true });

const api = () => service.secrets;
const fixture = () => createSourceFixture(service, ["dev", "prod"]);

async function importInto(f: SourceFixture, to: string, from: string, position = 0) {
  const [environment, path] = to.split(":") as [string, string];
  const [importEnvironment, importPath] = from.split(":") as [string, string];
  return (
    await api().createSecretImport({
      projectId: f.projectId,
      environment,
      path,
      importEnvironment,
      importPath,
      position,
    })
  ).secretImport!;
}

async function importsOf(f: SourceFixture, at: string): Promise<string[]> {
  const [environment, path] = at.split(":") as [string, string];
  const { secretImports } = await api().listSecretImports({ projectId: f.projectId, environment, path });
  return secretImports.map((i) => `${i.position}:${i.importEnvironment}:${i.importPath}`);
}

describe("precedence", () => {
  it("puts local keys first, then imports by position; inserting and deleting keep positions contiguous", async () => {
    const f = await fixture();
    await f.put("dev", "/app", { LOCAL: "app", SHARED: "app-local" });
    await f.put("dev", "/a", { SHARED: "from-a", BOTH: "from-a", A_ONLY: "a" });
    await f.put("dev", "/b", { BOTH: "from-b", B_ONLY: "b" });
    await f.put("prod", "/common", { BOTH: "from-common", COMMON: "c" });

    const b = await importInto(f, "dev:/app", "dev:/b");
    expect(b).toMatchObject({
      projectId: f.projectId,
      environment: "dev",
      path: "/app",
      importEnvironment: "dev",
      importPath: "/b",
      position: 1,
    });
    const common = await importInto(f, "dev:/app", "prod:/common");
    const a = await importInto(f, "dev:/app", "dev:/a", 1);
    expect(a.position).toBe(1);
    expect(await importsOf(f, "dev:/app")).toEqual(["1:dev:/a", "2:dev:/b", "3:prod:/common"]);
    expect((await f.snapshot("dev", "/app")).lines).toEqual([
      "A_ONLY@dev:/a=a",
      "BOTH@dev:/a=from-a",
      "B_ONLY@dev:/b=b",
      "COMMON@prod:/common=c",
      "LOCAL@dev:/app=app",
      "SHARED@dev:/app=app-local",
    ]);

    await api().deleteSecretImport({ projectId: f.projectId, secretImportId: a.id });
    expect(await importsOf(f, "dev:/app")).toEqual(["1:dev:/b", "2:prod:/common"]);
    expect((await f.snapshot("dev", "/app")).lines).toEqual([
      "BOTH@dev:/b=from-b",
      "B_ONLY@dev:/b=b",
      "COMMON@prod:/common=c",
      "LOCAL@dev:/app=app",
      "SHARED@dev:/app=app-local",
    ]);
    await api().deleteSecretImport({ projectId: f.projectId, secretImportId: b.id });
    expect((await f.snapshot("dev", "/app")).lines).toContain("BOTH@prod:/common=from-common");
    expect(
      (await api().listSecretImports({ projectId: f.projectId, environment: "dev", path: "/app" })).secretImports.map(
        (i) => i.id,
      ),
    ).toEqual([common.id]);
  });

  it("follows chains: an imported folder brings its own imports, below its own keys", async () => {
    const f = await fixture();
    await f.put("dev", "/c", { K: "c", C: "c" });
    await f.put("dev", "/d", { K: "d", D: "d" });
    await f.put("dev", "/e", { K: "e", D: "e", E: "e" });
    await importInto(f, "dev:/c", "dev:/d");
    await importInto(f, "dev:/d", "dev:/e");
    expect((await f.snapshot("dev", "/c")).lines).toEqual(["C@dev:/c=c", "D@dev:/d=d", "E@dev:/e=e", "K@dev:/c=c"]);
    expect((await f.snapshot("dev", "/c")).collisions).toEqual([]);
  });
});

describe("refused imports", () => {
  it("refuses a cycle with FAILED_PRECONDITION naming the chain, and changes nothing", async () => {
    const f = await fixture();
    await f.put("dev", "/x", { X: "x" });
    await f.put("dev", "/y", { Y: "y" });
    await f.put("prod", "/z", { Z: "z" });
    await importInto(f, "dev:/x", "dev:/y");
    await importInto(f, "dev:/y", "prod:/z");
    const revision = await f.revision();
    const events = await f.eventsOf(async () => {
      const error = await rpcFailure(importInto(f, "prod:/z", "dev:/x"));
      expect(error.code).toBe(Code.FAILED_PRECONDITION);
      expect(error.message).toContain("prod:/z → dev:/x → dev:/y → prod:/z");
      expect(error.violations.map((v) => v.field)).toEqual(["import_path"]);
    });
    expect(events).toEqual([]);
    expect(await importsOf(f, "prod:/z")).toEqual([]);
    expect((await f.revision()) - revision).toBe(2n); // the two fence writes only
  });

  it(`bounds chains at 10 imports`, async () => {
    const f = await fixture();
    for (let i = 0; i <= 11; i++) await f.put("dev", `/l${i}`, { [`K${i}`]: `${i}` });
    for (let i = 0; i < 10; i++) await importInto(f, `dev:/l${i}`, `dev:/l${i + 1}`);
    expect((await f.snapshot("dev", "/l0")).lines).toHaveLength(11);
    const error = await rpcFailure(importInto(f, "dev:/l10", "dev:/l11"));
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    expect(error.message).toContain("chain of 11 imports (at most 10): dev:/l0 → dev:/l1");
    expect(await importsOf(f, "dev:/l10")).toEqual([]);
  });

  it("answers NOT_FOUND naming the field, ALREADY_EXISTS for a duplicate, INVALID_ARGUMENT for a position past the end", async () => {
    const f = await fixture();
    await f.put("dev", "/app", { A: "a" });
    await f.put("dev", "/lib", { L: "l" });
    await importInto(f, "dev:/app", "dev:/lib");
    const at = {
      projectId: f.projectId,
      environment: "dev",
      path: "/app",
      importEnvironment: "dev",
      importPath: "/lib",
      position: 0,
    };
    const notFound: Array<[string, Parameters<typeof service.secrets.createSecretImport>[0]]> = [
      ["import_environment", { ...at, importEnvironment: "staging" }],
      ["import_path", { ...at, importPath: "/nowhere" }],
      ["environment", { ...at, environment: "staging" }],
      ["path", { ...at, path: "/nowhere" }],
      ["project_id", { ...at, projectId: randomUUID() }],
    ];
    const before = await f.revision();
    for (const [field, request] of notFound) {
      const error = await rpcFailure(api().createSecretImport(request));
      expect({ field, code: error.code, fields: error.violations.map((v) => v.field) }).toEqual({
        field,
        code: Code.NOT_FOUND,
        fields: [field],
      });
    }
    expect((await rpcFailure(api().createSecretImport(at))).code).toBe(Code.ALREADY_EXISTS);
    await expectInvalid(api().createSecretImport({ ...at, importPath: "/", position: 3 }), ["position"]);
    expect(
      (await rpcFailure(api().deleteSecretImport({ projectId: f.projectId, secretImportId: randomUUID() }))).code,
    ).toBe(Code.NOT_FOUND);
    expect(
      (await rpcFailure(api().listSecretImports({ projectId: f.projectId, environment: "dev", path: "/nowhere" })))
        .code,
    ).toBe(Code.NOT_FOUND);
    expect(await importsOf(f, "dev:/app")).toEqual(["1:dev:/lib"]);
    expect(await f.revision()).toBe(before);
  });

  it("answers INVALID_ARGUMENT naming every field for malformed and hostile input, and persists nothing", async () => {
    const f = await fixture();
    await f.put("dev", "/app", { A: "a" });
    await f.put("dev", "/lib", { L: "l" });
    const good = {
      projectId: f.projectId,
      environment: "dev",
      path: "/app",
      importEnvironment: "dev",
      importPath: "/lib",
      position: 0,
    };
    const before = await f.revision();
    const cases: Array<[string, () => Promise<unknown>, string[]]> = [
      ["SQL in project id", () => api().createSecretImport({ ...good, projectId: "' OR 1=1 --" }), ["project_id"]],
      ["uppercase environment", () => api().createSecretImport({ ...good, environment: "DEV" }), ["environment"]],
      [
        "import environment with a dot",
        () => api().createSecretImport({ ...good, importEnvironment: "prod.eu" }),
        ["import_environment"],
      ],
      [
        "empty import environment",
        () => api().createSecretImport({ ...good, importEnvironment: "" }),
        ["import_environment"],
      ],
      ["import path with ..", () => api().createSecretImport({ ...good, importPath: "/lib/../app" }), ["import_path"]],
      ["relative import path", () => api().createSecretImport({ ...good, importPath: "lib" }), ["import_path"]],
      ["import path with NUL", () => api().createSecretImport({ ...good, importPath: "/lib\u0000" }), ["import_path"]],
      [
        "import path too long",
        () => api().createSecretImport({ ...good, importPath: `/${"a".repeat(600)}` }),
        ["import_path"],
      ],
      ["a folder importing itself", () => api().createSecretImport({ ...good, importPath: "//app/" }), ["import_path"]],
      ["huge position", () => api().createSecretImport({ ...good, position: 4_294_967_295 }), ["position"]],
      [
        "every field wrong",
        () =>
          api().createSecretImport({
            projectId: "x",
            environment: "-",
            path: "..",
            importEnvironment: "A",
            importPath: "",
            position: 100,
          }),
        ["project_id", "environment", "path", "import_environment", "import_path", "position"],
      ],
      [
        "list with a bad path",
        () => api().listSecretImports({ projectId: f.projectId, environment: "dev", path: "/a b" }),
        ["path"],
      ],
      [
        "list with everything wrong",
        () => api().listSecretImports({ projectId: "1", environment: "", path: "" }),
        ["project_id", "environment", "path"],
      ],
      [
        "delete with a non-UUID id",
        () => api().deleteSecretImport({ projectId: f.projectId, secretImportId: "1; drop table secret_imports" }),
        ["secret_import_id"],
      ],
      [
        "delete with both ids wrong",
        () => api().deleteSecretImport({ projectId: "", secretImportId: "" }),
        ["project_id", "secret_import_id"],
      ],
    ];
    const events = await f.eventsOf(async () => {
      for (const [label, call, fields] of cases) {
        await expectInvalid(call(), fields).catch((e: Error) => {
          throw new Error(`${label}: ${e.message}`);
        });
      }
    });
    expect(events).toEqual([]);
    expect(await importsOf(f, "dev:/app")).toEqual([]);
    expect((await f.revision()) - before).toBe(2n); // the two fence writes only
  });
});

describe("change events", () => {
  it("sends one SECRETS_CHANGED event to every direct and chained importer of a changed folder, once per write", async () => {
    const f = await fixture();
    await f.put("prod", "/base", { BASE: "1" });
    await f.put("dev", "/mid", { MID: "m" });
    await f.put("dev", "/app1", { A: "a" });
    await f.put("dev", "/app2", { A: "a" });
    await f.put("dev", "/unrelated", { U: "u" });
    await importInto(f, "dev:/mid", "prod:/base");
    await importInto(f, "dev:/app1", "dev:/mid");
    await importInto(f, "dev:/app2", "dev:/mid");
    await importInto(f, "dev:/app2", "prod:/base"); // reached twice: still one event

    const update = await f.eventsOf(() =>
      api().updateSecret({
        projectId: f.projectId,
        environment: "prod",
        path: "/base",
        key: "BASE",
        value: "base-canary-2",
      }),
    );
    expect(update.map(eventSummary).sort()).toEqual([
      "dev:/app1 SECRETS_CHANGED <- prod:/base",
      "dev:/app2 SECRETS_CHANGED <- prod:/base",
      "dev:/mid SECRETS_CHANGED <- prod:/base",
      "prod:/base SECRETS_CHANGED",
    ]);
    expect(update[0]!.event.path).toBe("/base"); // the written folder first
    expect(new Set(update.map((e) => e.event.revision)).size).toBe(1);
    expect(update.find((e) => e.event.path === "/app1")!.event.changes.map((c) => c.key)).toEqual(["BASE"]);
    expect(update.find((e) => e.event.path === "/app1")!.subject).toBe(`syncline.events.secrets.${f.projectId}.dev`);
    expect(update.every((e) => !e.raw.includes("base-canary"))).toBe(true);
    expect((await f.snapshot("dev", "/app1")).lines).toContain("BASE@prod:/base=base-canary-2");

    const local = await f.eventsOf(() =>
      api().createSecret({ projectId: f.projectId, environment: "dev", path: "/app1", key: "NEW", value: "n" }),
    );
    expect(local.map(eventSummary)).toEqual(["dev:/app1 SECRETS_CHANGED"]);

    const unrelated = await f.eventsOf(() =>
      api().deleteSecret({ projectId: f.projectId, environment: "dev", path: "/unrelated", key: "U" }),
    );
    expect(unrelated.map(eventSummary)).toEqual(["dev:/unrelated SECRETS_CHANGED"]);
  });

  it("sends SECRETS_CHANGED for the importing folder and its importers when an import is created or deleted, and audits both", async () => {
    const f = await fixture();
    await f.put("dev", "/lib", { L: "l" });
    await f.put("dev", "/app", { A: "a" });
    await f.put("dev", "/top", { T: "t" });
    await importInto(f, "dev:/top", "dev:/app");
    let created: { id: string } | undefined;
    const onCreate = await f.eventsOf(async () => {
      created = await importInto(f, "dev:/app", "dev:/lib");
    });
    expect(onCreate.map(eventSummary)).toEqual(["dev:/app SECRETS_CHANGED", "dev:/top SECRETS_CHANGED <- dev:/app"]);
    const onDelete = await f.eventsOf(() =>
      api().deleteSecretImport({ projectId: f.projectId, secretImportId: created!.id }),
    );
    expect(onDelete.map(eventSummary)).toEqual(["dev:/app SECRETS_CHANGED", "dev:/top SECRETS_CHANGED <- dev:/app"]);
    expect((await f.snapshot("dev", "/top")).lines).toEqual(["A@dev:/app=a", "T@dev:/top=t"]);
    const { events: audit } = await api().listAuditEvents({
      projectId: f.projectId,
      actionPrefix: "secret_import.",
      pageSize: 10,
    });
    expect(audit.map((e) => `${e.action} ${e.target} ${e.details.import} ${e.actor}`)).toEqual([
      `secret_import.delete folder:dev:/app dev:/lib identity:${service.adminIdentityId}`,
      `secret_import.create folder:dev:/app dev:/lib identity:${service.adminIdentityId}`,
      `secret_import.create folder:dev:/top dev:/app identity:${service.adminIdentityId}`,
    ]);
  });
});

describe("paging", () => {
  it("pages a folder's imports in position order; a token of another folder is refused", async () => {
    const f = await fixture();
    for (const path of ["/app", "/other", "/a", "/b", "/c"]) await f.put("dev", path, { [`K${path.length}`]: "v" });
    for (const from of ["dev:/a", "dev:/b", "dev:/c"]) await importInto(f, "dev:/app", from);
    await importInto(f, "dev:/other", "dev:/a");
    const at = { projectId: f.projectId, environment: "dev", path: "/app" };
    const first = await api().listSecretImports({ ...at, pageSize: 2 });
    const second = await api().listSecretImports({ ...at, pageSize: 2, pageToken: first.nextPageToken });
    expect([first, second].map((p) => p.secretImports.map((i) => `${i.position}:${i.importPath}`))).toEqual([
      ["1:/a", "2:/b"],
      ["3:/c"],
    ]);
    expect(second.nextPageToken).toBe("");
    await expectInvalid(api().listSecretImports({ ...at, path: "/other", pageToken: first.nextPageToken }), [
      "page_token",
    ]);
    await expectInvalid(api().listSecretImports({ ...at, pageSize: 1001 }), ["page_size"]);
  });
});
