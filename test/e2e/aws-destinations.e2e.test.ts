import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsParameterType, AwsSecretsManagerMapping } from "@syncline/gen/syncline/syncs/v1/aws_destination_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { startFakeAws, type FakeAws } from "../fakes/aws/fake-aws.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { measurePropagation } from "../support/propagation-latency.ts";

/**
 * AWS Secrets Manager and Parameter Store end to end through real processes: secrets service →
 * orchestrator → worker → the fake AWS (SigV4 verified), one sync with an access key and one
 * through an assumed role; then the propagation latency of a series of changes, printed.
 */
const system = useSystem({ name: "aws-destinations-e2e", services: allServices, vault: false });
let aws: FakeAws;
let projectId: string;
const env = "dev";

beforeAll(async () => {
  aws = await startFakeAws();
  const { project } = await system.secrets.createProject({ name: "aws-e2e" });
  projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: env, name: "" });
}, 120_000);
afterAll(() => aws?.close());

async function connection(assumeRole: boolean): Promise<string> {
  const key = { ...aws.accessKey, sessionToken: "" };
  const { connection } = await system.connections.createAppConnection({
    projectId,
    name: `aws-${randomBytes(3).toString("hex")}`,
    credentials: {
      app: {
        case: "aws",
        value: {
          region: aws.region,
          endpointUrl: aws.url,
          method: assumeRole
            ? {
                case: "assumeRole",
                value: { base: key, roleArn: aws.role.arn, externalId: aws.role.externalId, sessionName: "" },
              }
            : { case: "accessKey", value: key },
        },
      },
    },
  });
  return connection!.id;
}

const put = (path: string, key: string, value: string) =>
  system.secrets.createSecret({ projectId, environment: env, path, key, value });
const update = (path: string, key: string, value: string) =>
  system.secrets.updateSecret({ projectId, environment: env, path, key, value });
const remove = (path: string, key: string) => system.secrets.deleteSecret({ projectId, environment: env, path, key });

function equals(read: () => Map<string, string>, expected: Record<string, string>, timeoutMs = 30_000) {
  const text = (m: Map<string, string>) => JSON.stringify([...m].sort(([a], [b]) => a.localeCompare(b)));
  const want = text(new Map(Object.entries(expected)));
  return eventually(() => (text(read()) === want ? true : undefined), {
    timeoutMs,
    describe: () => `destination holds keys ${[...read().keys()].sort().join(", ")}`,
  });
}

describe("AWS destinations through every service", () => {
  it("syncs to Secrets Manager, one secret per key, tagged with the sync, and schedules deleted keys for deletion", async () => {
    await put("/api", "DB_PASSWORD", "pw-1");
    await put("/api", "API_KEY", "key-1");
    aws.seedSecret("unrelated", "keep-me");
    const { secretSync } = await system.syncs.createSecretSync({
      projectId,
      name: "api-to-secrets-manager",
      source: { environment: env, path: "/api" },
      connectionId: await connection(false),
      destinationConfig: {
        destination: {
          case: "awsSecretsManager",
          value: { mapping: AwsSecretsManagerMapping.ONE_SECRET_PER_KEY, recoveryWindowDays: 7 },
        },
      },
      keySchema: "apps/api/{{secretKey}}",
    });
    await equals(() => aws.secretValues(), {
      unrelated: "keep-me",
      "apps/api/DB_PASSWORD": "pw-1",
      "apps/api/API_KEY": "key-1",
    });
    expect(aws.secret("apps/api/API_KEY")?.tags.get("syncline:sync-id")).toBe(secretSync!.id);
    await update("/api", "DB_PASSWORD", "pw-2");
    await remove("/api", "API_KEY");
    await equals(() => aws.secretValues(), { unrelated: "keep-me", "apps/api/DB_PASSWORD": "pw-2" });
    expect(aws.secret("apps/api/API_KEY")?.deletionDate).toBeDefined();
    const status = await eventually(async () => {
      const { secretSync: s } = await system.syncs.getSecretSync({ secretSyncId: secretSync!.id });
      return s?.syncStatus?.state === SyncState.SUCCEEDED ? s : undefined;
    });
    expect(status.syncStatus?.state).toBe(SyncState.SUCCEEDED);
  });

  it("syncs to Parameter Store through an assumed role", async () => {
    await put("/web", "TOKEN", "t-1");
    await system.syncs.createSecretSync({
      projectId,
      name: "web-to-parameter-store",
      source: { environment: env, path: "/web" },
      connectionId: await connection(true),
      destinationConfig: {
        destination: {
          case: "awsParameterStore",
          value: { pathPrefix: "/apps/web", type: AwsParameterType.SECURE_STRING },
        },
      },
      keySchema: "",
    });
    await equals(() => aws.parameterValues("/apps/web"), { TOKEN: "t-1" });
    expect(aws.assumedRoles()).toBeGreaterThan(0);
    expect(aws.parameter("/apps/web/TOKEN")?.type).toBe("SecureString");
  });

  it("measures the propagation latency to the fake AWS (printed, never asserted)", { timeout: 180_000 }, async () => {
    const measure = (label: string, path: string, key: string, destinationKey: string) =>
      measurePropagation(`fake AWS ${label}`, async (i) => {
        const value = `${label}-${i}`;
        const started = Date.now();
        await update(path, key, value);
        const write = await eventually(
          () => aws.writeLog().find((w) => w.key === destinationKey && w.value === value && w.at >= started),
          { timeoutMs: 30_000, intervalMs: 5 },
        );
        return write.at - started;
      });
    await measure("secrets-manager", "/api", "DB_PASSWORD", "apps/api/DB_PASSWORD");
    await measure("parameter-store", "/web", "TOKEN", "/apps/web/TOKEN");
  });
});
