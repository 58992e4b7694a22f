import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRootKeyring, createValueCipher, rootKeyId } from "@syncline/crypto";
import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { Code } from "@syncline/rpc";
import type postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { rpcFailure } from "../support/rpc-failure.ts";
import { repoRoot } from "../support/service-process.ts";
import { startSystem, type System } from "../support/starter.ts";
import type { ServiceDatabase } from "../support/test-databases.ts";

/**
 * Envelope encryption of secret values, checked in the database itself: no plaintext (value or data
 * key) in any column; each project has its own data key, wrapped by the root key and bound to the
 * project; a sealed value copied to another secret or version no longer opens; and rotating the
 * root key re-wraps data keys only (value ciphertexts stay byte-identical), after which the
 * service reads everything with the new key and refuses to start with only the old one.
 */
const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const spec = { name: "secrets_crypto_it", services: ["secrets"], database: "postgres" } as const;
type SecretsSystem = System<typeof spec>;

/** A fresh database with a SQL connection and the secrets service on it under `rootKey`. */
async function setUp(rootKey: Buffer) {
  const service = await startSystem({
    ...spec,
    sql: "secrets",
    serviceEnv: { secrets: { SYNCLINE_SECRETS_ROOT_KEY: rootKey.toString("hex") } },
  });
  cleanups.push(() => service.stop());
  const database = service.databases.secrets as ServiceDatabase & { url: string };
  return { database, sql: service.sql, service };
}

/** The secrets service on `database` (which outlives it) with `env`. */
async function start(database: ServiceDatabase, env: Record<string, string>): Promise<SecretsSystem> {
  const service = await startSystem({ ...spec, databases: { secrets: database }, serviceEnv: { secrets: env } });
  cleanups.push(() => service.stop());
  return service;
}

async function newProject(service: SecretsSystem): Promise<string> {
  const { project } = await service.secrets.createProject({ name: `p-${randomBytes(6).toString("hex")}` });
  await service.secrets.createEnvironment({ projectId: project!.id, slug: "dev", name: "" });
  return project!.id;
}

type Sql = postgres.Sql;
const dataKeyRow = async (sql: Sql, projectId: string) =>
  (
    await sql<
      { root_key_id: string; wrapped_key: Buffer }[]
    >`select root_key_id, wrapped_key from project_data_keys where project_id = ${projectId}`
  )[0]!;
const sealedValues = async (sql: Sql) =>
  (
    await sql<
      { row: string; sealed: Buffer }[]
    >`select 'secret ' || id || ' v' || version as row, sealed_value as sealed from secrets union all select 'version ' || secret_id || ' v' || version, sealed_value from secret_versions order by 1`
  ).map((r) => [r.row, r.sealed.toString("hex")]);

