import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DESTINATION_DOCS_DIR, destinationDocs } from "./destination-docs.ts";

/**
 * Writes docs/destinations/ from the destination descriptors (`npm run docs:destinations`): one
 * page per destination and the README index; pages of destinations no longer registered go.
 */
const dir = join(fileURLToPath(new URL("../../", import.meta.url)), DESTINATION_DOCS_DIR);
const files = destinationDocs();
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) if (name.endsWith(".md") && !files.has(name)) rmSync(join(dir, name));
for (const [name, content] of files) writeFileSync(join(dir, name), content);
console.log(`wrote ${files.size} files to ${DESTINATION_DOCS_DIR}`);
