import { create } from "@bufbuild/protobuf";
import {
  BulkWriteSecretsRequestSchema,
  CreateSecretRequestSchema,
  ListAuditEventsRequestSchema,
  RollbackSecretRequestSchema,
  SecretWriteOperation,
  UpdateSecretRequestSchema,
} from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { CreateAppConnectionRequestSchema } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { CreateSecretSyncRequestSchema } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { isDomainError } from "@syncline/errors";
import { describe, expect, it } from "vitest";
import { requestViolations, validateRequest } from "./request-validation.ts";

const projectId = "6f1c1f5e-6c1b-4c1e-9c1a-1b2c3d4e5f60";
const at = { projectId, environment: "dev", path: "/app" };

describe("request validation", () => {
  it("accepts a request that keeps every rule", () => {
    const request = create(CreateSecretRequestSchema, { ...at, key: "DB_URL", value: "v", metadata: { owner: "a" } });
    expect(requestViolations(CreateSecretRequestSchema, request)).toEqual([]);
  });

  it("names each field once, snake_case, with the API's wording", () => {
    const request = create(RollbackSecretRequestSchema, {
      projectId: "x",
      environment: "DEV",
      path: "..",
      key: "",
      version: 0n,
      expectedVersion: 0n,
    });
    expect(requestViolations(RollbackSecretRequestSchema, request)).toEqual([
      { field: "project_id", description: "must be a UUID" },
      {
        field: "environment",
        description: "must be lowercase letters, digits and '-', starting with a letter or digit",
      },
      { field: "path", description: "must be absolute (start with /)" },
      { field: "key", description: "is required" },
      { field: "version", description: "must be a version this secret can have (≥ 1)" },
      { field: "expected_version", description: "must be a version this secret can have (≥ 1)" },
    ]);
  });

  it("names nested fields and list items by path, and sums up past twenty", () => {
    const writes = Array.from({ length: 25 }, (_, i) => ({
      operation: SecretWriteOperation.UPSERT,
      environment: "dev",
      path: "/",
      key: `${i}BAD`,
      value: "v",
    }));
    writes[0] = { ...writes[0]!, key: "OK", operation: 0 as SecretWriteOperation };
    const violations = requestViolations(
      BulkWriteSecretsRequestSchema,
      create(BulkWriteSecretsRequestSchema, { projectId, writes }),
    );
    expect(violations.map((v) => v.field)).toEqual([
      "writes[0].operation",
      ...Array.from({ length: 19 }, (_, i) => `writes[${i + 1}].key`),
      "writes",
    ]);
    expect(violations[0]!.description).toBe("is required: CREATE, UPDATE, DELETE or UPSERT");
    expect(violations[20]!.description).toBe("and 5 more invalid fields");
  });

  it("names a map by its field, never by a caller's key", () => {
    const hostile = "\u001b[31m<script>";
    const request = create(UpdateSecretRequestSchema, { ...at, key: "K", metadata: { entries: { [hostile]: "x" } } });
    const violations = requestViolations(UpdateSecretRequestSchema, request);
    expect(violations.map((v) => v.field)).toEqual(["metadata.entries"]);
    expect(JSON.stringify(violations)).not.toContain("<script>");
  });

  it("applies rules to optional fields only when set, and may ignore an empty one", () => {
    expect(
      requestViolations(UpdateSecretRequestSchema, create(UpdateSecretRequestSchema, { ...at, key: "K" })),
    ).toEqual([]);
    expect(requestViolations(ListAuditEventsRequestSchema, create(ListAuditEventsRequestSchema, {}))).toEqual([]);
    expect(
      requestViolations(ListAuditEventsRequestSchema, create(ListAuditEventsRequestSchema, { pageSize: 1001 })),
    ).toEqual([{ field: "page_size", description: "must be at most 1000" }]);
  });

  it("throws INVALID_ARGUMENT of the error vocabulary", () => {
    const request = create(CreateSecretRequestSchema, { ...at, key: "K", comment: "a\u0000b" });
    let thrown: unknown;
    try {
      validateRequest(CreateSecretRequestSchema, request);
    } catch (error) {
      thrown = error;
    }
    expect(isDomainError(thrown, "invalid_argument")).toBe(true);
    expect((thrown as Error).message).toBe(
      "invalid request: comment: must not contain NUL characters (PostgreSQL text cannot hold them)",
    );
  });
});

