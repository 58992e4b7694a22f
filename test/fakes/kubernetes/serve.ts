import { startFakeKubernetes } from "./fake-kubernetes.ts";

/** Runs the fake API server on its own: `node test/fakes/kubernetes/serve.ts [port]`; prints its URL, token and CA. */
const fake = await startFakeKubernetes({ port: Number(process.argv[2] ?? 0) });
process.stdout.write(`fake Kubernetes API server at ${fake.url}\ntoken: ${fake.token}\nCA bundle:\n${fake.caBundle}`);
