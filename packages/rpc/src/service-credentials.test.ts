import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.ts";
import type { IdentityVerifier } from "./identity-verifier.ts";
import { ANONYMOUS, BOOTSTRAP } from "./principal.ts";
import { formatPeerServiceDigests, parsePeerServiceDigests, serviceTokenDigest } from "./service-credentials.ts";

const signal = new AbortController().signal;
const workerToken = "worker-token-0123456789abcdef0123456789";
const orchestratorToken = "orchestrator-token-0123456789abcdef012345";

describe("service credentials", () => {
  it("digest a token as the hex SHA-256 the peers list", () => {
    expect(serviceTokenDigest(workerToken)).toBe(createHash("sha256").update(workerToken).digest("hex"));
    expect(formatPeerServiceDigests({ "connector-worker": workerToken })).toBe(
      `connector-worker=${serviceTokenDigest(workerToken)}`,
    );
  });

  it("parse the peers' digests, and refuse unknown services, bad digests and duplicates without echoing a digest", () => {
    const digest = serviceTokenDigest(workerToken);
    const next = serviceTokenDigest(orchestratorToken);
    const peers = parsePeerServiceDigests(
      ` connector-worker = ${digest} , sync-orchestrator=${digest.toUpperCase()},connector-worker=${next}`,
    );
    expect([...peers.keys()]).toEqual(["connector-worker", "sync-orchestrator"]);
    expect(peers.get("connector-worker")?.map((d) => d.toString("hex"))).toEqual([digest, next]);
    expect(parsePeerServiceDigests(undefined).size).toBe(0);
    expect(parsePeerServiceDigests("").size).toBe(0);
    for (const [raw, message] of [
      [`admin=${digest}`, "entry 1: the service must be one of"],
      [`connector-worker=${digest.slice(1)}`, "connector-worker: the digest must be 64 hex characters"],
      [`connector-worker=${digest}=x`, "connector-worker: the digest must be 64 hex characters"],
      [`connector-worker=${digest},connector-worker=${digest}`, "connector-worker is listed twice with one digest"],
    ] as const) {
      let error: Error | undefined;
      try {
        parsePeerServiceDigests(raw);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error?.message).toContain(message);
      expect(error?.message).not.toContain(digest.slice(1, 20));
    }
  });
});

describe("createAuthenticator", () => {
  const identities: IdentityVerifier = {
    async verify(token) {
      if (token !== "slt_known") return undefined;
      const principal = {
        kind: "identity" as const,
        identityId: "id-1",
        name: "ci",
        tokenId: "t-1",
        organizationAdmin: false,
        projectRoles: new Map(),
      };
      return { principal, expiresAt: Number.MAX_SAFE_INTEGER };
    },
  };
  const authenticator = createAuthenticator({
    bootstrapToken: "bootstrap-token-0123456789abcdef0123",
    serviceCredentials: parsePeerServiceDigests(formatPeerServiceDigests({ "connector-worker": workerToken })),
    identities,
  });

  it("knows the bootstrap token, the listed peers and identity tokens, and nothing else", async () => {
    expect(await authenticator.authenticate("bootstrap-token-0123456789abcdef0123", signal)).toBe(BOOTSTRAP);
    expect(await authenticator.authenticate(workerToken, signal)).toEqual({
      kind: "service",
      service: "connector-worker",
    });
    expect(await authenticator.authenticate("slt_known", signal)).toMatchObject({
      kind: "identity",
      identityId: "id-1",
    });
    for (const token of [undefined, "", orchestratorToken, "slt_unknown", serviceTokenDigest(workerToken)]) {
      expect(await authenticator.authenticate(token, signal)).toBe(ANONYMOUS);
    }
  });

  it("accepts both tokens of a peer during a rotation", async () => {
    const rotating = createAuthenticator({
      serviceCredentials: parsePeerServiceDigests(
        `connector-worker=${serviceTokenDigest(workerToken)},connector-worker=${serviceTokenDigest(orchestratorToken)}`,
      ),
    });
    for (const token of [workerToken, orchestratorToken]) {
      expect(await rotating.authenticate(token, signal)).toEqual({ kind: "service", service: "connector-worker" });
    }
  });

  it("accepts no bootstrap token where none is configured", async () => {
    const without = createAuthenticator({ serviceCredentials: new Map() });
    expect(await without.authenticate("bootstrap-token-0123456789abcdef0123", signal)).toBe(ANONYMOUS);
    expect(await without.authenticate("slt_known", signal)).toBe(ANONYMOUS);
  });
});
