// Runs the fake Vault on its own, for trying Syncline by hand without a real Vault:
//   node test/fakes/vault/serve.ts [port]
// Token: $FAKE_VAULT_TOKEN or "fake-vault-root-token"; one KV v2 mount, "secret".
import { startFakeVault } from "./fake-vault.ts";

const token = process.env.FAKE_VAULT_TOKEN ?? "fake-vault-root-token";
const vault = await startFakeVault({ tokens: [token], port: Number(process.argv[2] ?? 8200) });
console.log(`fake Vault listening at ${vault.url} (KV v2 mount "secret")`);
vault.onWrite((write) => console.log(`write ${write.mount}/${write.path} -> version ${write.version}`));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void vault.close().then(() => process.exit(0)));
}
