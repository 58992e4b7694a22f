import { generateKeyPairSync } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { App, AuthMethod } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import {
  GcpOlderVersions,
  GcpSecretReplication,
} from "@syncline/gen/syncline/syncs/v1/gcp_secret_manager_destination_pb.js";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../packages/connectors/contract/index.ts";
import { gcpApp, gcpSecretManagerDestination } from "../../packages/connectors/gcp-secret-manager/index.ts";
import { gcpCredentials, gcpSecretManagerConfig } from "./gcp-fixtures.ts";

function invalidConfigMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("invalid_config");
    return (error as ConnectorError).message;
  }
  throw new Error("expected an invalid_config ConnectorError");
}

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const keyJson = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: "service_account",
    project_id: "key-project",
    private_key_id: "abc",
    private_key: privateKey,
    client_email: "sa@key-project.iam.gserviceaccount.com",
    token_uri: "https://oauth2.googleapis.com/token",
    ...extra,
  });

describe("GCP Secret Manager destination config", () => {
  it("parses project, replication, retention and labels", () => {
    expect(
      gcpSecretManagerDestination.parseConfig(
        gcpSecretManagerConfig(" my-project ", {
          replication: GcpSecretReplication.USER_MANAGED,
          locations: ["europe-west1", "europe-west1", "us-east1"],
          olderVersions: GcpOlderVersions.DESTROY,
          labels: { team: "payments" },
        }),
      ),
    ).toEqual({
      projectId: "my-project",
      locations: ["europe-west1", "us-east1"],
      olderVersions: "destroy",
      labels: { team: "payments" },
    });
    expect(gcpSecretManagerDestination.parseConfig(gcpSecretManagerConfig("123456789"))).toMatchObject({
      locations: [],
      olderVersions: "keep",
    });
  });

  it.each([
    ["missing oneof", () => create(DestinationConfigSchema), "destination_config.gcp_secret_manager:"],
    ["empty project", () => gcpSecretManagerConfig(""), "destination_config.gcp_secret_manager.project_id"],
    ["upper-case project", () => gcpSecretManagerConfig("My-Project"), "gcp_secret_manager.project_id"],
    [
      "user-managed without locations",
      () => gcpSecretManagerConfig("my-project", { replication: GcpSecretReplication.USER_MANAGED }),
      "gcp_secret_manager.locations: user-managed replication needs at least one location",
    ],
    [
      "locations with automatic replication",
      () => gcpSecretManagerConfig("my-project", { locations: ["europe-west1"] }),
      "gcp_secret_manager.locations: only with",
    ],
    [
      "a bad label key",
      () => gcpSecretManagerConfig("my-project", { labels: { Team: "x" } }),
      "gcp_secret_manager.labels: key",
    ],
    [
      "a label that claims Syncline's prefix",
      () => gcpSecretManagerConfig("my-project", { labels: { "syncline-sync": "x" } }),
      "not start with `syncline`",
    ],
    [
      "a bad label value",
      () => gcpSecretManagerConfig("my-project", { labels: { team: "Payments!" } }),
      'gcp_secret_manager.labels["team"]',
    ],
  ])("refuses %s, naming the field", (_name, config, expected) => {
    expect(invalidConfigMessage(() => gcpSecretManagerDestination.parseConfig(config()))).toContain(expected);
  });

  it("declares its identity, capabilities, limits and the empty-value rule", () => {
    expect(gcpSecretManagerDestination.app).toBe(App.GCP);
    expect(gcpSecretManagerDestination.capabilities).toEqual({
      readBack: true,
      keySchema: true,
      deletionControl: true,
      removeOnDelete: true,
      batchWrites: false,
    });
    const { keyPattern, checkEntry, maxValueBytes } = gcpSecretManagerDestination.limits;
    expect(maxValueBytes).toBe(65_536);
    expect(["DB_PASSWORD", "api-key", "x".repeat(255)].every((k) => keyPattern.test(k))).toBe(true);
    expect(["", "a.b", "a/b", "ключ", "x".repeat(256)].some((k) => keyPattern.test(k))).toBe(false);
    expect(checkEntry?.("A", "")).toContain("empty");
    expect(checkEntry?.("A", "value")).toBeUndefined();
    expect(
      gcpSecretManagerDestination.location(gcpSecretManagerDestination.parseConfig(gcpSecretManagerConfig("p-1234"))),
    ).toBe("gcp-secret-manager:p-1234");
  });
});

