import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { appDescriptor, appRegistry } from "@syncline/connectors";
import { AuthMethod } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createKeySchema } from "@syncline/connectors/sync";
import { describe, expect, it } from "vitest";
import { registeredDestinations } from "../docs/destination-docs.ts";
import { configCaseField, protoConfigFields } from "../docs/proto-fields.ts";
import { repoRoot } from "../support/service-process.ts";

/** The descriptor's name in registry.ts (`[Destination.X]: xDestination,`), to find the tests that use it. */
function registeredIdentifier(destination: Destination): string | undefined {
  const registry = readFileSync(join(repoRoot, "packages", "connectors", "registry.ts"), "utf8");
  const line = new RegExp(`\\[Destination\\.${Destination[destination]}\\]:\\s*(\\w+),`).exec(registry);
  return line?.[1];
}

/** The connector test files (`test/connectors/*.test.ts`) and their text. */
const connectorTests = readdirSync(join(repoRoot, "test", "connectors"))
  .filter((name) => name.endsWith(".test.ts"))
  .map((name) => readFileSync(join(repoRoot, "test", "connectors", name), "utf8"));

/**
 * Every registered destination is self-contained: what the compiler cannot check about its
 * descriptor (config fields against the proto, docs examples that the descriptor accepts) is
 * checked here, so a new destination with a missing piece fails.
 */
describe.each(registeredDestinations().map((d) => [d.name, d] as const))("descriptor of %s", (_name, descriptor) => {
  it("documents exactly the fields of its config message, in proto order", () => {
    expect(descriptor.configFields.map((f) => f.name)).toEqual(
      protoConfigFields(descriptor.configCase).map((f) => f.path),
    );
    expect(descriptor.configFields.every((f) => f.description !== "")).toBe(true);
  });

  it("selects itself by its oneof case, and its example config parses", () => {
    expect(descriptor.docs.exampleConfig.destination.case).toBe(descriptor.configCase);
    expect(configCaseField(descriptor.configCase).name).not.toBe("");
    const parsed = descriptor.parseConfig(descriptor.docs.exampleConfig);
    expect(descriptor.location(parsed)).not.toBe("");
  });

  it("runs the shared conformance suite with its own capabilities (test/connectors/<destination>.test.ts)", () => {
    const identifier = registeredIdentifier(descriptor.destination);
    expect(identifier).toBeDefined();
    const runs = connectorTests.filter(
      (text) => text.includes("describeDestinationConformance(") && text.includes(`${identifier}.capabilities`),
    );
    expect(runs.length, `call describeDestinationConformance(…, ${identifier}.capabilities, …)`).toBeGreaterThan(0);
  });

  it("has an example key schema whose keys the destination accepts", () => {
    const schema = createKeySchema(descriptor.docs.exampleKeySchema, "prod");
    expect(descriptor.limits.keyPattern.test(schema.toDestination("DB_URL"))).toBe(true);
  });

  it("belongs to an app whose example credentials are well-formed and whose docs name every credentials field", () => {
    const app = appDescriptor(descriptor.app);
    expect(app.docs.exampleCredentials.app.case).toBe(app.credentialsCase);
    expect(app.checkCredentials(app.docs.exampleCredentials)).toEqual([]);
    expect(app.docs.authMethods.map((m) => m.method)).toContain(app.methodOf(app.docs.exampleCredentials));
    expect(app.docs.credentialFields.every((f) => f.name.startsWith("credentials."))).toBe(true);
    const prefix = `credentials.${app.credentialsCase.replace(/[A-Z]/g, (l) => `_${l.toLowerCase()}`)}.`;
    for (const method of app.docs.authMethods) {
      expect(method.fields.length, `${AuthMethod[method.method]} lists no fields`).toBeGreaterThan(0);
      expect(method.fields.every((f) => f.name.startsWith(prefix))).toBe(true);
    }
    expect(app.providerWords.length).toBeGreaterThan(0);
  });
});

describe("the app catalogue (ListApps)", () => {
  it("documents every auth method of the proto in exactly one app, so a form can offer it", () => {
    const documented = Object.values(appRegistry).flatMap((app) => app.docs.authMethods.map((m) => m.method));
    const methods = Object.values(AuthMethod).filter(
      (m): m is AuthMethod => typeof m === "number" && m !== AuthMethod.UNSPECIFIED,
    );
    expect([...documented].sort((a, b) => a - b)).toEqual(methods.sort((a, b) => a - b));
  });
});
