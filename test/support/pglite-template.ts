import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** An initialised, empty PGlite data directory that embedded test databases start as copies of. */
    pgliteTemplate: string;
  }
}

/**
 * vitest global setup of the `embedded` project: runs PGlite's initdb once, so each embedded test
 * database is a copy of this directory and opens in about a third of the time of a fresh one.
 * Removes the template when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "syncline-pglite-template-"));
  const client = new PGlite(dir);
  await client.waitReady;
  await client.close();
  project.provide("pgliteTemplate", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
