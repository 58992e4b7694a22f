import { create } from "@bufbuild/protobuf";
import { appDescriptor } from "@syncline/connectors";
import { ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { credentialViolations, updateViolations } from "./connection-rules.ts";

describe("connection rules", () => {
  it("wants an update to change something", () => {
    expect(updateViolations({}).map((v) => v.field)).toEqual(["name"]);
    expect(updateViolations({ description: "" })).toEqual([]);
  });

  it("checks credentials through the app's registry entry", () => {
    const vault = (instanceUrl: string) =>
      create(ConnectionCredentialsSchema, {
        app: { case: "vault", value: { instanceUrl, method: { case: "token", value: { token: "t" } } } },
      });
    expect(credentialViolations(vault("https://vault.example.com:8200"), appDescriptor)).toMatchObject({
      violations: [],
    });
    expect(
      credentialViolations(vault("https://vault.example.com:8200/v1"), appDescriptor).violations.map((v) => v.field),
    ).toEqual(["credentials.vault.instance_url"]);
    expect(credentialViolations(create(ConnectionCredentialsSchema, {}), appDescriptor)).toMatchObject({
      app: undefined,
      violations: [{ field: "credentials" }],
    });
  });
});
