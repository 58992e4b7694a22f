// Fails fast when a project script runs on a Node other than the pinned Node 24 LTS.
const major = Number(process.versions.node.split(".")[0]);
if (major !== 24) {
  console.error(
    `Syncline needs Node 24 LTS, found ${process.version}. Run scripts through npm (it puts node_modules/.bin/node first) after \`npm ci\`.`,
  );
  process.exit(1);
}
