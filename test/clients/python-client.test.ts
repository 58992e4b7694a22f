import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { generateClient, repositoryRoot, run } from "./generate-client.ts";

/**
 * The Python client as users generate it from proto/ (proto/buf.gen.python.yaml, Debian's protoc,
 * grpc_python_plugin and python3-grpcio; deploy/local/ensure-clients.sh installs them): every
 * module imports beside grpcio, and the documented example (docs/examples/python/quickstart.py)
 * runs project → environment → secret → Vault connection → sync against the four services.
 */
const python = process.env.SYNCLINE_PYTHON ?? "/usr/bin/python3";
const system = useSystem({ name: "python-client", services: allServices });
let outDir: string;
let pythonPath: string;

beforeAll(async () => {
  outDir = await generateClient("buf.gen.python.yaml");
  pythonPath = join(outDir, "gen/python");
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface ImportReport {
  readonly grpc: string;
  readonly roots: string[];
  readonly modules: string[];
  readonly services: string[];
  readonly stubs: string[];
  readonly resources: Record<string, string>;
}

describe("the generated Python client", () => {
  it("imports every module in one interpreter beside grpcio, each under its own package", async () => {
    const report: ImportReport = JSON.parse(
      await run(python, [join(repositoryRoot, "test/clients/python/import_all.py"), pythonPath]),
    );
    // No top-level `grpc` (or anything but these) to shadow grpcio; `grpc` is grpcio's.
    expect(report.roots).toEqual(["buf", "google", "syncline"]);
    expect(report.grpc).not.toContain(outDir);
    expect(report.modules).toContain("google.rpc.error_details_pb2");
    expect(report.resources).toEqual({
      "syncline.connections.v1.resources_pb2": "syncline.connections.v1",
      "syncline.identity.v1.resources_pb2": "syncline.identity.v1",
      "syncline.secrets.v1.resources_pb2": "syncline.secrets.v1",
      "syncline.syncs.v1.resources_pb2": "syncline.syncs.v1",
    });
    expect(report.services).toEqual(
      expect.arrayContaining([
        "syncline.secrets.v1.SecretsService",
        "syncline.connections.v1.ConnectionsService",
        "syncline.syncs.v1.SecretSyncsService",
        "syncline.identity.v1.IdentityService",
      ]),
    );
    expect(report.stubs).toContain("syncline.syncs.v1.secret_syncs_service_pb2_grpc.SecretSyncsServiceStub");
  });

  it("runs the quickstart: the sync makes Vault equal to the source, and a refusal names its fields", {
    timeout: 120_000,
  }, async () => {
    const stdout = await run(python, [join(repositoryRoot, "docs/examples/python/quickstart.py")], {
      env: {
        PATH: process.env.PATH,
        PYTHONPATH: pythonPath,
        SYNCLINE_TOKEN: system.adminToken,
        SYNCLINE_SECRETS_ADDRESS: system.services.secrets.address,
        SYNCLINE_CONNECTIONS_ADDRESS: system.services.connections.address,
        SYNCLINE_ORCHESTRATOR_ADDRESS: system.services.orchestrator.address,
        VAULT_ADDR: system.vault.url,
        VAULT_TOKEN: system.vault.token,
        SYNCLINE_EXAMPLE_NAME: "py-client",
      },
      timeoutMs: 110_000,
    });
    const summary = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(summary.vault_path).toBe("apps/py-client");

    // The destination equals the source, read independently of the script.
    const { secrets } = await system.secrets.listSecrets({
      projectId: summary.project_id,
      environment: "dev",
      path: "/",
      includeValues: true,
    });
    expect(secrets.map((secret) => secret.key)).toEqual(["DATABASE_URL"]);
    const value = secrets[0]!.value;
    expect(system.vault.read("secret", "apps/py-client")).toEqual({ APP_DATABASE_URL: value });
    expect(stdout).not.toContain(value);
    const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: summary.secret_sync_id });
    expect(secretSync?.connectionId).toBe(summary.connection_id);

    // The refusal as Python decodes it: the status code's name and google.rpc BadRequest violations.
    expect(summary.refusal.code).toBe("INVALID_ARGUMENT");
    const fields = summary.refusal.fields.map((violation: { field: string }) => violation.field).sort();
    expect(fields).toEqual(["key", "path"]);
    expect(summary.refusal.fields.find((v: { field: string }) => v.field === "path").description).toMatch(/absolute/);
    expect(summary.refusal.reason).toBe("invalid_argument");
    expect(stdout).toContain("refused: INVALID_ARGUMENT");
  });
});
