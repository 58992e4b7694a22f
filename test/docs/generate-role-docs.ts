import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROLE_DOCS_FILE, withRoleMatrix } from "./role-docs.ts";

/**
 * Rewrites the role matrix in docs/identity-and-access.md from the access tables
 * (`npm run docs:roles`): the text between the role-matrix markers; the rest of the page stays.
 */
const path = join(fileURLToPath(new URL("../../", import.meta.url)), ROLE_DOCS_FILE);
writeFileSync(path, await withRoleMatrix(readFileSync(path, "utf8")));
console.log(`wrote the role matrix to ${ROLE_DOCS_FILE}`);
