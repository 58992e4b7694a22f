/**
 * What may import what (issue 8, "enforced shape"). Run by `npm run lint`, and so by `npm test` and CI.
 * Each rule says why it exists; a violation fails the build. Paths are repository-relative; workspace
 * packages (`@syncline/*`) resolve through node_modules symlinks to their folders.
 */

/** A module that is a test, a test helper or test-only support: free to reach across layers. */
const TEST = "(^test/|\\.test\\.ts$|/test/)";

/** The layer folders inside a service's `src/`. */
const SERVICE_SRC = "^services/([^/]+)/src/";

/** Modules that reach a database, the network, the bus or the file system. */
const IO_MODULES = [
  "^node_modules/(drizzle-orm|postgres|@electric-sql/pglite|nats|@nats-io/[^/]+|@grpc/grpc-js)/",
  "^(node:)?(fs|fs/promises|net|http|https|http2)$",
  "^packages/(rpc|db|bus)/",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "packages-never-import-services",
      comment:
        "Packages are the shared libraries services are built from; a package that imports a service would " +
        "make that service a library of every other one and cycle the build.",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^services/" },
    },
    {
      name: "services-never-import-each-other",
      comment:
        "Each service is its own process with its own database; services meet only over gRPC and JetStream " +
        "(the contracts in proto/). Tests may start several services and so may import them.",
      severity: "error",
      from: { path: "^services/([^/]+)/", pathNot: TEST },
      to: { path: "^services/", pathNot: ["^services/$1/"] },
    },
    {
      name: "rpc-reaches-store-only-through-service",
      comment:
        "rpc/ handlers translate requests and responses; reads and writes go through service/ so that rules, " +
        "transactions and events are never bypassed. Row types are re-exported or mapped to views by service/.",
      severity: "error",
      from: { path: `${SERVICE_SRC}rpc/` },
      to: { path: "^services/$1/src/store/" },
    },
    {
      name: "domain-does-no-io",
      comment:
        "domain/ holds the rules (pure functions over values) so they are unit-tested without a database, " +
        "a bus or a server; I/O belongs to store/, rpc/ and bus/.",
      severity: "error",
      from: { path: `${SERVICE_SRC}domain/` },
      to: { path: [...IO_MODULES, "^services/$1/src/(store|rpc|bus)/"] },
    },
    {
      name: "service-issues-no-queries",
      comment:
        "Queries live in store/ (one place per table to read when a schema changes); service/ composes " +
        "store functions, transactions and rules, and never imports drizzle-orm itself.",
      severity: "error",
      from: { path: `${SERVICE_SRC}service/`, pathNot: TEST },
      to: { path: "^node_modules/drizzle-orm/" },
    },
    {
      name: "service-holds-no-tables",
      comment:
        "A table object is what a query is built from: service/ that imports one is writing queries by " +
        "another route. Row types (type-only imports) may flow up; tables stay in store/.",
      severity: "error",
      from: { path: `${SERVICE_SRC}service/`, pathNot: TEST },
      to: { path: "^services/$1/src/store/[^/]*schema\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-circular",
      comment: "A cycle means two modules are one concern split in two, or a layer that points back up.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-orphans",
      comment:
        "A module that imports nothing and that nothing imports is dead code left behind by a refactoring. " +
        "Scripts under deploy/, tests, configuration files and generated code are exempt.",
      severity: "error",
      from: {
        orphan: true,
        path: "^(packages|services)/",
        pathNot: [TEST, "\\.d\\.ts$", "(^|/)[^/]+\\.config\\.(ts|js|cjs|mjs)$", "^packages/gen/"],
      },
      to: {},
    },
    {
      name: "generated-code-only-through-gen",
      comment:
        "Generated code is a package of its own (@syncline/gen, rebuilt by `npm run generate`); a relative " +
        "path into it bypasses the package boundary and breaks when generation moves files.",
      severity: "error",
      from: { pathNot: "^packages/gen/" },
      to: { path: "^packages/gen/", dependencyTypes: ["local"], dependencyTypesNot: ["aliased"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".d.ts", ".js"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
