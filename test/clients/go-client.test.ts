import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateClient, repositoryRoot, run } from "./generate-client.ts";

/**
 * The Go client as users generate it from proto/ (proto/buf.gen.go.yaml with Debian's protoc-gen-go
 * and protoc-gen-go-grpc), compiled offline in GOPATH mode against Debian's protobuf-go, grpc-go and
 * genproto sources (deploy/local/ensure-clients.sh installs them). buf/validate, which the Syncline
 * protos import from its upstream Go package, is generated at that package's import path, standing
 * in for the module users fetch. The first build compiles grpc-go (a minute or two); Go's build
 * cache makes later runs quick.
 */
const gopath = mkdtempSync(join(tmpdir(), "syncline-gopath-"));
const module = join(gopath, "src/example.com/syncline");
const goEnv = {
  ...process.env,
  GO111MODULE: "off",
  GOFLAGS: "",
  GOPATH: `${gopath}:/usr/share/gocode`,
  // Go's build cache (under $HOME by default) is what makes every run after the first quick.
  ...(process.env.HOME || process.env.GOCACHE ? {} : { GOCACHE: join(tmpdir(), "syncline-go-build-cache") }),
};

beforeAll(async () => {
  mkdirSync(module, { recursive: true });
  await generateClient("buf.gen.go.yaml", module);
  const validate = {
    version: "v2",
    plugins: [{ local: "protoc-gen-go", out: join(gopath, "src") }],
    inputs: [{ directory: "proto", paths: ["proto/buf/validate"] }],
  };
  await run(join(repositoryRoot, "node_modules/.bin/buf"), ["generate", "--template", JSON.stringify(validate)]);
  mkdirSync(join(module, "cmd/registry-check"), { recursive: true });
  copyFileSync(
    join(repositoryRoot, "test/clients/go/registry-check/main.go"),
    join(module, "cmd/registry-check/main.go"),
  );
});
afterAll(() => rmSync(gopath, { recursive: true, force: true }));

/** Every .proto under proto/<dir>, as a path relative to proto/. */
function protoFiles(dir: string): string[] {
  const root = join(repositoryRoot, "proto");
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".proto"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

/** What test/clients/go/registry-check prints. */
interface Report {
  readonly files: Record<string, string>;
  readonly upstream: Record<string, string>;
  readonly services: string[];
  readonly resources: Record<string, string>;
}

describe("the generated Go client", () => {
  it("passes go vet and links with grpc-go and genproto, each proto file registered once", {
    timeout: 600_000,
  }, async () => {
    await run("go", ["vet", "example.com/syncline/..."], { env: goEnv, cwd: gopath, timeoutMs: 590_000 });
    const binary = join(gopath, "registry-check");
    await run("go", ["build", "-o", binary, "example.com/syncline/cmd/registry-check"], {
      env: goEnv,
      cwd: gopath,
      timeoutMs: 590_000,
    });
    const report: Report = JSON.parse(await run(binary, [], { cwd: gopath }));

    // Registered by the generated packages: syncline/** and buf/validate (the stand-in for its upstream
    // module); grpc/health and google/rpc only by grpc-go and genproto.
    expect(Object.keys(report.files).sort()).toEqual(["buf/validate/validate.proto", ...protoFiles("syncline")]);
    expect(report.files["syncline/secrets/v1/resources.proto"]).toBe(
      "example.com/syncline/gen/go/syncline/secrets/v1;secretsv1",
    );
    expect(report.files["buf/validate/validate.proto"]).toBe(
      "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate",
    );
    expect(Object.keys(report.upstream).sort()).toEqual([
      "google/rpc/error_details.proto",
      "google/rpc/status.proto",
      "grpc/health/v1/health.proto",
    ]);
    expect(report.services).toEqual(
      expect.arrayContaining([
        "syncline.secrets.v1.SecretsService",
        "syncline.syncs.v1.SecretSyncsService",
        "syncline.notifications.v1.NotificationsService",
      ]),
    );
    expect(report.resources).toEqual({
      secrets: "syncline.secrets.v1",
      connections: "syncline.connections.v1",
      syncs: "syncline.syncs.v1",
    });
  });
});
