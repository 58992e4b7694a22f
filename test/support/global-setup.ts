/** Runs once before all test files: refuses to run on a Node other than the project's Node 24. */
export default function setup(): void {
  const major = Number(process.versions.node.split(".")[0]);
  if (major !== 24) {
    throw new Error(
      `tests must run on Node 24 (found ${process.version}); run them through npm so node_modules/.bin/node is used`,
    );
  }
}
