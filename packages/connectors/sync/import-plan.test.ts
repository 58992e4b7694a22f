import { describe, expect, it } from "vitest";
import { planDestinationDiff } from "./destination-diff.ts";
import { ownedDestinationKeys } from "./destination-view.ts";
import { planImport, sourceAfterImport } from "./import-plan.ts";
import { createKeySchema } from "./key-schema.ts";

const schema = createKeySchema("APP_{{secretKey}}", "dev");
const destination = new Map([
  ["APP_SHARED", "from-destination"],
  ["APP_SAME", "same"],
  ["APP_EMPTY", ""],
  ["APP_NEW", "new-value"],
  ["APP_NEW_EMPTY", ""],
  ["APP_bad/key", "x"],
  ["OTHER_TEAM", "not-ours"],
]);
const source = new Map([
  ["SHARED", "from-source"],
  ["SAME", "same"],
  ["EMPTY", "source-value"],
  ["ONLY_SOURCE", "s"],
]);

describe("import plan", () => {
  it("prioritising the source imports only keys the source lacks, with the schema stripped", () => {
    const plan = planImport({ destination, source, schema, prefer: "source" });
    expect(plan.create).toEqual([
      { key: "NEW", value: "new-value" },
      { key: "NEW_EMPTY", value: "" },
    ]);
    expect(plan.update).toEqual([]);
    expect(plan.kept).toEqual(["EMPTY", "SAME", "SHARED"]);
    expect(plan.invalid).toEqual(["bad/key"]);
  });

  it("prioritising the destination takes its values but never an empty one over a source value", () => {
    const plan = planImport({ destination, source, schema, prefer: "destination" });
    expect(plan.update).toEqual([{ key: "SHARED", value: "from-destination" }]);
    expect(plan.keptOverEmpty).toEqual(["EMPTY"]);
    expect(plan.kept).toEqual(["SAME"]);
    expect(plan.create.map((w) => w.key)).toEqual(["NEW", "NEW_EMPTY"]);
    const after = sourceAfterImport(source, plan);
    expect(after.get("EMPTY")).toBe("source-value");
    expect(after.get("SHARED")).toBe("from-destination");
    expect(after.has("OTHER_TEAM")).toBe(false);
  });
});

describe("destination diff by key names only", () => {
  it("rewrites every desired key, creates missing ones and deletes owned names the source lacks", () => {
    const diff = planDestinationDiff({
      desired: new Map([
        ["A", "1"],
        ["B", "2"],
      ]),
      current: undefined,
      currentKeys: new Set(["APP_A", "APP_GONE", "UNOWNED"]),
      schema,
      allowDeletion: true,
    });
    expect([...diff.update.keys()]).toEqual(["APP_A"]);
    expect([...diff.create.keys()]).toEqual(["APP_B"]);
    expect(diff.delete).toEqual(["APP_GONE"]);
  });
});

describe("owned destination keys", () => {
  it("are the present keys the schema matches, from values or names, and none when blind", () => {
    expect(ownedDestinationKeys({ kind: "values", values: destination }, schema)).toEqual([
      "APP_EMPTY",
      "APP_NEW",
      "APP_NEW_EMPTY",
      "APP_SAME",
      "APP_SHARED",
      "APP_bad/key",
    ]);
    expect(ownedDestinationKeys({ kind: "keys", keys: new Set(["APP_X", "OTHER"]) }, schema)).toEqual(["APP_X"]);
    expect(ownedDestinationKeys({ kind: "blind" }, schema)).toEqual([]);
  });
});
