import { setTimeout as sleep } from "node:timers/promises";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { GoogleError, grpc, type CallOptions } from "google-gax";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signedAssertion } from "../../../packages/connectors/gcp-secret-manager/index.ts";
import { startFakeGcp, type FakeGcp } from "./fake-gcp.ts";

let gcp: FakeGcp;
let client: SecretManagerServiceClient;
beforeEach(async () => {
  gcp = await startFakeGcp();
  const url = new URL(gcp.apiEndpoint);
  client = new SecretManagerServiceClient({
    apiEndpoint: url.hostname,
    port: Number(url.port),
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: "googleapis.com",
  });
});
afterEach(async () => {
  await client.close();
  await gcp.close();
});

const key = (keyJson = gcp.keyJson) => {
  const k = JSON.parse(keyJson);
  return {
    clientEmail: k.client_email,
    privateKey: k.private_key,
    privateKeyId: k.private_key_id,
    tokenUri: k.token_uri,
  };
};

async function exchange(assertion: string) {
  const response = await fetch(gcp.tokenUri, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function options(extra: CallOptions = {}): Promise<CallOptions> {
  const { body } = await exchange(signedAssertion(key()));
  return { retry: null, otherArgs: { headers: { authorization: `Bearer ${body.access_token}` } }, ...extra };
}

async function grpcError(call: Promise<unknown>): Promise<GoogleError & { details: string }> {
  const error = await call.then(
    () => expect.fail("expected a gRPC error"),
    (e: unknown) => e as GoogleError,
  );
  return GoogleError.parseGRPCStatusDetails(error) as GoogleError & { details: string };
}

const parent = () => `projects/${gcp.project}`;
const create = async (secretId: string, o?: CallOptions) =>
  client.createSecret(
    { parent: parent(), secretId, secret: { replication: { automatic: {} } } },
    o ?? (await options()),
  );
const add = async (secretId: string, value: string | Buffer, o?: CallOptions) =>
  client.addSecretVersion(
    { parent: `${parent()}/secrets/${secretId}`, payload: { data: Buffer.from(value) } },
    o ?? (await options()),
  );

describe("fake GCP token endpoint", () => {
  it("issues a bearer token for an assertion signed with the account's key", async () => {
    const { status, body } = await exchange(signedAssertion(key()));
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
    expect(String(body.access_token)).toMatch(/^ya29\./);
  });

  it("refuses a signature made with another key, and an assertion for another audience", async () => {
    const stranger = JSON.parse(gcp.createServiceAccount("stranger"));
    const forged = signedAssertion({ ...key(), privateKey: stranger.private_key });
    expect(await exchange(forged)).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: "Invalid JWT Signature." },
    });
    const elsewhere = await exchange(signedAssertion({ ...key(), tokenUri: "https://oauth2.googleapis.com/token" }));
    expect(elsewhere.body.error).toBe("invalid_grant");
    expect(await exchange("not-a-jwt")).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });
});

