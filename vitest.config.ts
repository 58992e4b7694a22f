import { defineConfig } from "vitest/config";
import { databaseProjects } from "./test/support/database-projects.ts";

export default defineConfig({
  test: {
    exclude: ["**/node_modules/**"],
    pool: "forks",
    // Most files wait on child processes, PostgreSQL and nats-server rather than compute: three at
    // once roughly halves the wall time on 2 cores (vitest's default there is one).
    maxWorkers: 3,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/endpoint-allowlist.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Store-behaviour files run once per database (SYNCLINE_TEST_DATABASES=postgres|embedded|both).
    projects: databaseProjects(["packages/**/*.test.ts", "services/**/*.test.ts", "test/**/*.test.ts"]),
  },
});