describe("GCP credentials", () => {
  it("parses a service-account key, defaulting the endpoint and taking the key's token_uri", () => {
    const parsed = gcpSecretManagerDestination.parseCredentials(
      gcpCredentials({ apiEndpoint: "", keyJson: keyJson() }),
    );
    expect(parsed).toMatchObject({
      apiEndpoint: "https://secretmanager.googleapis.com",
      tokenUri: "https://oauth2.googleapis.com/token",
      clientEmail: "sa@key-project.iam.gserviceaccount.com",
      projectId: "key-project",
    });
    const overridden = gcpSecretManagerDestination.parseCredentials(
      gcpCredentials({ apiEndpoint: "http://127.0.0.1:9/", keyJson: keyJson(), tokenUri: "http://localhost:8/token" }),
    );
    expect(overridden).toMatchObject({ apiEndpoint: "http://127.0.0.1:9", tokenUri: "http://localhost:8/token" });
  });

  it.each([
    ["an empty key", "", "key_json: is required"],
    ["text that is not JSON", "not json", "must be the JSON of a service-account key file"],
    ["another credential type", keyJson({ type: "authorized_user" }), '"type": "service_account"'],
    ["a key without client_email", keyJson({ client_email: "" }), "is missing client_email"],
    ["a key whose private_key is not PEM", keyJson({ private_key: "secret-ish" }), "not a PEM private key"],
    ["a key whose token_uri is plain http", keyJson({ token_uri: "http://evil.example/token" }), "token_uri"],
  ])("refuses %s, naming the field and never echoing the key", (_name, json, expected) => {
    const message = invalidConfigMessage(() =>
      gcpSecretManagerDestination.parseCredentials(gcpCredentials({ apiEndpoint: "", keyJson: json })),
    );
    expect(message).toContain(expected);
    expect(message).not.toContain("BEGIN PRIVATE KEY");
    expect(message).not.toContain("secret-ish");
  });

  it("refuses plain http endpoints off loopback, and endpoints with a path", () => {
    expect(
      invalidConfigMessage(() =>
        gcpSecretManagerDestination.parseCredentials(
          gcpCredentials({ apiEndpoint: "http://secretmanager.example.com", keyJson: keyJson() }),
        ),
      ),
    ).toContain("credentials.gcp.api_endpoint: must use https");
    expect(
      invalidConfigMessage(() =>
        gcpSecretManagerDestination.parseCredentials(
          gcpCredentials({ apiEndpoint: "https://secretmanager.googleapis.com/v1", keyJson: keyJson() }),
        ),
      ),
    ).toContain("without a path");
  });

  it("redacts to the endpoints, the account's email and the key's project only", () => {
    const credentials = gcpCredentials({ apiEndpoint: "", keyJson: keyJson() });
    expect(gcpApp.methodOf(credentials)).toBe(AuthMethod.GCP_SERVICE_ACCOUNT_KEY);
    const redacted = gcpApp.redact(credentials);
    expect(redacted.app.case).toBe("gcp");
    expect(JSON.stringify(redacted.app.value)).not.toContain("PRIVATE KEY");
    expect(redacted.app.value).toMatchObject({
      clientEmail: "sa@key-project.iam.gserviceaccount.com",
      projectId: "key-project",
      apiEndpoint: "",
    });
    expect(gcpApp.instanceOf(redacted.app.value as never)).toBe("https://secretmanager.googleapis.com");
  });
});
