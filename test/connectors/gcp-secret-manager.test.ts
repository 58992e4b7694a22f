import { GcpOlderVersions } from "@syncline/gen/syncline/syncs/v1/gcp_secret_manager_destination_pb.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  gcpApp,
  gcpSecretManagerDestination,
  gcpSecretManagerLimits,
  GCP_SYNC_LABEL,
} from "../../packages/connectors/gcp-secret-manager/index.ts";
import { GcpSecretReplication } from "@syncline/gen/syncline/syncs/v1/gcp_secret_manager_destination_pb.js";
import { startFakeGcp, type FakeGcp } from "../fakes/gcp/fake-gcp.ts";
import {
  describeDestinationConformance,
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  unreachableUrl,
} from "./conformance.ts";
import { gcpConnector, gcpCredentials } from "./gcp-fixtures.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

describeDestinationConformance(
  "GCP Secret Manager",
  async () => {
    const gcp = await startFakeGcp();
    const stranger = await startFakeGcp();
    // A key the fake never issued: same shape, a key pair it cannot verify.
    const badKey = JSON.stringify({
      ...JSON.parse(stranger.keyJson),
      client_email: JSON.parse(gcp.keyJson).client_email,
      token_uri: gcp.tokenUri,
    });
    await stranger.close();
    const connect = (options: { calls?: never; signal?: AbortSignal } | Record<string, unknown> = {}) =>
      gcpConnector({ apiEndpoint: gcp.apiEndpoint, keyJson: gcp.keyJson, project: gcp.project, ...options });
    return {
      connector: connect(),
      connectorWithBadCredentials: gcpConnector({
        apiEndpoint: gcp.apiEndpoint,
        keyJson: badKey,
        project: gcp.project,
      }),
      unreachableConnector: gcpConnector({
        apiEndpoint: await unreachableUrl(),
        keyJson: gcp.keyJson,
        project: gcp.project,
      }),
      credentialTexts: [JSON.parse(gcp.keyJson).private_key, JSON.parse(badKey).private_key],
      async seed(entries) {
        gcp.seed(entries);
      },
      inspect: async () => gcp.read(),
      failNext: (count, status) => gcp.faults.failNext(count, status),
      rateLimitNext: (count, seconds) => gcp.faults.rateLimitNext(count, seconds),
      connect: ({ calls, signal }) => connect({ ...(calls && { calls }), ...(signal && { signal }) }),
      setLatency: (ms) => gcp.faults.setLatency(ms),
      hangNext: (count) => gcp.faults.hangNext(count),
      // A new key is two write calls: CreateSecret, then AddSecretVersion.
      failAfterWrites: (writes) => gcp.faults.failAfterWrites(writes * 2),
      writeCount: () => gcp.writeCount(),
      close: () => gcp.close(),
    };
  },
  gcpSecretManagerDestination.capabilities,
  { limits: gcpSecretManagerLimits, capacity: gcpSecretManagerLimits.maxSecrets },
);

