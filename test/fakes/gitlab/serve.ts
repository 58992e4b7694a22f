// Runs the fake GitLab on its own, for trying Syncline by hand without a real GitLab:
//   node test/fakes/gitlab/serve.ts [port]
// Token: $FAKE_GITLAB_TOKEN or "glpat-fake-gitlab-token"; projects acme/api and acme/web, group acme.
import { startFakeGitLab } from "./fake-gitlab.ts";

const token = process.env.FAKE_GITLAB_TOKEN ?? "glpat-fake-gitlab-token";
const gitlab = await startFakeGitLab({ tokens: [{ token }], port: Number(process.argv[2] ?? 8929) });
console.log(`fake GitLab listening at ${gitlab.url} (projects acme/api, acme/web; group acme)`);
gitlab.onRequest((request) => console.log(`${request.method} ${request.path} -> ${request.status}`));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void gitlab.close().then(() => process.exit(0)));
}
