import { randomBytes, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { fromBinary } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { streams, type NatsConnection } from "@syncline/bus";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import {
  ConnectionChangeEventSchema,
  ConnectionChangeKind,
  type ConnectionChangeEvent,
} from "@syncline/gen/syncline/events/v1/connection_events_pb.js";
import { Code, type RpcError, type RpcClient } from "@syncline/rpc";
import type { FakeVault } from "../fakes/vault/fake-vault.ts";
import { eventually } from "../support/eventually.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * Updating a connection: renames and new credentials are validated like creation, new credentials
 * publish exactly one CREDENTIALS_UPDATED event (through the outbox) so the connection's syncs run
 * again, deletion publishes DELETED, and no event ever carries credentials.
 */
const projectId = randomUUID();
const tokens = [`vault-a-${randomBytes(8).toString("hex")}`, `vault-b-${randomBytes(8).toString("hex")}`];
const system = useSystem({
  name: "connections_update",
  connectionsServer: { endpointAllowlist: ["127.0.0.0/8"] },
  vault: { tokens },
  bus: true,
});
let nc: NatsConnection;
let vault: FakeVault;
let client: RpcClient<typeof ConnectionsService>;

beforeAll(async () => {
  ({ bus: nc, vault, connections: client } = system);
}, 60_000);

const vaultCredentials = (token: string) => ({
  app: {
    case: "vault" as const,
    value: { instanceUrl: vault.url, method: { case: "token" as const, value: { token } } },
  },
});

async function events(): Promise<{ event: ConnectionChangeEvent; raw: Buffer }[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(streams.connectionEvents.name).catch(() => undefined);
  const out: { event: ConnectionChangeEvent; raw: Buffer }[] = [];
  if (!info || info.state.messages === 0) return out;
  for (let seq = Math.max(1, info.state.first_seq); seq <= info.state.last_seq; seq++) {
    const message = await jsm.streams.getMessage(streams.connectionEvents.name, { seq });
    if (message)
      out.push({ event: fromBinary(ConnectionChangeEventSchema, message.data), raw: Buffer.from(message.data) });
  }
  return out;
}

describe("UpdateAppConnection", () => {
  it("re-keys a connection, validates the new credentials live and publishes one CREDENTIALS_UPDATED event", async () => {
    const { connection } = await client.createAppConnection({
      projectId,
      name: "vault",
      credentials: vaultCredentials(tokens[0]!),
    });
    const renamed = await client.updateAppConnection({
      connectionId: connection!.id,
      name: "vault-main",
      description: "primary",
    });
    expect(renamed.connection?.name).toBe("vault-main");
    expect(renamed.connection?.credentialsFingerprint).toBe(connection!.credentialsFingerprint);

    const refused = await client
      .updateAppConnection({ connectionId: connection!.id, credentials: vaultCredentials("wrong-token") })
      .catch((e: unknown) => e as RpcError);
    expect((refused as RpcError).code).toBe(Code.FAILED_PRECONDITION);

    const rekeyed = await client.updateAppConnection({
      connectionId: connection!.id,
      credentials: vaultCredentials(tokens[1]!),
    });
    expect(rekeyed.connection?.credentialsFingerprint).not.toBe(connection!.credentialsFingerprint);
    const published = await eventually(async () => {
      const all = await events();
      return all.length >= 1 ? all : undefined;
    });
    expect(published).toHaveLength(1);
    expect(published[0]!.event).toMatchObject({
      projectId,
      connectionId: connection!.id,
      kind: ConnectionChangeKind.CREDENTIALS_UPDATED,
      credentialsFingerprint: rekeyed.connection!.credentialsFingerprint,
    });
    expect(published[0]!.event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    for (const token of tokens) expect(published[0]!.raw.includes(token)).toBe(false);
  });

  it("answers bad input with the fields at fault and changes nothing", async () => {
    const { connection } = await client.createAppConnection({
      projectId,
      name: "stable",
      credentials: vaultCredentials(tokens[0]!),
    });
    const cases: [Parameters<typeof client.updateAppConnection>[0], string[]][] = [
      [{ connectionId: "nope", name: "x" }, ["connection_id"]],
      [{ connectionId: connection!.id }, ["name"]],
      [{ connectionId: connection!.id, name: "Bad Name" }, ["name"]],
      [
        {
          connectionId: connection!.id,
          credentials: {
            app: { case: "vault", value: { instanceUrl: "ftp://x", method: { case: "token", value: { token: "" } } } },
          },
        },
        ["credentials.vault.instance_url", "credentials.vault.token.token"],
      ],
    ];
    for (const [request, fields] of cases) {
      const error = (await client.updateAppConnection(request).catch((e: unknown) => e)) as RpcError;
      expect(error.code, JSON.stringify(fields)).toBe(Code.INVALID_ARGUMENT);
      expect(error.violations.map((v) => v.field).sort()).toEqual([...fields].sort());
    }
    const missing = (await client
      .updateAppConnection({ connectionId: randomUUID(), name: "x" })
      .catch((e: unknown) => e)) as RpcError;
    expect(missing.code).toBe(Code.NOT_FOUND);
    const taken = (await client
      .updateAppConnection({ connectionId: connection!.id, name: "vault-main" })
      .catch((e: unknown) => e)) as RpcError;
    expect(taken.code).toBe(Code.ALREADY_EXISTS);
    const { connection: after } = await client.getAppConnection({ connectionId: connection!.id });
    expect(after).toMatchObject({ name: "stable", credentialsFingerprint: connection!.credentialsFingerprint });
  });

  it("publishes DELETED when a connection is deleted", async () => {
    const { connection } = await client.createAppConnection({
      projectId,
      name: "short-lived",
      credentials: vaultCredentials(tokens[0]!),
      skipValidation: true,
    });
    await client.deleteAppConnection({ connectionId: connection!.id });
    const deleted = await eventually(
      async () => (await events()).find((e) => e.event.connectionId === connection!.id)?.event,
    );
    expect(deleted.kind).toBe(ConnectionChangeKind.DELETED);
  });
});
