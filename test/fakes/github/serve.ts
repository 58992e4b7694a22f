// Runs the fake GitHub on its own, for trying Syncline by hand without a real GitHub:
//   node test/fakes/github/serve.ts [port]
// Token: $FAKE_GITHUB_TOKEN or "fake-github-token". Repository acme/api (environment "production"),
// acme/web, organization acme. Use the printed URL as the connection's api_url.
import { startFakeGitHub } from "./fake-github.ts";

const token = process.env.FAKE_GITHUB_TOKEN ?? "fake-github-token";
const github = await startFakeGitHub({ tokens: [{ token }], port: Number(process.argv[2] ?? 8300) });
console.log(`fake GitHub listening at ${github.url} (repositories acme/api [production], acme/web; organization acme)`);
github.onRequest((request) => console.log(`${request.method} ${request.path} -> ${request.status}`));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void github.close().then(() => process.exit(0)));
}
