import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/service-process.ts";
import { DESTINATION_DOCS_DIR, destinationDocs } from "./destination-docs.ts";

/** docs/destinations/ is what the generator makes from the descriptors now: a stale page fails here. */
describe("destination docs pages", () => {
  const dir = join(repoRoot, DESTINATION_DOCS_DIR);
  const generated = destinationDocs();
  const fix = "run `npm run docs:destinations` and commit docs/destinations";

  it("has exactly one page per registered destination, plus the index", () => {
    const committed = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".md")) : [];
    expect(committed.sort(), fix).toEqual([...generated.keys()].sort());
  });

  it.each([...generated])("has an up-to-date %s", (name, content) => {
    const path = join(dir, name);
    const committed = existsSync(path) ? readFileSync(path, "utf8") : "";
    expect(committed === content, `${DESTINATION_DOCS_DIR}/${name} is stale: ${fix}`).toBe(true);
  });
});