describe("fake GCP Secret Manager over gRPC", () => {
  it("creates secrets, adds versions and answers versions/latest:access with the payload and its CRC32C", async () => {
    const [secret] = await create("DB_URL");
    expect(secret.name).toBe(`${parent()}/secrets/DB_URL`);
    expect(secret.replication?.automatic).toBeTruthy();
    await add("DB_URL", "one");
    const [version] = await add("DB_URL", "twö");
    expect(version.name).toBe(`${parent()}/secrets/DB_URL/versions/2`);
    expect(version.state).toBe("ENABLED");
    const [access] = await client.accessSecretVersion(
      { name: `${parent()}/secrets/DB_URL/versions/latest` },
      await options(),
    );
    expect(Buffer.from(access.payload!.data as Uint8Array).toString("utf8")).toBe("twö");
    expect(gcp.read()).toEqual(new Map([["DB_URL", "twö"]]));
  });

  it("answers Google's statuses: UNAUTHENTICATED, PERMISSION_DENIED, ALREADY_EXISTS, NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION", async () => {
    const anonymous = await grpcError(create("A", { retry: null }));
    expect(anonymous.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(anonymous.details).toContain("Request had invalid authentication credentials");

    const narrow = JSON.parse(gcp.createServiceAccount("narrow", ["other-project"]));
    const { body } = await exchange(
      signedAssertion({ ...key(), clientEmail: narrow.client_email, privateKey: narrow.private_key }),
    );
    const denied = await grpcError(
      create("A", { retry: null, otherArgs: { headers: { authorization: `Bearer ${body.access_token}` } } }),
    );
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.details).toBe(
      `Permission 'secretmanager.secrets.create' denied for resource '${parent()}/secrets/A' (or it may not exist).`,
    );

    await create("A");
    const exists = await grpcError(create("A"));
    expect(exists.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(exists.details).toBe(`Secret [${parent()}/secrets/A] already exists.`);

    const missing = await grpcError(add("MISSING", "x"));
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
    expect((await grpcError(create("bad.id"))).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await grpcError(create("x".repeat(256)))).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await grpcError(add("A", ""))).details).toBe("Field [payload] is required.");
    await add("A", Buffer.alloc(65_536, 1));
    expect((await grpcError(add("A", Buffer.alloc(65_537, 1)))).code).toBe(grpc.status.INVALID_ARGUMENT);

    await client.disableSecretVersion({ name: `${parent()}/secrets/A/versions/1` }, await options());
    const disabled = await grpcError(
      client.accessSecretVersion({ name: `${parent()}/secrets/A/versions/1` }, await options()),
    );
    expect(disabled.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(disabled.details).toContain("DISABLED state");
  });

  it("pages ListSecrets with opaque page tokens and refuses a forged one", async () => {
    gcp.seed(Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`K${i}`, "v"])));
    const [first, , response] = await client.listSecrets(
      { parent: parent(), pageSize: 2 },
      { ...(await options()), autoPaginate: false },
    );
    expect(first.map((s) => s.name?.split("/").pop())).toEqual(["K0", "K1"]);
    expect(response?.nextPageToken).not.toBe("");
    const [second] = await client.listSecrets(
      { parent: parent(), pageSize: 2, pageToken: response!.nextPageToken! },
      { ...(await options()), autoPaginate: false },
    );
    expect(second.map((s) => s.name?.split("/").pop())).toEqual(["K2", "K3"]);
    const forged = await grpcError(
      client.listSecrets({ parent: parent(), pageToken: "forged" }, { ...(await options()), autoPaginate: false }),
    );
    expect(forged.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("answers RESOURCE_EXHAUSTED with RetryInfo, and 500/503 as INTERNAL/UNAVAILABLE, before any effect", async () => {
    gcp.faults.rateLimitNext(1, 7);
    const quota = await grpcError(create("A"));
    expect(quota.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(quota.reason).toBe("RATE_LIMIT_EXCEEDED");
    const retry = (quota.statusDetails as { retryDelay?: { seconds?: unknown } }[]).find((d) => d.retryDelay);
    expect(Number(retry?.retryDelay?.seconds)).toBe(7);
    gcp.faults.failNext(1, 500);
    expect((await grpcError(create("A"))).code).toBe(grpc.status.INTERNAL);
    gcp.faults.failNext(1, 503);
    expect((await grpcError(create("A"))).code).toBe(grpc.status.UNAVAILABLE);
    expect(gcp.secret("A")).toBeUndefined();
    expect(gcp.writeCount()).toBe(0);
  });

  it("fails a write after K writes, and a request whose client went away has no effect", async () => {
    gcp.faults.failAfterWrites(1);
    await create("A");
    expect((await grpcError(create("B"))).code).toBe(grpc.status.INTERNAL);
    expect(gcp.writeCount()).toBe(1);

    gcp.faults.setLatency(300);
    const controller = new AbortController();
    const pending = create("C", { ...(await options()), signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await grpcError(pending)).code).toBe(grpc.status.CANCELLED);
    await sleep(500);
    expect(gcp.secret("C")).toBeUndefined();

    gcp.faults.setLatency(0);
    gcp.faults.hangNext(1);
    const hung = await grpcError(create("D", { ...(await options()), timeout: 300 }));
    expect(hung.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(gcp.secret("D")).toBeUndefined();
  });

  it("updates labels with an update mask, lists versions newest first, destroys and deletes", async () => {
    gcp.seed({ A: "1" });
    gcp.seed({ A: "2" });
    await client.updateSecret(
      { secret: { name: `${parent()}/secrets/A`, labels: { team: "x" } }, updateMask: { paths: ["labels"] } },
      await options(),
    );
    expect(gcp.secret("A")?.labels).toEqual({ team: "x" });
    const badLabel = await grpcError(
      client.updateSecret(
        { secret: { name: `${parent()}/secrets/A`, labels: { Team: "x" } }, updateMask: { paths: ["labels"] } },
        await options(),
      ),
    );
    expect(badLabel.code).toBe(grpc.status.INVALID_ARGUMENT);
    const [versions] = await client.listSecretVersions(
      { parent: `${parent()}/secrets/A` },
      { ...(await options()), autoPaginate: false },
    );
    expect(versions.map((v) => v.name?.split("/").pop())).toEqual(["2", "1"]);
    await client.destroySecretVersion({ name: `${parent()}/secrets/A/versions/2` }, await options());
    expect(gcp.read()).toEqual(new Map());
    await client.deleteSecret({ name: `${parent()}/secrets/A` }, await options());
    expect((await grpcError(client.getSecret({ name: `${parent()}/secrets/A` }, await options()))).code).toBe(
      grpc.status.NOT_FOUND,
    );
  });
});
