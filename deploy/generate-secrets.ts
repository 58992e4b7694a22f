/**
 * Generates every secret a cluster deployment needs, fresh, as `KEY=value` lines: service tokens
 * and the peer digests that match them, root keys, the run-grant key pair, NATS and database
 * passwords and the database URLs built from them. The same file feeds both deployments:
 *
 *   node deploy/generate-secrets.ts > deploy/compose/.env                                  # compose
 *   node deploy/generate-secrets.ts --database-host db.internal > syncline.env             # Kubernetes:
 *   kubectl -n syncline create secret generic syncline --from-env-file=syncline.env
 *
 * The keys are those of deploy/kubernetes/secret.example.yaml and deploy/compose/.env.example
 * (test/deploy checks all three agree). Keep the output as secret as the data it protects.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { formatPeerServiceDigests } from "@syncline/rpc";

/** The services with a database, by the name of their database and role. */
export const databases = {
  SECRETS: "syncline_secrets",
  CONNECTIONS: "syncline_connections",
  ORCHESTRATOR: "syncline_orchestrator",
} as const;

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
/**
 * A NATS password: nats-server parses the variable a configuration refers to as a value, so one
 * starting with a digit would be read as a number (and refused); a letter first keeps it a string.
 */
const natsPassword = () => `n${hex(24)}`;

/** Fresh values for every key of the `syncline` Secret; `databaseHost` goes into the database URLs. */
export function generateSecrets(options: { databaseHost: string; databasePort?: number }): Record<string, string> {
  const tokens = { connections: hex(32), orchestrator: hex(32), worker: hex(32) };
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const signingPem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const out: Record<string, string> = {
    BOOTSTRAP_TOKEN: hex(32),
    CONNECTIONS_SERVICE_TOKEN: tokens.connections,
    ORCHESTRATOR_SERVICE_TOKEN: tokens.orchestrator,
    WORKER_SERVICE_TOKEN: tokens.worker,
    SECRETS_PEER_SERVICE_DIGESTS: formatPeerServiceDigests({
      connections: tokens.connections,
      "sync-orchestrator": tokens.orchestrator,
      "connector-worker": tokens.worker,
    }),
    CONNECTIONS_PEER_SERVICE_DIGESTS: formatPeerServiceDigests({
      "sync-orchestrator": tokens.orchestrator,
      "connector-worker": tokens.worker,
    }),
    ORCHESTRATOR_PEER_SERVICE_DIGESTS: formatPeerServiceDigests({ "connector-worker": tokens.worker }),
    SECRETS_ROOT_KEY: hex(32),
    CONNECTIONS_ROOT_KEY: hex(32),
    CONNECTIONS_FINGERPRINT_KEY: hex(32),
    ORCHESTRATOR_ROOT_KEY: hex(32),
    RUN_GRANT_SIGNING_KEY: Buffer.from(signingPem).toString("base64"),
    RUN_GRANT_PUBLIC_KEYS: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
    NATS_PASSWORD_SECRETS: natsPassword(),
    NATS_PASSWORD_CONNECTIONS: natsPassword(),
    NATS_PASSWORD_ORCHESTRATOR: natsPassword(),
    NATS_PASSWORD_WORKER: natsPassword(),
    POSTGRES_PASSWORD: hex(24),
  };
  const port = options.databasePort ?? 5432;
  for (const [service, name] of Object.entries(databases)) {
    const password = hex(24);
    out[`${service}_DB_PASSWORD`] = password;
    out[`${service}_DATABASE_URL`] = `postgres://${name}:${password}@${options.databaseHost}:${port}/${name}`;
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { "database-host": { type: "string", default: "postgres" } } });
  const secrets = generateSecrets({ databaseHost: values["database-host"] });
  process.stdout.write(
    `${Object.entries(secrets)
      .map(([key, value]) => `${key}=${value}`)
      .join("\n")}\n`,
  );
}