describe("GCP Secret Manager connector", () => {
  let gcp: FakeGcp;
  const owner = { syncId: "0b6f4a1e-sync-a", projectId: "proj-1" };
  const other = { syncId: "0b6f4a1e-sync-b", projectId: "proj-1" };
  beforeEach(async () => {
    gcp = await startFakeGcp();
  });
  afterEach(async () => {
    await gcp.close();
  });
  const connect = (extra: Record<string, unknown> = {}) =>
    gcpConnector({ apiEndpoint: gcp.apiEndpoint, keyJson: gcp.keyJson, project: gcp.project, ...extra });

  it("labels what it creates with its owner, and never reads, updates or deletes another sync's secrets", async () => {
    const mine = connect({ owner, config: { labels: { team: "payments" } } });
    const theirs = connect({ owner: other });
    await theirs.apply(diffOf({ create: { THEIRS: "t" } }));
    gcp.seed({ NOBODY: "n" });
    expect(await mine.apply(diffOf({ create: { MINE: "m" } }))).toEqual({
      created: ["MINE"],
      updated: [],
      deleted: [],
    });
    expect(gcp.secret("MINE")?.labels).toEqual({
      team: "payments",
      "managed-by": "syncline",
      [GCP_SYNC_LABEL]: "0b6f4a1e-sync-a",
      "syncline-project": "proj-1",
    });
    expect(await mine.list()).toEqual(
      new Map([
        ["MINE", "m"],
        ["NOBODY", "n"],
      ]),
    );
    await expectConnectorError(mine.apply(diffOf({ update: { THEIRS: "x" } })), "invalid_config");
    expect(await mine.remove(["THEIRS", "NOBODY", "MINE"])).toEqual({ created: [], updated: [], deleted: ["MINE"] });
    expect(gcp.read()).toEqual(
      new Map([
        ["THEIRS", "t"],
        ["NOBODY", "n"],
      ]),
    );
  });

  it("claims an unlabelled secret it updates, so a later removal may delete it", async () => {
    gcp.seed({ ADOPTED: "old" });
    const mine = connect({ owner });
    expect(await mine.apply(diffOf({ update: { ADOPTED: "new" } }))).toEqual({
      created: [],
      updated: ["ADOPTED"],
      deleted: [],
    });
    expect(gcp.secret("ADOPTED")?.labels[GCP_SYNC_LABEL]).toBe("0b6f4a1e-sync-a");
    expect(await mine.remove(["ADOPTED"])).toEqual({ created: [], updated: [], deleted: ["ADOPTED"] });
  });

  for (const [setting, state] of [
    [GcpOlderVersions.DISABLE, "DISABLED"],
    [GcpOlderVersions.DESTROY, "DESTROYED"],
    [GcpOlderVersions.KEEP, "ENABLED"],
  ] as const) {
    it(`leaves older versions ${state} after an update`, async () => {
      const connector = connect({ config: { olderVersions: setting } });
      await connector.apply(diffOf({ create: { A: "1" } }));
      await connector.apply(diffOf({ update: { A: "2" } }));
      await connector.apply(diffOf({ update: { A: "3" } }));
      expect(gcp.secret("A")?.versions.map((v) => v.state)).toEqual([state, state, "ENABLED"]);
      expect(await connector.list()).toEqual(new Map([["A", "3"]]));
    });
  }

  it("creates secrets with user-managed replication in the configured locations", async () => {
    const connector = connect({
      config: { replication: GcpSecretReplication.USER_MANAGED, locations: ["europe-west1", "us-east1"] },
    });
    await connector.apply(diffOf({ create: { A: "1" } }));
    expect(gcp.secret("A")?.replication).toEqual({
      userManaged: { replicas: [{ location: "europe-west1" }, { location: "us-east1" }] },
    });
  });

  it("treats a create of an existing secret as a new version, and an update of a missing one as a create", async () => {
    gcp.seed({ A: "old" });
    const connector = connect();
    expect(await connector.apply(diffOf({ create: { A: "new" }, update: { B: "b" } }))).toEqual({
      created: ["B"],
      updated: ["A"],
      deleted: [],
    });
    expect(gcp.read()).toEqual(
      new Map([
        ["A", "new"],
        ["B", "b"],
      ]),
    );
  });

  it("skips secrets whose latest version is disabled when listing", async () => {
    gcp.seed({ A: "1", B: "2" });
    gcp.secret("B")!.versions.at(-1)!.state = "DISABLED";
    expect(await connect().list()).toEqual(new Map([["A", "1"]]));
  });

  it("pages through more secrets than one ListSecrets page", async () => {
    const entries = Object.fromEntries(Array.from({ length: 260 }, (_, i) => [`K${i}`, `v${i}`]));
    gcp.seed(entries);
    expect((await connect().list()).size).toBe(260);
    expect(gcp.calls.filter((c) => c.method === "ListSecrets")).toHaveLength(2);
  });

  it("caches the access token, and fetches a new one once when Google refuses it", async () => {
    const connector = connect();
    await connector.apply(diffOf({ create: { A: "1", B: "2" } }));
    expect(gcp.tokenExchanges).toBe(1);
    gcp.revokeTokens();
    expect(await connector.list()).toEqual(
      new Map([
        ["A", "1"],
        ["B", "2"],
      ]),
    );
    expect(gcp.tokenExchanges).toBe(2);
  });

  it("answers PERMISSION_DENIED as auth naming the role, for a project the account may not use", async () => {
    const keyJson = gcp.createServiceAccount("narrow", ["other-project"]);
    const error = await expectConnectorError(
      gcpConnector({ apiEndpoint: gcp.apiEndpoint, keyJson, project: gcp.project }).validate(),
      "auth",
    );
    expect(error.message).toContain("roles/secretmanager");
    expectNoSecrets(error, [JSON.parse(keyJson).private_key]);
  });

  it("refuses a deleted key as auth, without echoing it", async () => {
    const keyJson = gcp.createServiceAccount("gone");
    gcp.deleteServiceAccount(JSON.parse(keyJson).client_email);
    const error = await expectConnectorError(
      gcpConnector({ apiEndpoint: gcp.apiEndpoint, keyJson, project: gcp.project }).list(),
      "auth",
    );
    expect(error.message).toContain("invalid_grant");
    expectNoSecrets(error, [JSON.parse(keyJson).private_key]);
  });

  it("refuses an internal endpoint before any call unless allowlisted", async () => {
    const connector = gcpSecretManagerDestination.create({
      config: gcpSecretManagerDestination.parseConfig(
        (await import("./gcp-fixtures.ts")).gcpSecretManagerConfig(gcp.project),
      ),
      credentials: gcpSecretManagerDestination.parseCredentials(
        gcpCredentials({ apiEndpoint: gcp.apiEndpoint, keyJson: gcp.keyJson }),
      ),
      endpointGuard: (await import("../../packages/connectors/contract/index.ts")).createEndpointGuard({
        allowlist: [],
      }),
    });
    await expectConnectorError(connector.list(), "invalid_config");
    expect(gcp.calls).toHaveLength(0);
    expect(gcp.tokenExchanges).toBe(0);
  });

  it("validates live: the token and the key's project", async () => {
    await gcpApp.validateLive(
      gcpCredentials({ apiEndpoint: gcp.apiEndpoint, keyJson: gcp.keyJson }),
      undefined,
      fakesEndpointGuard,
    );
    const narrow = gcp.createServiceAccount("narrow2", ["other-project"]);
    await expectConnectorError(
      gcpApp.validateLive(
        gcpCredentials({ apiEndpoint: gcp.apiEndpoint, keyJson: narrow }),
        undefined,
        fakesEndpointGuard,
      ),
      "auth",
    );
  });
});
