import { appDescriptor } from "@syncline/connectors";
import { createKeySchema } from "@syncline/connectors/sync";
import { describe, expect, it } from "vitest";
import { registeredDestinations } from "../docs/destination-docs.ts";
import { configCaseField, protoConfigFields } from "../docs/proto-fields.ts";

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
    expect(app.providerWords.length).toBeGreaterThan(0);
  });
});
