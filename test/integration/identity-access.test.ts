import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { IdentityVerificationService } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { Code } from "@syncline/rpc";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createIdentity } from "../support/identities.ts";
import { rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * Who may call what, by credential: the bootstrap token only bootstraps; service tokens reach only
 * their internal APIs, and only the peers a server lists; an identity manages its own tokens.
 */
const system = useSystem({ name: "identity_access_it", services: ["orchestrator"] }, { timeoutMs: 300_000 });
const DAY = durationFromMs(24 * 60 * 60 * 1000);
const code = async (call: Promise<unknown>) => (await rpcFailure(call)).code;

describe("the bootstrap token", () => {
  it("creates identities and their tokens and lists identities, and nothing else", async () => {
    const bootstrap = system.client(IdentityService, system.bootstrapToken);
    const { identity } = await bootstrap.createIdentity({ name: `boot-${randomUUID()}`, organizationAdmin: true });
    const { value } = await bootstrap.createIdentityToken({ identityId: identity!.id, name: "first", ttl: DAY });
    expect((await system.client(SecretsService, value).listProjects({})).projects).toBeDefined();
    expect((await bootstrap.listIdentities({})).identities.map((i) => i.id)).toContain(identity!.id);

    const secrets = system.client(SecretsService, system.bootstrapToken);
    const projectId = randomUUID();
    expect(await code(secrets.listProjects({}))).toBe(Code.PERMISSION_DENIED);
    expect(await code(secrets.createProject({ name: "by-bootstrap" }))).toBe(Code.PERMISSION_DENIED);
    expect(await code(secrets.getSecret({ projectId, environment: "dev", path: "/", key: "K" }))).toBe(
      Code.PERMISSION_DENIED,
    );
    expect(await code(bootstrap.deleteIdentity({ identityId: identity!.id }))).toBe(Code.PERMISSION_DENIED);
    expect(await code(bootstrap.getCallerIdentity({}))).toBe(Code.PERMISSION_DENIED);
    // Only the secrets service knows it: elsewhere it is no credential at all.
    expect(await code(system.client(ConnectionsService, system.bootstrapToken).listApps({}))).toBe(
      Code.UNAUTHENTICATED,
    );
  });
});

describe("service tokens", () => {
  it("of the worker are refused on every public API", async () => {
    const worker = system.serviceTokens["connector-worker"];
    expect(await code(system.client(SecretsService, worker).listProjects({}))).toBe(Code.PERMISSION_DENIED);
    expect(await code(system.client(SecretsService, worker).createProject({ name: "by-worker" }))).toBe(
      Code.PERMISSION_DENIED,
    );
    expect(await code(system.client(IdentityService, worker).listIdentities({}))).toBe(Code.PERMISSION_DENIED);
    expect(await code(system.client(ConnectionsService, worker).listAppConnections({ projectId: randomUUID() }))).toBe(
      Code.PERMISSION_DENIED,
    );
    expect(await code(system.client(SecretSyncsService, worker).listDestinations({}))).toBe(Code.PERMISSION_DENIED);
    expect(await code(system.client(IdentityVerificationService, worker).verifyIdentityToken({ token: "x" }))).toBe(
      Code.PERMISSION_DENIED,
    );
  });

  it("reach only the internal APIs of their own service, and a server refuses a peer it does not list", async () => {
    const { connections, "sync-orchestrator": orchestrator, secrets } = system.serviceTokens;
    const snapshot = { projectId: randomUUID(), environment: "dev", path: "/" };
    // The orchestrator is a known peer of secrets and connections, but not for snapshots or credentials.
    expect(await code(system.client(SourceSnapshotService, orchestrator).getSourceSnapshot(snapshot))).toBe(
      Code.PERMISSION_DENIED,
    );
    expect(
      await code(system.client(CredentialsService, orchestrator).resolveCredentials({ connectionId: randomUUID() })),
    ).toBe(Code.PERMISSION_DENIED);
    // Connections verifies tokens with secrets; secrets lists it, connections does not list itself.
    const verified = await system.client(IdentityVerificationService, connections).verifyIdentityToken({
      token: system.adminToken,
    });
    expect(verified.identity?.identityId).toBe(system.adminIdentityId);
    expect(
      (await system.client(IdentityVerificationService, connections).verifyIdentityToken({ token: "slt_x" })).identity,
    ).toBeUndefined();
    expect(
      await code(system.client(CredentialsService, connections).resolveCredentials({ connectionId: randomUUID() })),
    ).toBe(Code.UNAUTHENTICATED);
    // No server lists the secrets service (it calls no one): its token is no credential anywhere.
    expect(await code(system.client(SecretSyncsService, secrets).listDestinations({}))).toBe(Code.UNAUTHENTICATED);
    expect(await code(system.client(SourceSnapshotService, secrets).getSourceSnapshot(snapshot))).toBe(
      Code.UNAUTHENTICATED,
    );
  });
});

describe("an identity that is no organisation admin", () => {
  it("manages its own tokens, not another's, and no identities", async () => {
    const me = await createIdentity(system, { name: `self-${randomUUID()}` });
    const other = await createIdentity(system, { name: `other-${randomUUID()}` });
    const mine = system.client(IdentityService, me.token);
    const { value: rotated, token } = await mine.createIdentityToken({
      identityId: me.identityId,
      name: "next",
      ttl: DAY,
    });
    expect((await system.client(IdentityService, rotated).getCallerIdentity({})).identity?.id).toBe(me.identityId);
    expect((await mine.listIdentityTokens({ identityId: me.identityId })).tokens.map((t) => t.name)).toEqual([
      "test",
      "next",
    ]);
    expect(
      (await mine.revokeIdentityToken({ identityId: me.identityId, tokenId: token!.id })).token?.revokeTime,
    ).toBeDefined();
    expect(await code(mine.createIdentityToken({ identityId: other.identityId, name: "steal", ttl: DAY }))).toBe(
      Code.PERMISSION_DENIED,
    );
    expect(await code(mine.listIdentityTokens({ identityId: other.identityId }))).toBe(Code.PERMISSION_DENIED);
    expect(await code(mine.listIdentities({}))).toBe(Code.PERMISSION_DENIED);
    expect(await code(mine.createIdentity({ name: `mine-${randomUUID()}` }))).toBe(Code.PERMISSION_DENIED);
    expect(await code(system.client(SecretsService, me.token).createProject({ name: "not-mine" }))).toBe(
      Code.PERMISSION_DENIED,
    );
  });
});
