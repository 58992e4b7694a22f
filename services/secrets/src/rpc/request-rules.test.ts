import { create } from "@bufbuild/protobuf";
import {
  CreateSecretRequestSchema,
  GetSecretVersionRequestSchema,
  ListAuditEventsRequestSchema,
} from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { requestViolations } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { limits } from "../domain/source-rules.ts";

/** The field rules of the secrets API, as its protos state them and the RPC edge applies them. */
const at = { projectId: "6f1c1f5e-6c1b-4c1e-9c1a-1b2c3d4e5f60", environment: "dev", path: "/app" };
const secretFields = (fields: object) =>
  requestViolations(
    CreateSecretRequestSchema,
    create(CreateSecretRequestSchema, { ...at, key: "K", value: "v", ...fields }),
  ).map((v) => v.field);

describe("keys, slugs and values", () => {
  it("accepts conventional keys and refuses the rest", () => {
    expect(secretFields({ key: "DB_PASSWORD" })).toEqual([]);
    expect(secretFields({ key: "_x.y-z" })).toEqual([]);
    for (const bad of ["1ABC", "A B", "A".repeat(256), ""]) expect(secretFields({ key: bad }), bad).toEqual(["key"]);
  });

  it("checks slugs, paths and value size", () => {
    expect(secretFields({ environment: "prod" })).toEqual([]);
    expect(secretFields({ environment: "Prod" })).toEqual(["environment"]);
    expect(secretFields({ environment: "p".repeat(33) })).toEqual(["environment"]);
    for (const good of ["/", "//api//db/", "/a.b/c-d_e"]) expect(secretFields({ path: good }), good).toEqual([]);
    for (const bad of ["", "api", "/api/../x", "/./a", "/a b", "/a\u0000", "/a".repeat(21), `/${"a".repeat(512)}`])
      expect(secretFields({ path: bad }), bad).toEqual(["path"]);
    expect(secretFields({ value: "x".repeat(limits.valueBytes) })).toEqual([]);
    expect(secretFields({ value: "x".repeat(limits.valueBytes + 1) })).toEqual(["value"]);
  });
});

describe("metadata, versions and audit prefixes", () => {
  it("accepts tags up to the documented limits and refuses past them", () => {
    const full = Object.fromEntries(
      Array.from({ length: limits.metadataEntries }, (_, i) => [`k.${i}-_`, "v".repeat(limits.metadataValueLength)]),
    );
    expect(secretFields({ metadata: full })).toEqual([]);
    expect(secretFields({ metadata: { ...full, extra: "v" } })).toEqual(["metadata"]);
    expect(secretFields({ metadata: { ["k".repeat(64)]: "v" } })).toEqual([]);
    const bads: Array<Record<string, string>> = [
      { ["k".repeat(65)]: "v" },
      { "": "v" },
      { "a b": "v" },
      { "a/b": "v" },
      { a: "v".repeat(257) },
      { a: "tab\there" },
      { a: "del\u007f" },
    ];
    for (const bad of bads) expect(secretFields({ metadata: bad }), JSON.stringify(bad)).toEqual(["metadata"]);
  });

  it("takes versions 1 to 2^31-1 and audit prefixes of lowercase words and dots", () => {
    const version = (value: bigint) =>
      requestViolations(
        GetSecretVersionRequestSchema,
        create(GetSecretVersionRequestSchema, { ...at, key: "K", version: value }),
      );
    expect(version(1n)).toEqual([]);
    expect(version(2n ** 31n - 1n)).toEqual([]);
    expect(version(0n).map((v) => v.field)).toEqual(["version"]);
    expect(version(2n ** 31n).map((v) => v.field)).toEqual(["version"]);
    const prefix = (actionPrefix: string) =>
      requestViolations(ListAuditEventsRequestSchema, create(ListAuditEventsRequestSchema, { actionPrefix }));
    expect(prefix("")).toEqual([]);
    expect(prefix("secret_import.")).toEqual([]);
    for (const bad of ["Secret.", "secret%", "a'--", "x".repeat(65)])
      expect(
        prefix(bad).map((v) => v.field),
        bad,
      ).toEqual(["action_prefix"]);
  });
});
