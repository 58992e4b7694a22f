import { describe, expect, it } from "vitest";
import { checkKeySchema, createKeySchema } from "./key-schema.ts";
import { planDestinationDiff } from "./destination-diff.ts";

describe("key schema", () => {
  it("validates templates with a clear message", () => {
    expect(checkKeySchema("APP_{{secretKey}}")).toBeUndefined();
    expect(checkKeySchema("{{environment}}/{{secretKey}}")).toBeUndefined();
    expect(checkKeySchema("")).toBeUndefined();
    expect(checkKeySchema("APP_")).toMatch(/exactly once/);
    expect(checkKeySchema("{{secretKey}}{{secretKey}}")).toMatch(/exactly once/);
    expect(checkKeySchema("{{project}}_{{secretKey}}")).toMatch(/unknown placeholder/);
    expect(checkKeySchema("A B{{secretKey}}")).toMatch(/only letters/);
    expect(checkKeySchema(`${"A".repeat(250)}{{secretKey}}`)).toMatch(/at most 255/);
  });

  it("applies and strips the schema, owning only matching keys", () => {
    const schema = createKeySchema("{{environment}}_APP_{{secretKey}}_V", "prod");
    expect(schema.toDestination("DB")).toBe("prod_APP_DB_V");
    expect(schema.fromDestination("prod_APP_DB_V")).toBe("DB");
    expect(schema.fromDestination("dev_APP_DB_V")).toBeUndefined();
    expect(schema.fromDestination("prod_APP__V")).toBeUndefined();
    expect(createKeySchema("", "dev").fromDestination("ANY")).toBe("ANY");
  });
});

describe("destination diff", () => {
  const schema = createKeySchema("APP_{{secretKey}}", "dev");

  it("creates, updates and deletes owned keys only", () => {
    const diff = planDestinationDiff({
      desired: new Map([
        ["A", "1"],
        ["B", "2"],
        ["C", "3"],
      ]),
      current: new Map([
        ["APP_A", "1"],
        ["APP_B", "old"],
        ["APP_GONE", "x"],
        ["OTHER", "keep"],
      ]),
      schema,
      allowDeletion: true,
    });
    expect([...diff.create]).toEqual([["APP_C", "3"]]);
    expect([...diff.update]).toEqual([["APP_B", "2"]]);
    expect(diff.delete).toEqual(["APP_GONE"]);
  });

  it("keeps destination keys when deletion is disabled and writes everything when it cannot read back", () => {
    const keep = planDestinationDiff({
      desired: new Map(),
      current: new Map([["APP_X", "1"]]),
      schema,
      allowDeletion: false,
    });
    expect(keep.delete).toEqual([]);
    const blind = planDestinationDiff({
      desired: new Map([["A", "1"]]),
      current: undefined,
      schema,
      allowDeletion: true,
    });
    expect([...blind.create.keys()]).toEqual(["APP_A"]);
  });
});
