import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/**/*.test.ts", "services/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/endpoint-allowlist.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
