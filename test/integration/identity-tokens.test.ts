import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { Code, type RpcError } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { createIdentity } from "../support/identities.ts";
import { expectInvalid, rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * Identity tokens against the real secrets process (its own store) and connections and the
 * orchestrator (the remote verifier): several tokens per identity, revocation within the token
 * cache TTL, expiry, a value shown once, deletion, audit, and INVALID_ARGUMENT naming the field.
 */
const CACHE_TTL_MS = 300;
const system = useSystem(
  {
    name: "identity_tokens_it",
    services: ["orchestrator"],
    env: { SYNCLINE_TOKEN_CACHE_TTL_MS: String(CACHE_TTL_MS) },
  },
  { timeoutMs: 300_000 },
);
const DAY_MS = 24 * 60 * 60 * 1000;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

const admin = () => system.client(IdentityService, system.adminToken);
/** One call on each of the three services' public APIs with `token`: what it answered (OK or the code). */
async function codesWith(token: string): Promise<Code[]> {
  const calls = [
    system.client(SecretsService, token).listProjects({}),
    system.client(ConnectionsService, token).listApps({}),
    system.client(SecretSyncsService, token).listDestinations({}),
  ];
  return Promise.all(
    calls.map((call) =>
      call.then(
        () => Code.OK,
        (error: RpcError) => error.code,
      ),
    ),
  );
}
const everywhere = (code: Code) => [code, code, code];

async function newToken(identityId: string, name: string, ttlMs = DAY_MS) {
  return admin().createIdentityToken({ identityId, name, ttl: durationFromMs(ttlMs) });
}

describe("identity tokens", () => {
  it("work side by side; revoking one refuses it on every service within the cache TTL while the other works", async () => {
    const { identityId, token: first } = await createIdentity(system, { name: unique("ci"), organizationAdmin: true });
    const { value: second } = await newToken(identityId, "rotation");
    expect(await codesWith(first)).toEqual(everywhere(Code.OK));
    expect(await codesWith(second)).toEqual(everywhere(Code.OK));

    const firstId = first.split("_")[1]!;
    const { token: revoked } = await admin().revokeIdentityToken({ identityId, tokenId: firstId });
    expect(revoked?.revokeTime).toBeDefined();
    await eventually(async () => {
      const codes = await codesWith(first);
      return codes.every((code) => code === Code.UNAUTHENTICATED) ? codes : undefined;
    });
    expect(await codesWith(second)).toEqual(everywhere(Code.OK));
  });

  it("refuses an expired token", async () => {
    const { identityId } = await createIdentity(system, { name: unique("short"), organizationAdmin: true });
    const { value, token } = await newToken(identityId, "one-millisecond", 1);
    expect(token!.expireTime).toBeDefined();
    expect(await codesWith(value)).toEqual(everywhere(Code.UNAUTHENTICATED));
  });

  it("shows a token's value once: lists carry its id, name, prefix and times, never the value", async () => {
    const { identityId, token } = await createIdentity(system, { name: unique("listed"), organizationAdmin: true });
    const secretPart = token.slice("slt_".length + 25);
    await codesWith(token); // a use, so last_use_time is written
    const listed = await eventually(async () => {
      const page = await admin().listIdentityTokens({ identityId });
      return page.tokens[0]?.lastUseTime ? page : undefined;
    });
    expect(listed.tokens.map((t) => [t.name, t.prefix])).toEqual([["test", token.slice(0, 28)]]);
    expect(JSON.stringify(listed, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(secretPart);
  });

  it("deleting an identity revokes its tokens; the audit log names who did what, never a token", async () => {
    const { identityId, token } = await createIdentity(system, { name: unique("gone"), organizationAdmin: true });
    await admin().deleteIdentity({ identityId });
    await eventually(async () => ((await codesWith(token))[0] === Code.UNAUTHENTICATED ? true : undefined));
    expect((await rpcFailure(admin().getIdentity({ identityId }))).code).toBe(Code.NOT_FOUND);
    const { events } = await system.secrets.listAuditEvents({ actionPrefix: "identity", pageSize: 1000 });
    const mine = events.filter((e) => e.target === `identity:${identityId}` || e.details.identity === identityId);
    expect(mine.map((e) => [e.action, e.actor])).toEqual([
      ["identity.delete", `identity:${system.adminIdentityId}`],
      ["identity_token.create", `identity:${system.adminIdentityId}`],
      ["identity.create", `identity:${system.adminIdentityId}`],
    ]);
    expect(JSON.stringify(events, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      token.slice("slt_".length + 25),
    );
  });

  it("answers GetCallerIdentity with the caller, its token and its memberships", async () => {
    const { project } = await system.secrets.createProject({ name: unique("p") });
    const me = await createIdentity(system, { name: unique("me"), projectRoles: { [project!.id]: "developer" } });
    const answer = await system.client(IdentityService, me.token).getCallerIdentity({});
    expect(answer.identity?.id).toBe(me.identityId);
    expect(answer.tokenId).toBe(me.token.split("_")[1]);
    expect(answer.memberships.map((m) => [m.projectId, m.role])).toEqual([[project!.id, 2]]);
  });
});

describe("bad input", () => {
  it("is refused as INVALID_ARGUMENT naming the field, and nothing is created", async () => {
    const before = (await admin().listIdentities({ pageSize: 1000 })).identities.length;
    await expectInvalid(admin().createIdentity({ name: "" }), ["name"]);
    await expectInvalid(admin().createIdentity({ name: "-bad name" }), ["name"]);
    const { identityId } = await createIdentity(system, { name: unique("input") });
    await expectInvalid(admin().createIdentityToken({ identityId, name: "t" }), ["ttl"]);
    await expectInvalid(admin().createIdentityToken({ identityId, name: "t", ttl: durationFromMs(0) }), ["ttl"]);
    await expectInvalid(admin().createIdentityToken({ identityId, name: "t", ttl: durationFromMs(367 * DAY_MS) }), [
      "ttl",
    ]);
    await expectInvalid(admin().createIdentityToken({ identityId, ttl: durationFromMs(DAY_MS) }), ["name"]);
    await expectInvalid(admin().revokeIdentityToken({ identityId: "nope", tokenId: "" }), ["identity_id", "token_id"]);
    expect((await admin().listIdentityTokens({ identityId })).tokens).toHaveLength(1);
    expect((await admin().listIdentities({ pageSize: 1000 })).identities.length).toBe(before + 1);
    expect((await rpcFailure(admin().createIdentity({ name: "test-admin" }))).code).toBe(Code.ALREADY_EXISTS);
  });
});
