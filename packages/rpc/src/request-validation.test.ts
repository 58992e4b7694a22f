import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import {
  BulkWriteSecretsRequestSchema,
  CreateSecretRequestSchema,
  ListAuditEventsRequestSchema,
  RollbackSecretRequestSchema,
  SecretWriteOperation,
  UpdateSecretRequestSchema,
} from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import {
  CreateAppConnectionRequestSchema,
  UpdateAppConnectionRequestSchema,
} from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import {
  CheckDestinationRequestSchema,
  CreateSecretSyncRequestSchema,
} from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
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
      { field: "credentials", description: "is required: set the credentials of one app, e.g. credentials.vault" },
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

describe("request validation messages name what is wrong", () => {
  const describeOf = <D extends DescMessage>(schema: D, init: MessageInitShape<D>, field: string) =>
    requestViolations(schema, create(schema, init)).find((v) => v.field === field)?.description;
  const secret = (overrides: object) =>
    describeOf(CreateSecretRequestSchema, { ...at, key: "K", ...overrides }, Object.keys(overrides)[0]!);
  const entries = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, "v"]));

  it("counts what is too big", () => {
    expect(secret({ value: "é".repeat(140_000) })).toBe("must be at most 262144 bytes (got 280000)");
    expect(secret({ metadata: entries(40) })).toBe("must have at most 32 entries (got 40)");
    expect(secret({ metadata: { owner: "v".repeat(300) } })).toBe("values must be at most 256 characters (got 300)");
    expect(secret({ metadata: { owner: "a\nb" } })).toBe("values must not contain control characters");
    expect(secret({ metadata: { ["k".repeat(70)]: "v" } })).toBe(
      "keys must be 1-64 characters of letters, digits, '_', '.' and '-' (got a key of 70 characters)",
    );
    expect(
      describeOf(
        UpdateSecretRequestSchema,
        { ...at, key: "K", metadata: { entries: entries(33) } },
        "metadata.entries",
      ),
    ).toBe("must have at most 32 entries (got 33)");
    const write = { operation: SecretWriteOperation.UPSERT, environment: "dev", path: "/", key: "K", value: "v" };
    expect(
      describeOf(
        BulkWriteSecretsRequestSchema,
        { projectId, writes: [{ ...write, metadata: { entries: entries(40) } }] },
        "writes[0].metadata",
      ),
    ).toBe("must have at most 32 entries (got 40)");
  });

  it("never echoes a metadata key or value", () => {
    const hidden = "SECRETISH_KEY_".repeat(6);
    const text = JSON.stringify(
      requestViolations(
        CreateSecretRequestSchema,
        create(CreateSecretRequestSchema, { ...at, key: "K", metadata: { [hidden]: "hunter2\u0001" } }),
      ),
    );
    expect(text).not.toContain("SECRETISH");
    expect(text).not.toContain("hunter2");
  });

  it("names the folder segment at fault (at most 40 characters of it)", () => {
    expect(secret({ path: "/ok/b@d/x" })).toBe(`segment "b@d" may contain only letters, digits, '_', '.' and '-'`);
    expect(secret({ path: `/${"x".repeat(50)}!` })).toBe(
      `segment "${"x".repeat(40)}" may contain only letters, digits, '_', '.' and '-'`,
    );
  });

  it("applies a shared rule's own wording before its length limit, counting characters", () => {
    expect(secret({ path: `/a b/${"c".repeat(600)}` })).toBe(
      `segment "a b" may contain only letters, digits, '_', '.' and '-'`,
    );
    expect(secret({ path: `/${"c".repeat(600)}` })).toBe("must be at most 512 characters");
    expect(secret({ key: `!${"k".repeat(300)}` })).toBe(
      "must start with a letter or '_' and contain only letters, digits, '_', '.' and '-'",
    );
    expect(secret({ key: "k".repeat(256) })).toBe("must be at most 255 characters");
    expect(secret({ environment: "e".repeat(33) })).toBe("must be at most 32 characters");
    expect(secret({ comment: "😀".repeat(1024) })).toBeUndefined();
    expect(secret({ comment: "😀".repeat(1025) })).toBe("must be at most 1024 characters");
  });

  it("says which member to set when credentials, an auth method or a destination is missing", () => {
    const connection = { projectId, name: "ok" };
    const credentials = (app: object) =>
      describeOf(CreateAppConnectionRequestSchema, { ...connection, credentials: { app } as never }, "credentials");
    expect(describeOf(CreateAppConnectionRequestSchema, connection, "credentials")).toBe(
      "is required: set the credentials of one app, e.g. credentials.vault",
    );
    expect(
      describeOf(UpdateAppConnectionRequestSchema, { connectionId: projectId, credentials: {} }, "credentials"),
    ).toBe("is required: set the credentials of one app, e.g. credentials.vault");
    expect(credentials({})).toBe("is required: set the credentials of one app, e.g. credentials.vault");
    expect(
      describeOf(
        CreateAppConnectionRequestSchema,
        { ...connection, credentials: { app: { case: "vault", value: { instanceUrl: "https://vault.example.com" } } } },
        "credentials.vault",
      ),
    ).toBe("is required: set credentials.vault.token (a Vault token, the only supported auth method)");
    expect(
      describeOf(
        CreateAppConnectionRequestSchema,
        { ...connection, credentials: { app: { case: "github", value: {} } } },
        "credentials.github",
      ),
    ).toBe("is required: set credentials.github.token (a GitHub token, the only supported auth method)");
    expect(describeOf(CheckDestinationRequestSchema, {}, "destination_config")).toBe(
      "must set exactly one destination, e.g. destination_config.vault_kv",
    );
    expect(describeOf(CheckDestinationRequestSchema, { destinationConfig: {} }, "destination_config")).toBe(
      "must set exactly one destination, e.g. destination_config.vault_kv",
    );
  });

  it("tells a URL without a scheme from one with the wrong scheme", () => {
    const url = (app: "vault" | "github", value: string) => {
      const field = app === "vault" ? "instance_url" : "api_url";
      const credentials = {
        app: {
          case: app,
          value: {
            [app === "vault" ? "instanceUrl" : "apiUrl"]: value,
            method: { case: "token", value: { token: "t" } },
          },
        },
      };
      return describeOf(
        CreateAppConnectionRequestSchema,
        { projectId, name: "ok", credentials } as never,
        `credentials.${app}.${field}`,
      );
    };
    expect(url("vault", "vault.example.com")).toBe("must be an absolute URL such as https://vault.example.com:8200");
    expect(url("vault", "ftp://vault.example.com")).toBe("must use http or https");
    expect(url("github", "api.github.com")).toBe(
      "must be an absolute URL such as https://api.github.com or https://github.example.com/api/v3",
    );
    expect(url("github", "http://github.example.com")).toBe("must use https (http only for localhost)");
    expect(url("github", "ftp://github.example.com")).toBe("must use https");
    expect(url("github", "http://localhost:8080")).toBeUndefined();
  });

  it("names the unknown key-schema placeholder and counts {{secretKey}}", () => {
    const sync = (keySchema: string) =>
      describeOf(
        CreateSecretSyncRequestSchema,
        {
          projectId,
          name: "api",
          source: { environment: "dev", path: "/" },
          connectionId: projectId,
          destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: "apps/api" } } },
          keySchema,
        },
        "key_schema",
      );
    expect(sync("APP_{{ project }}_{{secretKey}}")).toBe(
      "unknown placeholder {{project}}; use {{secretKey}} and {{environment}}",
    );
    expect(sync("A B{{foo}}")).toBe("unknown placeholder {{foo}}; use {{secretKey}} and {{environment}}");
    expect(sync("{{secretKey}}_{{ secretKey }}")).toBe("must contain {{secretKey}} exactly once (found 2)");
    expect(sync("APP_{{environment}}")).toBe("must contain {{secretKey}} exactly once (found 0)");
    expect(sync("A B{{secretKey}}")).toBe(
      "outside placeholders, may contain only letters, digits, '_', '.', '/' and '-'",
    );
    expect(sync("{{{secretKey}}")).toBe(
      "outside placeholders, may contain only letters, digits, '_', '.', '/' and '-'",
    );
    expect(sync("a}}{{secretKey}}")).toBe(
      "outside placeholders, may contain only letters, digits, '_', '.', '/' and '-'",
    );
    expect(sync("{{ environment }}/{{ secretKey }}")).toBeUndefined();
  });
});
