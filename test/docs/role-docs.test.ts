import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/service-process.ts";
import { ROLE_DOCS_FILE, withRoleMatrix } from "./role-docs.ts";

/** The role matrix in the docs is what the access tables say now: a stale matrix fails here. */
describe("role matrix docs", () => {
  it("matches the access tables", async () => {
    const committed = readFileSync(join(repoRoot, ROLE_DOCS_FILE), "utf8");
    const fresh = await withRoleMatrix(committed);
    expect(committed === fresh, `the role matrix in ${ROLE_DOCS_FILE} is stale: run \`npm run docs:roles\``).toBe(true);
  });
});
