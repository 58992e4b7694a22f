import type { TestProjectInlineConfiguration } from "vitest/config";
import type { DatabaseKind } from "./test-databases.ts";

/**
 * Test files of store behaviour: each runs in full on every selected database. Files mostly about
 * something else (process interplay, timing) run on PostgreSQL only; `embeddedOnlyFiles` covers
 * their core path on the embedded database. Each file here costs a PGlite start per service it
 * runs, so the list is kept to what exercises the stores.
 */
export const bothDatabaseFiles = [
  "packages/db/src/driver-parity.test.ts",
  "services/sync-orchestrator/src/service/run-queue.test.ts",
  "services/sync-orchestrator/src/service/run-queue-fan-out.test.ts",
  "services/sync-orchestrator/src/service/run-coordinator.test.ts",
  "services/sync-orchestrator/src/service/run-admission.test.ts",
  "services/sync-orchestrator/src/service/webhook-notifications.test.ts",
  "test/integration/secrets.test.ts",
  "test/integration/secrets-model.test.ts",
  "test/integration/secrets-bulk.test.ts",
  "test/integration/secrets-group-commit.test.ts",
  "test/integration/secrets-imports.test.ts",
  "test/integration/secrets-references.test.ts",
  "test/integration/secrets-snapshot.test.ts",
  "test/integration/identity-tokens.test.ts",
  "test/integration/connections.test.ts",
  "test/integration/connections-update.test.ts",
  "services/connections/src/service/credential-rotation.test.ts",
  "services/connections/src/service/connection-sharing.test.ts",
  "test/integration/orchestrator-api.test.ts",
  // orchestrator.test.ts (refusals, manual runs, access), orchestrator-coordination.test.ts (leases
  // through the worker) and orchestrator-destinations.test.ts (overlap rules, watch, plan) pass on
  // PGlite too; their store paths are covered above (the run-queue and run-coordinator store tests,
  // orchestrator-api), so to keep the suite short they run on PostgreSQL only.
];

/**
 * The chaos soak (about a minute) runs only through `npm run test:soak`, which sets SYNCLINE_SOAK=1;
 * `npm test` calls it once after the rest of the suite.
 */
const soakFiles = ["test/soak/chaos-soak.test.ts"];

/** Files that run on the embedded database only (the four processes end to end on PGlite). */
export const embeddedOnlyFiles = ["test/e2e/embedded-databases.e2e.test.ts"];

/**
 * The databases selected by SYNCLINE_TEST_DATABASES: `postgres`, `embedded` or `both` (the
 * default, what CI runs).
 */
export function selectedDatabases(value = process.env.SYNCLINE_TEST_DATABASES ?? "both"): DatabaseKind[] {
  if (value === "both" || value === "") return ["postgres", "embedded"];
  if (value === "postgres" || value === "embedded") return [value];
  throw new Error(`SYNCLINE_TEST_DATABASES must be postgres, embedded or both (got "${value}")`);
}

/**
 * vitest projects: `postgres` runs every test file (the store-behaviour ones only when PostgreSQL
 * is selected), `embedded` runs the store-behaviour files again on PGlite. Each sets
 * SYNCLINE_TEST_DATABASE, which the test helpers read (`currentDatabaseKind`).
 */
export function databaseProjects(
  all: readonly string[],
  kinds = selectedDatabases(),
): TestProjectInlineConfiguration[] {
  const postgres: TestProjectInlineConfiguration = {
    extends: true,
    test: {
      name: "postgres",
      include: [...all],
      exclude: [
        "**/node_modules/**",
        ...embeddedOnlyFiles,
        ...(process.env.SYNCLINE_SOAK === "1" ? [] : soakFiles),
        ...(kinds.includes("postgres") ? [] : bothDatabaseFiles),
      ],
      env: { SYNCLINE_TEST_DATABASE: "postgres" },
    },
  };
  const embedded: TestProjectInlineConfiguration = {
    extends: true,
    test: {
      name: "embedded",
      include: [...bothDatabaseFiles, ...embeddedOnlyFiles],
      env: { SYNCLINE_TEST_DATABASE: "embedded" },
      globalSetup: ["test/support/global-setup.ts", "test/support/pglite-template.ts"],
    },
  };
  return kinds.includes("embedded") ? [postgres, embedded] : [postgres];
}
