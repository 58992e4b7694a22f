import { InitialSyncBehavior } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { capabilityViolations } from "./capability-rules.ts";

/** Options a destination kind cannot honour are refused naming the field, before anything is stored. */
describe("capability rules", () => {
  const writeOnly = {
    name: "Write-only store",
    capabilities: {
      readBack: false,
      keySchema: true,
      deletionControl: false,
      removeOnDelete: true,
      batchWrites: false,
    },
    limits: {
      maxSecrets: 100,
      maxValueBytes: 1000,
      keyPattern: /^[A-Z0-9_]+$/,
      keyRule: "A-Z, 0-9 and _",
      upperCasesKeys: true,
    },
  };
  const fields = (options: Parameters<typeof capabilityViolations>[1]) =>
    capabilityViolations(writeOnly, options).map((v) => v.field);

  it("allows only OVERWRITE_DESTINATION where the destination cannot be read back", () => {
    expect(fields({ environment: "dev", initialSyncBehavior: InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE })).toEqual([
      "initial_sync_behavior",
    ]);
    expect(
      fields({ environment: "dev", initialSyncBehavior: InitialSyncBehavior.IMPORT_PRIORITIZE_DESTINATION }),
    ).toEqual(["initial_sync_behavior"]);
    expect(fields({ environment: "dev", initialSyncBehavior: InitialSyncBehavior.OVERWRITE_DESTINATION })).toEqual([]);
  });

  it("refuses key schemas producing keys the destination refuses, after its upper-casing", () => {
    expect(fields({ environment: "dev", keySchema: "app_{{secretKey}}" })).toEqual([]);
    expect(fields({ environment: "dev", keySchema: "app-{{secretKey}}" })).toEqual(["key_schema"]);
    expect(fields({ environment: "prod-eu", keySchema: "{{environment}}_{{secretKey}}" })).toEqual(["key_schema"]);
  });

  it("refuses deletion control where deletions cannot be held back", () => {
    expect(fields({ environment: "dev", disableSecretDeletion: true })).toEqual(["disable_secret_deletion"]);
  });
});