describe("values at rest", () => {
  it("stores no plaintext value or data key in any column of any table", async () => {
    const rootKey = randomBytes(32);
    const { sql, service } = await setUp(rootKey);
    const projectId = await newProject(service);
    const canary = `canary-${randomBytes(8).toString("hex")}`;
    const at = { projectId, environment: "dev", path: "/api" };
    await service.secrets.createSecret({ ...at, key: "A", value: `${canary}-created`, comment: "c" });
    await service.secrets.updateSecret({ ...at, key: "A", value: `${canary}-updated` });
    await service.secrets.rollbackSecret({ ...at, key: "A", version: 1n });
    await service.secrets.bulkWriteSecrets({
      projectId,
      writes: [
        {
          operation: SecretWriteOperation.UPSERT,
          environment: "dev",
          path: "/bulk",
          key: "B",
          value: `${canary}-bulk`,
        },
      ],
    });
    expect((await service.secrets.getSecret({ ...at, key: "A" })).secret?.value).toBe(`${canary}-created`);

    const { root_key_id, wrapped_key } = await dataKeyRow(sql, projectId);
    const dataKey = createRootKeyring(rootKey).unwrap({ rootKeyId: root_key_id, wrapped: wrapped_key }, projectId);
    const tables = await sql<
      { table_name: string }[]
    >`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["secrets", "secret_versions", "project_data_keys", "audit_events", "outbox"]),
    );
    const forbidden = [
      canary,
      Buffer.from(canary).toString("hex"),
      Buffer.from(canary).toString("base64").slice(0, 16),
      dataKey.toString("hex"),
      rootKey.toString("hex"),
    ];
    for (const { table_name } of tables) {
      const rows = await sql.unsafe(`select t::text as row from "${table_name}" t`);
      for (const { row } of rows as unknown as Array<{ row: string }>) {
        for (const needle of forbidden) expect(row.includes(needle), `${table_name} holds a plaintext`).toBe(false);
      }
    }
    expect(service.services.secrets.output()).not.toContain(canary);
  });

  it("gives each project its own data key, bound to the project", async () => {
    const rootKey = randomBytes(32);
    const { sql, service } = await setUp(rootKey);
    const [p1, p2] = [await newProject(service), await newProject(service)];
    await service.secrets.createSecret({ projectId: p1, environment: "dev", path: "/", key: "K", value: "p1-value" });
    const keyring = createRootKeyring(rootKey);
    const [row1, row2] = [await dataKeyRow(sql, p1), await dataKeyRow(sql, p2)];
    expect(row1.root_key_id).toBe(rootKeyId(rootKey));
    const key1 = keyring.unwrap({ rootKeyId: row1.root_key_id, wrapped: row1.wrapped_key }, p1);
    const key2 = keyring.unwrap({ rootKeyId: row2.root_key_id, wrapped: row2.wrapped_key }, p2);
    expect(key1.equals(key2)).toBe(false);
    // A wrapped key moved to another project does not unwrap there.
    expect(() => keyring.unwrap({ rootKeyId: row1.root_key_id, wrapped: row1.wrapped_key }, p2)).toThrow();
    // The value opens under its project's data key and associated data, not under the other project's key.
    const [secret] = await sql<
      { id: string; sealed_value: Buffer }[]
    >`select id, sealed_value from secrets where project_id = ${p1}`;
    const binding = `syncline/secret/${p1}/${secret!.id}/1`;
    expect(createValueCipher(key1).open(secret!.sealed_value, binding).toString()).toBe("p1-value");
    expect(() => createValueCipher(key2).open(secret!.sealed_value, binding)).toThrow();
  });

  it("refuses to open a value copied to another secret or another version", async () => {
    const { sql, service } = await setUp(randomBytes(32));
    const projectId = await newProject(service);
    const at = { projectId, environment: "dev", path: "/" };
    await service.secrets.createSecret({ ...at, key: "X", value: "x-value" });
    await service.secrets.createSecret({ ...at, key: "Y", value: "y-value" });
    await service.secrets.updateSecret({ ...at, key: "X", value: "x-value-2" });
    const ids = Object.fromEntries(
      (await sql<{ key: string; id: string }[]>`select key, id from secrets where project_id = ${projectId}`).map(
        (r) => [r.key, r.id],
      ),
    );

    await sql`update secrets set sealed_value = (select sealed_value from secrets where id = ${ids.X!}) where id = ${ids.Y!}`;
    const moved = await rpcFailure(service.secrets.getSecret({ ...at, key: "Y" }));
    expect(moved.code).toBe(Code.INTERNAL);
    expect(moved.message).not.toMatch(/x-value|y-value/);

    await sql`update secret_versions set sealed_value = (select sealed_value from secret_versions where secret_id = ${ids.X!} and version = 1) where secret_id = ${ids.X!} and version = 2`;
    expect((await rpcFailure(service.secrets.getSecretVersion({ ...at, key: "X", version: 2n }))).code).toBe(
      Code.INTERNAL,
    );
    expect((await service.secrets.getSecretVersion({ ...at, key: "X", version: 1n })).version?.value).toBe("x-value");
    expect((await service.secrets.getSecret({ ...at, key: "X" })).secret?.value).toBe("x-value-2");
    expect(service.services.secrets.output()).not.toMatch(/x-value|y-value/);
  });
});

describe("root key rotation", () => {
  it("re-wraps data keys only; the new key reads everything, the old key alone is refused", async () => {
    const oldRoot = randomBytes(32);
    const newRoot = randomBytes(32);
    const { database, sql, service } = await setUp(oldRoot);
    const values: Record<string, string> = {};
    const projects = [await newProject(service), await newProject(service)];
    for (const [i, projectId] of projects.entries()) {
      for (const key of ["A", "B"]) {
        const at = { projectId, environment: "dev", path: `/p${i}`, key };
        await service.secrets.createSecret({ ...at, value: `${key}-${i}-1` });
        await service.secrets.updateSecret({ ...at, value: `${key}-${i}-2` });
        values[`${projectId}/${key}`] = `${key}-${i}-2`;
      }
    }
    const sealedBefore = await sealedValues(sql);
    const keysBefore = await Promise.all(projects.map((p) => dataKeyRow(sql, p)));
    await service.services.secrets.kill();

    const dir = mkdtempSync(join(tmpdir(), "syncline-root-key-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "new.key"), `${newRoot.toString("base64")}\n`, { mode: 0o600 });
    const rotationEnv = {
      SYNCLINE_SECRETS_DATABASE_URL: database.url,
      SYNCLINE_SECRETS_ROOT_KEY_FILE: join(dir, "new.key"),
      SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY: oldRoot.toString("hex"),
    };
    const rotation = await runRotation(rotationEnv);
    expect(rotation.code).toBe(0);
    expect(JSON.parse(rotation.stdout)).toMatchObject({
      rootKeyId: rootKeyId(newRoot),
      rewrapped: 2,
      unknownRootKey: 0,
    });
    expect(rotation.stdout + rotation.stderr).not.toContain(newRoot.toString("hex"));

    expect(await sealedValues(sql)).toEqual(sealedBefore);
    const oldKeyring = createRootKeyring(oldRoot);
    const newKeyring = createRootKeyring(newRoot);
    for (const [i, projectId] of projects.entries()) {
      const after = await dataKeyRow(sql, projectId);
      expect(after.root_key_id).toBe(rootKeyId(newRoot));
      expect(after.wrapped_key.equals(keysBefore[i]!.wrapped_key)).toBe(false);
      const before = oldKeyring.unwrap(
        { rootKeyId: keysBefore[i]!.root_key_id, wrapped: keysBefore[i]!.wrapped_key },
        projectId,
      );
      expect(
        newKeyring.unwrap({ rootKeyId: after.root_key_id, wrapped: after.wrapped_key }, projectId).equals(before),
      ).toBe(true);
    }
    expect(JSON.parse((await runRotation(rotationEnv)).stdout)).toMatchObject({ rewrapped: 0 });

    const withNewKey = await start(database, {
      SYNCLINE_SECRETS_ROOT_KEY: "",
      SYNCLINE_SECRETS_ROOT_KEY_FILE: join(dir, "new.key"),
    });
    for (const [i, projectId] of projects.entries()) {
      for (const key of ["A", "B"]) {
        expect(
          (await withNewKey.secrets.getSecret({ projectId, environment: "dev", path: `/p${i}`, key })).secret?.value,
        ).toBe(values[`${projectId}/${key}`]);
      }
      const versions = await withNewKey.secrets.listSecretVersions({
        projectId,
        environment: "dev",
        path: `/p${i}`,
        key: "A",
        includeValues: true,
      });
      expect(versions.versions.map((v) => v.value)).toEqual([`A-${i}-2`, `A-${i}-1`]);
    }
    await withNewKey.secrets.updateSecret({
      projectId: projects[0]!,
      environment: "dev",
      path: "/p0",
      key: "A",
      value: "after-rotation",
    });
    await withNewKey.stop();

    const refused = await start(database, { SYNCLINE_SECRETS_ROOT_KEY: oldRoot.toString("hex") }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refused?.message).toMatch(/exited \(78\) before listening/);
    expect(refused?.message).toContain("SYNCLINE_SECRETS_ROOT_KEY");
    expect(refused?.message).toContain(`wrapped by root key ${rootKeyId(newRoot)}`);
    expect(refused?.message).not.toContain(oldRoot.toString("hex"));
  });

  it("refuses to rotate without the previous root key", async () => {
    const rotation = await runRotation({
      SYNCLINE_SECRETS_DATABASE_URL: "postgres://127.0.0.1:1/none",
      SYNCLINE_SECRETS_ROOT_KEY: randomBytes(32).toString("hex"),
    });
    expect(rotation.code).toBe(78);
    expect(rotation.stderr).toContain("SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY");
  });
});

/** Runs `node services/secrets/src/rotate-root-key.ts` with `env` and collects its output. */
function runRotation(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["services/secrets/src/rotate-root-key.ts"], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
