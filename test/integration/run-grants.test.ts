import { generateKeyPairSync, randomUUID } from "node:crypto";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { SecretsService, SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { Code, createRunGrantSigner, RUN_GRANT_METADATA, type RunGrant } from "@syncline/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * Run grants at the real secrets and connections processes (docs/least-privilege.md): a worker
 * holding the grant of sync X reads X's source, resolves X's connection and (imports only) writes
 * into X's source — and nothing else; a grant that expired, was signed by another key or is presented
 * with another credential is refused, and a refused call writes nothing.
 */
const system = useSystem({ name: "run_grants_it", services: ["secrets", "connections"] });
let projectId: string;
let connectionId: string;
let otherConnectionId: string;
let grantOfX: RunGrant;

const as = (token: string) => ({ metadata: { [RUN_GRANT_METADATA]: token } });
const signed = (extra: Partial<RunGrant> = {}, expiresAt?: Date) =>
  system.runGrants.sign({ ...grantOfX, ...extra }, expiresAt);
const worker = {
  snapshots: () => system.client(SourceSnapshotService, system.serviceTokens["connector-worker"]),
  credentials: () => system.client(CredentialsService, system.serviceTokens["connector-worker"]),
  secrets: () => system.client(SecretsService, system.serviceTokens["connector-worker"]),
};
const UPSERT = SecretWriteOperation.UPSERT;

beforeAll(async () => {
  const { project } = await system.secrets.createProject({ name: `grants-${randomUUID().slice(0, 8)}` });
  projectId = project!.id;
  for (const slug of ["prod", "dev"]) await system.secrets.createEnvironment({ projectId, slug, name: "" });
  for (const [environment, path] of [
    ["prod", "/app"],
    ["prod", "/app/db"],
    ["prod", "/other"],
    ["dev", "/app"],
  ] as const) {
    await system.secrets.createSecret({ projectId, environment, path, key: "K", value: `${environment}${path}` });
  }
  const connection = async (name: string) => {
    const credentials = {
      app: {
        case: "vault" as const,
        value: {
          instanceUrl: "http://127.0.0.1:1",
          namespace: "",
          method: { case: "token" as const, value: { token: name } },
        },
      },
    };
    const created = await system.connections.createAppConnection({
      projectId,
      name,
      credentials,
      skipValidation: true,
    });
    return created.connection!.id;
  };
  connectionId = await connection("x-conn");
  otherConnectionId = await connection("y-conn");
  grantOfX = {
    runId: randomUUID(),
    leaseId: randomUUID(),
    syncId: randomUUID(),
    projectId,
    environment: "prod",
    path: "/app",
    recursive: false,
    connectionId,
    action: "SYNC",
    importBehavior: "",
  };
}, 120_000);

describe("a worker's run grant", () => {
  it("reads its sync's source, and no other folder, environment, project or subtree", async () => {
    const grant = await signed();
    const read = (request: { projectId?: string; environment?: string; path?: string; recursive?: boolean }) =>
      worker.snapshots().getSourceSnapshot({ projectId, environment: "prod", path: "/app", ...request }, as(grant));
    const own = await read({ path: "/app/" });
    expect(own.secrets.map((s) => s.value)).toEqual(["prod/app"]);
    for (const other of [
      { path: "/other" },
      { path: "/app/db" },
      { path: "/" },
      { environment: "dev" },
      { projectId: randomUUID() },
      { recursive: true },
    ]) {
      const failure = await rpcFailure(read(other));
      expect(failure.code, JSON.stringify(other)).toBe(Code.PERMISSION_DENIED);
      expect(failure.message).not.toContain(grant.split(".")[1]!);
    }
    const stream = worker
      .snapshots()
      .streamSourceSnapshot({ projectId, environment: "prod", path: "/other" }, as(grant));
    expect(
      (
        await rpcFailure(
          (async () => {
            for await (const _ of stream) {
              /* drain */
            }
          })(),
        )
      ).code,
    ).toBe(Code.PERMISSION_DENIED);
    const tree = await signed({ recursive: true });
    const below = await worker
      .snapshots()
      .getSourceSnapshot({ projectId, environment: "prod", path: "/app/db", recursive: true }, as(tree));
    expect(below.secrets.map((s) => s.value)).toEqual(["prod/app/db"]);
  });

  it("resolves its sync's connection and no other", async () => {
    const grant = await signed();
    const resolved = await worker.credentials().resolveCredentials({ connectionId }, as(grant));
    expect(resolved.connection?.id).toBe(connectionId);
    const failure = await rpcFailure(
      worker.credentials().resolveCredentials({ connectionId: otherConnectionId }, as(grant)),
    );
    expect(failure.code).toBe(Code.PERMISSION_DENIED);
  });

  it("bulk-writes only for an import, only into its source; a refused write writes nothing", async () => {
    const write = (path: string, key: string) => ({ operation: UPSERT, environment: "prod", path, key, value: "d" });
    const bulk = async (grant: string, writes: ReturnType<typeof write>[]) =>
      worker.secrets().bulkWriteSecrets({ projectId, writes }, as(grant));
    const sync = await signed();
    const importing = await signed({ action: "IMPORT", importBehavior: "PRIORITIZE_DESTINATION" });
    expect((await rpcFailure(bulk(sync, [write("/app", "FROM_SYNC")]))).code).toBe(Code.PERMISSION_DENIED);
    expect((await rpcFailure(bulk(await signed({ action: "PLAN" }), [write("/app", "FROM_PLAN")]))).code).toBe(
      Code.PERMISSION_DENIED,
    );
    const elsewhere = [write("/app", "MIXED"), write("/other", "ELSEWHERE")];
    expect((await rpcFailure(bulk(importing, elsewhere))).code).toBe(Code.PERMISSION_DENIED);
    const listed = async (path: string) =>
      (await system.secrets.listSecrets({ projectId, environment: "prod", path })).secrets.map((s) => s.key).sort();
    expect(await listed("/app")).toEqual(["K"]);
    expect(await listed("/other")).toEqual(["K"]);

    const { secrets } = await bulk(importing, [write("/app", "IMPORTED")]);
    expect(secrets.map((s) => s.key)).toEqual(["IMPORTED"]);
    expect(await listed("/app")).toEqual(["IMPORTED", "K"]);
  });

  it("is refused when missing, expired, signed by another key, or presented with another credential", async () => {
    const expired = await signed({}, new Date(Date.now() - 60_000));
    const foreign = await createRunGrantSigner(generateKeyPairSync("ed25519").privateKey).sign(
      grantOfX,
      new Date(Date.now() + 60_000),
    );
    const request = { projectId, environment: "prod", path: "/app" };
    for (const options of [{}, as(expired), as(foreign), as("not.a.grant")]) {
      expect((await rpcFailure(worker.snapshots().getSourceSnapshot(request, options))).code).toBe(
        Code.PERMISSION_DENIED,
      );
      expect((await rpcFailure(worker.credentials().resolveCredentials({ connectionId }, options))).code).toBe(
        Code.PERMISSION_DENIED,
      );
    }
    // An identity (the test admin) or another service presenting a valid grant: not the worker.
    const valid = as(await signed());
    for (const token of [system.adminToken, system.serviceTokens["sync-orchestrator"]]) {
      const snapshots = system.client(SourceSnapshotService, token);
      expect((await rpcFailure(snapshots.getSourceSnapshot(request, valid))).code).toBe(Code.PERMISSION_DENIED);
      const credentials = system.client(CredentialsService, token);
      expect((await rpcFailure(credentials.resolveCredentials({ connectionId }, valid))).code).toBe(
        Code.PERMISSION_DENIED,
      );
    }
  });
});
