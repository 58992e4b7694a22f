import { startFakeAzure } from "./fake-azure.ts";

/** Runs the fake on its own: `node test/fakes/azure/serve.ts [port]`; prints its URL, application and CA file. */
const fake = await startFakeAzure({ port: Number(process.argv[2] ?? 0) });
const { fakeTlsIdentity } = await import("./tls.ts");
console.log(
  JSON.stringify({
    url: fake.url,
    tenantId: fake.application.tenantId,
    clientId: fake.application.clientId,
    caFile: fakeTlsIdentity().caFile,
  }),
);
