import { request as httpsRequest } from "node:https";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeKubernetes, type FakeKubernetes } from "./fake-kubernetes.ts";

let fake: FakeKubernetes;
beforeEach(async () => {
  fake = await startFakeKubernetes({
    tokens: { "sa-token": {}, "sa-reader": { verbs: ["get", "list"], user: "system:serviceaccount:apps:reader" } },
  });
});
afterEach(async () => {
  await fake.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes; the assertions check them
  readonly json: Record<string, any>;
}

/** One HTTPS request trusting only the fake's CA. */
function call(
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; contentType?: string; signal?: AbortSignal; ca?: string } = {},
): Promise<Answer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${fake.url}${path}`,
      {
        method,
        ca: options.ca ?? fake.caBundle,
        headers: {
          ...(options.token === null ? {} : { Authorization: `Bearer ${options.token ?? "sa-token"}` }),
          ...(body
            ? { "Content-Type": options.contentType ?? "application/json", "Content-Length": Buffer.byteLength(body) }
            : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            json: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"),
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const secret = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, ...extra },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

describe("fake Kubernetes API server: transport and auth", () => {
  it("serves TLS with a certificate that chains to its CA only", async () => {
    expect((await call("GET", "/version")).json.gitVersion).toMatch(/^v1\./);
    await expect(call("GET", "/version", { ca: "" })).rejects.toThrow();
  });

  it("answers 401 Unauthorized for an unknown token and 403 Forbidden in RBAC's words", async () => {
    const unknown = await call("GET", "/api/v1/namespaces/apps/secrets/x", { token: "nope" });
    expect(unknown).toMatchObject({ status: 401, json: { kind: "Status", reason: "Unauthorized", code: 401 } });
    const denied = await call("POST", "/api/v1/namespaces/apps/secrets", { token: "sa-reader", body: secret("x", {}) });
    expect(denied).toMatchObject({ status: 403, json: { reason: "Forbidden" } });
    expect(denied.json.message).toBe(
      'secrets is forbidden: User "system:serviceaccount:apps:reader" cannot create resource "secrets" in API group "" in the namespace "apps"',
    );
    expect((await call("GET", "/version", { token: null })).status).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/apps/secrets", { token: null })).status).toBe(403);
  });

  it("answers SelfSubjectAccessReviews from the token's grant", async () => {
    const review = (verb: string, token: string) =>
      call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        token,
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: { verb, resource: "secrets", namespace: "apps" } },
        },
      });
    expect((await review("update", "sa-token")).json.status.allowed).toBe(true);
    expect((await review("get", "sa-reader")).json.status.allowed).toBe(true);
    expect((await review("update", "sa-reader")).json).toMatchObject({ status: { allowed: false } });
  });
});

describe("fake Kubernetes API server: Secrets", () => {
  it("creates, reads, replaces with resourceVersion, and deletes with preconditions", async () => {
    const created = await call("POST", "/api/v1/namespaces/apps/secrets", { body: secret("api", { A: "1" }) });
    expect(created).toMatchObject({ status: 201, json: { kind: "Secret", type: "Opaque", data: { A: b64("1") } } });
    const version = created.json.metadata.resourceVersion as string;
    expect((await call("POST", "/api/v1/namespaces/apps/secrets", { body: secret("api", {}) })).json).toMatchObject({
      reason: "AlreadyExists",
      code: 409,
    });
    const replaced = await call("PUT", "/api/v1/namespaces/apps/secrets/api", {
      body: secret("api", { A: "2" }, { resourceVersion: version }),
    });
    expect(replaced.status).toBe(200);
    const stale = await call("PUT", "/api/v1/namespaces/apps/secrets/api", {
      body: secret("api", { A: "3" }, { resourceVersion: version }),
    });
    expect(stale).toMatchObject({ status: 409, json: { reason: "Conflict" } });
    expect(fake.read("apps", "api")).toEqual({ A: "2" });
    const staleDelete = await call("DELETE", "/api/v1/namespaces/apps/secrets/api", {
      body: { preconditions: { resourceVersion: version } },
    });
    expect(staleDelete).toMatchObject({ status: 409, json: { reason: "Conflict" } });
    const deleted = await call("DELETE", "/api/v1/namespaces/apps/secrets/api", {
      body: { preconditions: { resourceVersion: replaced.json.metadata.resourceVersion } },
    });
    expect(deleted).toMatchObject({ status: 200, json: { kind: "Status", status: "Success" } });
    expect(await call("GET", "/api/v1/namespaces/apps/secrets/api")).toMatchObject({
      status: 404,
      json: { reason: "NotFound", message: 'secrets "api" not found' },
    });
  });

  it("merges stringData into data and applies merge patches", async () => {
    await call("POST", "/api/v1/namespaces/apps/secrets", {
      body: { ...secret("api", { A: "1" }), stringData: { B: "two" } },
    });
    expect(fake.read("apps", "api")).toEqual({ A: "1", B: "two" });
    const patched = await call("PATCH", "/api/v1/namespaces/apps/secrets/api", {
      contentType: "application/merge-patch+json",
      body: { data: { A: null, C: b64("3") } },
    });
    expect(patched.status).toBe(200);
    expect(fake.read("apps", "api")).toEqual({ B: "two", C: "3" });
    const jsonPatch = await call("PATCH", "/api/v1/namespaces/apps/secrets/api", {
      contentType: "application/json-patch+json",
      body: [],
    });
    expect(jsonPatch.status).toBe(415);
  });

  it("refuses bad keys (422 Invalid with causes), bad base64 (400), a missing namespace (404) and more than 1 MiB (422)", async () => {
    const badKeys = await call("POST", "/api/v1/namespaces/apps/secrets", {
      body: secret("api", { "a b": "1", "c/d": "2" }),
    });
    expect(badKeys).toMatchObject({ status: 422, json: { reason: "Invalid" } });
    expect(badKeys.json.details.causes.map((c: { field: string }) => c.field)).toEqual(["data[a b]", "data[c/d]"]);
    const badBase64 = await call("POST", "/api/v1/namespaces/apps/secrets", {
      body: { metadata: { name: "api" }, data: { A: "not base64!" } },
    });
    expect(badBase64).toMatchObject({ status: 400, json: { reason: "BadRequest" } });
    expect(await call("POST", "/api/v1/namespaces/nope/secrets", { body: secret("api", {}) })).toMatchObject({
      status: 404,
      json: { message: 'namespaces "nope" not found' },
    });
    const big = "x".repeat(600_000);
    const tooLarge = await call("POST", "/api/v1/namespaces/apps/secrets", { body: secret("api", { A: big, B: big }) });
    expect(tooLarge).toMatchObject({ status: 422, json: { reason: "Invalid" } });
    expect(tooLarge.json.message).toContain("Too long: may not be more than 1048576 bytes");
    expect(fake.read("apps", "api")).toBeUndefined();
  });

  it("pages lists with limit and continue, and filters by label", async () => {
    for (const name of ["a", "b", "c"])
      fake.seed("apps", name, { K: name }, { labels: { team: name === "b" ? "x" : "y" } });
    const first = await call("GET", "/api/v1/namespaces/apps/secrets?limit=2");
    expect(first.json.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(["a", "b"]);
    expect(first.json.metadata.remainingItemCount).toBe(1);
    const next = await call("GET", `/api/v1/namespaces/apps/secrets?limit=2&continue=${first.json.metadata.continue}`);
    expect(next.json.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(["c"]);
    expect(next.json.metadata.continue).toBeUndefined();
    const labelled = await call("GET", "/api/v1/namespaces/apps/secrets?labelSelector=team%3Dx");
    expect(labelled.json.items).toHaveLength(1);
  });
});

describe("fake Kubernetes API server: faults", () => {
  it("throttles with 429 TooManyRequests and Retry-After, fails N, and fails after K", async () => {
    fake.faults.rateLimitNext(1, 4);
    const throttled = await call("GET", "/version");
    expect(throttled).toMatchObject({
      status: 429,
      json: { reason: "TooManyRequests", details: { retryAfterSeconds: 4 } },
    });
    expect(throttled.headers["retry-after"]).toBe("4");
    fake.faults.failNext(1, 503);
    expect((await call("GET", "/version")).json.reason).toBe("ServiceUnavailable");
    fake.faults.failAfter(1);
    expect((await call("GET", "/version")).status).toBe(200);
    expect((await call("GET", "/version")).status).toBe(500);
  });

  it("injects conflicts that bump the resourceVersion, as another writer would", async () => {
    const version = fake.seed("apps", "api", { A: "1" });
    fake.faults.conflictNext(1);
    const put = await call("PUT", "/api/v1/namespaces/apps/secrets/api", {
      body: secret("api", { A: "2" }, { resourceVersion: version }),
    });
    expect(put.status).toBe(409);
    expect(fake.object("apps", "api")?.metadata.resourceVersion).not.toBe(version);
  });

  it("drops a write whose client went away during the latency", async () => {
    fake.faults.setLatency(1_000);
    const controller = new AbortController();
    const pending = call("POST", "/api/v1/namespaces/apps/secrets", {
      body: secret("api", { A: "1" }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(fake.read("apps", "api")).toBeUndefined();
    expect(fake.requests.map((r) => r.status)).toEqual([0]);
  });

  it("leaves a hung request unanswered until the client gives up", async () => {
    fake.faults.hangNext(1);
    const controller = new AbortController();
    const pending = call("GET", "/version", { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(pending).rejects.toThrow();
    expect((await call("GET", "/version")).status).toBe(200);
  });
});
