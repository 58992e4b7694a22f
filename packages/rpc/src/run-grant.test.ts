import { generateKeyPairSync } from "node:crypto";
import { Metadata } from "@grpc/grpc-js";
import { isDomainError } from "@syncline/errors";
import { describe, expect, it } from "vitest";
import type { Principal } from "./principal.ts";
import { grantAllowsImport, grantCoversSource, requireWorkerGrant } from "./run-grant-check.ts";
import {
  createRunGrantSigner,
  createRunGrantVerifier,
  peekRunGrant,
  RUN_GRANT_METADATA,
  type RunGrant,
} from "./run-grant.ts";

/**
 * Run grants end to end in-process: signed by one key, verified with a list of public keys, bound
 * to the connector worker's service credential and to the sync's source and connection.
 */
const current = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519");
const signer = createRunGrantSigner(current.privateKey, { skewMs: 0 });
const verifier = createRunGrantVerifier([other.publicKey, current.publicKey]);

const grant: RunGrant = {
  runId: "run-1",
  leaseId: "lease-1",
  syncId: "sync-1",
  projectId: "project-1",
  environment: "prod",
  path: "/app",
  recursive: false,
  connectionId: "connection-1",
  action: "SYNC",
  importBehavior: "",
};
const inAMinute = () => new Date(Date.now() + 60_000);
const worker: Principal = { kind: "service", service: "connector-worker" };

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDomainError(error, "permission_denied"), String(error)).toBe(true);
  return (error as Error).message;
}

const callWith = (principal: Principal, token?: string) => {
  const metadata = new Metadata();
  if (token) metadata.set(RUN_GRANT_METADATA, token);
  return { principal, metadata };
};

describe("run grants", () => {
  it("can be read without a key by the worker they were handed to, which never trusts what it reads", async () => {
    const expiresAt = inAMinute();
    const token = await signer.sign({ ...grant, leaseId: "" }, expiresAt);
    expect(peekRunGrant(token)).toEqual({
      ...grant,
      leaseId: "",
      expiresAt: new Date(Math.ceil(expiresAt.getTime() / 1000) * 1000),
    });
    expect(peekRunGrant("not.a.grant")).toBeUndefined();
    expect(peekRunGrant(token.split(".").slice(0, 2).join(".").replace(/^./, "x"))).toBeUndefined();
  });

  it("verify with any listed public key, keyed by the signing key's fingerprint, and carry their claims", async () => {
    const token = await signer.sign(grant, inAMinute());
    const verified = await requireWorkerGrant(verifier, callWith(worker, token), "M");
    expect(verified).toMatchObject(grant);
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toEqual({
      alg: "EdDSA",
      kid: signer.keyId,
    });
  });

  it("are refused when missing, expired, signed by an untrusted key, tampered with or malformed — never echoed", async () => {
    const expired = await signer.sign(grant, new Date(Date.now() - 60_000));
    const untrusted = await createRunGrantSigner(generateKeyPairSync("ed25519").privateKey).sign(grant, inAMinute());
    const valid = await signer.sign(grant, inAMinute());
    const [header, , signature] = valid.split(".");
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(atob(valid.split(".")[1]!)), path: "/" })).toString(
      "base64url",
    );
    const tampered = `${header}.${widened}.${signature}`;
    expect(await refusal(verifier.verify(undefined))).toContain("no run grant");
    expect(await refusal(verifier.verify(expired))).toContain("expired");
    expect(await refusal(verifier.verify(untrusted))).toContain("does not trust");
    expect(await refusal(verifier.verify(tampered))).toContain("signature");
    expect(await refusal(verifier.verify("not-a-jws"))).toContain("malformed");
    for (const token of [expired, untrusted, tampered]) {
      expect(await refusal(verifier.verify(token))).not.toContain(token.split(".")[1]!);
    }
  });

  it("serve only the connector worker: another service or an identity presenting a valid grant is refused", async () => {
    const token = await signer.sign(grant, inAMinute());
    const orchestrator: Principal = { kind: "service", service: "sync-orchestrator" };
    const identity: Principal = {
      kind: "identity",
      identityId: "i-1",
      name: "ci",
      tokenId: "t-1",
      organizationAdmin: true,
      projectRoles: new Map(),
    };
    for (const principal of [orchestrator, identity, { kind: "anonymous" } as const]) {
      expect(await refusal(requireWorkerGrant(verifier, callWith(principal, token), "M"))).toContain(
        "connector workers only",
      );
    }
  });

  it("cover their own source only: the folder, and below it when recursive", async () => {
    const verified = await verifier.verify(await signer.sign(grant, inAMinute()));
    const source = { projectId: "project-1", environment: "prod", path: "/app", recursive: false };
    expect(grantCoversSource(verified, source)).toBe(true);
    expect(grantCoversSource(verified, { ...source, recursive: true })).toBe(false);
    expect(grantCoversSource(verified, { ...source, path: "/app/sub" })).toBe(false);
    expect(grantCoversSource(verified, { ...source, path: "/" })).toBe(false);
    expect(grantCoversSource(verified, { ...source, environment: "dev" })).toBe(false);
    expect(grantCoversSource(verified, { ...source, projectId: "project-2" })).toBe(false);
    const tree = await verifier.verify(await signer.sign({ ...grant, recursive: true }, inAMinute()));
    expect(grantCoversSource(tree, { ...source, path: "/app/sub", recursive: true })).toBe(true);
    expect(grantCoversSource(tree, { ...source, path: "/application" })).toBe(false);
    const root = await verifier.verify(await signer.sign({ ...grant, path: "/", recursive: true }, inAMinute()));
    expect(grantCoversSource(root, { ...source, path: "/anything" })).toBe(true);
  });

  it("let a run write into its source only for an import (or a first sync that imports)", async () => {
    const target = [{ environment: "prod", path: "/app" }];
    const of = async (extra: Partial<RunGrant>) =>
      verifier.verify(await signer.sign({ ...grant, ...extra }, inAMinute()));
    expect(grantAllowsImport(await of({}), "project-1", target)).toBe(false);
    expect(grantAllowsImport(await of({ action: "PLAN" }), "project-1", target)).toBe(false);
    expect(grantAllowsImport(await of({ action: "REMOVE" }), "project-1", target)).toBe(false);
    const importing = await of({ action: "IMPORT", importBehavior: "PRIORITIZE_SOURCE" });
    expect(grantAllowsImport(importing, "project-1", target)).toBe(true);
    expect(grantAllowsImport(importing, "project-2", target)).toBe(false);
    expect(grantAllowsImport(importing, "project-1", [...target, { environment: "prod", path: "/other" }])).toBe(false);
    const firstSync = await of({ action: "SYNC", importBehavior: "PRIORITIZE_DESTINATION" });
    expect(grantAllowsImport(firstSync, "project-1", target)).toBe(true);
  });
});