describe("request validation of nested oneofs", () => {
  const vault = (token: string, instanceUrl = "https://vault.example.com:8200") => ({
    app: { case: "vault" as const, value: { instanceUrl, method: { case: "token" as const, value: { token } } } },
  });

  it("names fields inside a oneof member by their full path", () => {
    const request = create(CreateAppConnectionRequestSchema, {
      projectId: "not-a-uuid",
      name: "Bad Name!",
      description: "x".repeat(501),
      credentials: vault("has space", "ftp://vault"),
    });
    const violations = requestViolations(CreateAppConnectionRequestSchema, request);
    expect(violations.map((v) => v.field).sort()).toEqual([
      "credentials.vault.instance_url",
      "credentials.vault.token.token",
      "description",
      "name",
      "project_id",
    ]);
    expect(JSON.stringify(violations)).not.toContain("has space");
  });

  it("requires a message field and one member of a required oneof", () => {
    const missing = create(CreateAppConnectionRequestSchema, { projectId, name: "ok-name" });
    expect(requestViolations(CreateAppConnectionRequestSchema, missing)).toEqual([
      { field: "credentials", description: "is required" },
    ]);
    const empty = create(CreateAppConnectionRequestSchema, { projectId, name: "ok-name", credentials: {} });
    expect(requestViolations(CreateAppConnectionRequestSchema, empty).map((v) => v.field)).toEqual(["credentials"]);
    const local = create(CreateAppConnectionRequestSchema, {
      projectId,
      name: "ok",
      credentials: {
        app: {
          case: "github",
          value: { apiUrl: "http://[::1]:8080", method: { case: "token", value: { token: "ghp_x" } } },
        },
      },
    });
    expect(requestViolations(CreateAppConnectionRequestSchema, local)).toEqual([]);
  });
});

describe("request validation of secret syncs", () => {
  const vaultKv = (mount: string, path: string) => ({
    destination: { case: "vaultKv" as const, value: { mount, path } },
  });
  const valid = {
    projectId,
    name: "api",
    source: { environment: "dev", path: "/" },
    connectionId: projectId,
    destinationConfig: vaultKv("secret", "apps/api"),
  };
  const fields = (overrides: object) =>
    requestViolations(
      CreateSecretSyncRequestSchema,
      create(CreateSecretSyncRequestSchema, { ...valid, ...overrides }),
    ).map((v) => v.field);

  it("accepts a valid sync and names every static field at fault", () => {
    expect(fields({})).toEqual([]);
    expect(fields({ keySchema: "APP_{{environment}}_{{ secretKey }}", driftCheckInterval: { seconds: 60n } })).toEqual(
      [],
    );
    expect(
      fields({
        projectId: "nope",
        name: "Bad Name",
        description: "d".repeat(501),
        source: { environment: "Dev", path: "/a/../b" },
        connectionId: "conn-1",
        keySchema: "APP_",
        destinationConfig: undefined,
      }).sort(),
    ).toEqual(
      [
        "project_id",
        "name",
        "description",
        "source.environment",
        "source.path",
        "connection_id",
        "key_schema",
        "destination_config",
      ].sort(),
    );
  });

  it("checks destination configs inside the oneof", () => {
    expect(fields({ destinationConfig: {} })).toEqual(["destination_config"]);
    expect(fields({ destinationConfig: vaultKv("//", "apps/x") })).toEqual(["destination_config.vault_kv.mount"]);
    expect(fields({ destinationConfig: vaultKv("secret", "apps//x") })).toEqual(["destination_config.vault_kv.path"]);
    expect(fields({ destinationConfig: vaultKv("secret", "apps/../x") })).toEqual(["destination_config.vault_kv.path"]);
    expect(fields({ destinationConfig: vaultKv("secret", "apps/x?version=1") })).toEqual([
      "destination_config.vault_kv.path",
    ]);
    expect(fields({ keySchema: "{{x}}{{secretKey}}" })).toEqual(["key_schema"]);
    expect(fields({ keySchema: "{{secretKey}}{{secretKey}}" })).toEqual(["key_schema"]);
    expect(fields({ initialSyncBehavior: 42 })).toEqual(["initial_sync_behavior"]);
    expect(fields({ driftCheckInterval: { seconds: 59n } })).toEqual(["drift_check_interval"]);
  });
});

describe("request validation of list requests", () => {
  it("refuses a page token of no list along with the other fields at fault", () => {
    const request = create(ListAuditEventsRequestSchema, { projectId: "x", pageSize: 5000, pageToken: "zz" });
    expect(
      requestViolations(ListAuditEventsRequestSchema, request)
        .map((v) => v.field)
        .sort(),
    ).toEqual(["page_size", "page_token", "project_id"]);
  });
});
