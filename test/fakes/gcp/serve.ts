import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeGcp } from "./fake-gcp.ts";

/**
 * Runs the fake Secret Manager on its own: `node test/fakes/gcp/serve.ts`. Prints the endpoints and
 * the path of the key file it wrote (the fake's own throwaway key; never printed).
 */
const fake = await startFakeGcp();
const keyFile = join(tmpdir(), `fake-gcp-key-${process.pid}.json`);
writeFileSync(keyFile, fake.keyJson, { mode: 0o600 });
console.log(JSON.stringify({ apiEndpoint: fake.apiEndpoint, tokenUri: fake.tokenUri, project: fake.project, keyFile }));
process.on("SIGINT", () => void fake.close().then(() => process.exit(0)));
