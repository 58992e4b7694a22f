import { startFakeGcp } from "./fake-gcp.ts";

/** Runs the fake Secret Manager on its own: `node test/fakes/gcp/serve.ts`, prints where and a key file. */
const fake = await startFakeGcp();
console.log(JSON.stringify({ apiEndpoint: fake.apiEndpoint, tokenUri: fake.tokenUri, project: fake.project }));
console.log(fake.keyJson);
process.on("SIGINT", () => void fake.close().then(() => process.exit(0)));
