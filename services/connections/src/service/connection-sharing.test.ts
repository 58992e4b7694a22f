import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { appDescriptor } from "@syncline/connectors";
import type { DatabaseHandle } from "@syncline/db";
import { isDomainError } from "@syncline/errors";
import {
  ConnectionChangeEventSchema,
  ConnectionChangeKind,
} from "@syncline/gen/syncline/events/v1/connection_events_pb.js";
import { openTestDatabase } from "@syncline/test/support/test-databases.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertConnection } from "../store/connection-store.ts";
import { connectionShares, outbox } from "../store/schema.ts";
import { createConnectionProjects } from "./connection-projects.ts";
import { createConnectionService, type ConnectionService } from "./connection-service.ts";
import { createConnectionSharing, type ConnectionSharing } from "./connection-sharing.ts";
import { createCredentialSealer } from "./credential-sealer.ts";

let handle: DatabaseHandle;
let connections: ConnectionService;
let sharing: ConnectionSharing;
const silent = { info: () => {}, warn: () => {} };

beforeAll(async () => {
  handle = await openTestDatabase(
    "connections_sharing",
    fileURLToPath(new URL("../store/migrations", import.meta.url)),
  );
  connections = createConnectionService({
    db: handle.db,
    sealer: createCredentialSealer({ current: randomBytes(32), previous: [] }, randomBytes(32)),
    describeApp: appDescriptor,
    logger: silent,
  });
  sharing = createConnectionSharing({ db: handle.db, logger: silent, get: (id) => connections.get(id) });
});

afterAll(async () => {
  await handle?.close();
});

/** Stores a connection of `projectId` named `name` (credentials are not what sharing is about). */
async function storeConnection(projectId: string, name: string): Promise<string> {
  const id = randomUUID();
  await insertConnection(handle.db, {
    id,
    projectId,
    name,
    app: 1,
    method: 1,
    sealedCredentials: Buffer.from("sealed"),
    redacted: {},
    fingerprint: "fp",
  });
  return id;
}

const unsharedEvents = async (connectionId: string) =>
  (await handle.db.select().from(outbox))
    .map((row) => fromBinary(ConnectionChangeEventSchema, row.payload))
    .filter((event) => event.connectionId === connectionId && event.kind === ConnectionChangeKind.UNSHARED);

const sorted = (ids: readonly string[]) => [...ids].sort();

describe("shared connections", () => {
  it("an owner sees every share; a project it is shared with sees it naming only itself; others see nothing", async () => {
    const [owner, b, c, stranger] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const id = await storeConnection(owner, "vault");

    const updated = await sharing.update(id, [b, c], "identity:test");
    expect(sorted(updated.sharedProjectIds)).toEqual(sorted([b, c]));
    expect(sorted((await connections.get(id)).sharedProjectIds)).toEqual(sorted([b, c]));
    expect((await connections.get(id, b)).sharedProjectIds).toEqual([b]);
    expect((await connections.get(id, b)).projectId).toBe(owner);
    await expect(connections.get(id, stranger)).rejects.toSatisfy((error) => isDomainError(error, "not_found"));

    expect((await connections.list(b, { after: undefined, limit: 10 })).map((v) => [v.id, v.sharedProjectIds])).toEqual(
      [[id, [b]]],
    );
    expect(await connections.list(stranger, { after: undefined, limit: 10 })).toEqual([]);
    const own = await connections.list(owner, { after: undefined, limit: 10 });
    expect(own.map((v) => v.id)).toEqual([id]);
    expect(sorted(own[0]!.sharedProjectIds)).toEqual(sorted([b, c]));
  });

  it("pages through a project's own and shared connections of the same name without skipping one", async () => {
    const [owner, b] = [randomUUID(), randomUUID()];
    const shared = await storeConnection(owner, "same");
    const own = await storeConnection(b, "same");
    const other = await storeConnection(b, "zeta");
    await sharing.update(shared, [b], "identity:test");

    const seen: string[] = [];
    let after: { name: string; id?: string } | undefined;
    for (;;) {
      const page = await connections.list(b, { after, limit: 1 });
      if (page.length === 0) break;
      seen.push(page[0]!.id);
      after = { name: page[0]!.name, id: page[0]!.id };
    }
    expect(seen).toEqual([...sorted([shared, own]), other]);
  });

  it("taking a connection from a project records an UNSHARED event for that project only", async () => {
    const [owner, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const id = await storeConnection(owner, "vault");
    await sharing.update(id, [b, c], "identity:test");
    expect(await unsharedEvents(id)).toEqual([]);

    const after = await sharing.update(id, [b], "identity:test");
    expect(after.sharedProjectIds).toEqual([b]);
    const events = await unsharedEvents(id);
    expect(events.map((event) => event.projectId)).toEqual([c]);
    await expect(connections.get(id, c)).rejects.toSatisfy((error) => isDomainError(error, "not_found"));

    await sharing.update(id, [], "identity:test");
    expect((await unsharedEvents(id)).map((event) => event.projectId).sort()).toEqual(sorted([b, c]));
    expect((await connections.get(id)).sharedProjectIds).toEqual([]);
  });

  it("refuses the owner project among the shares, naming the entry, and writes nothing", async () => {
    const [owner, b] = [randomUUID(), randomUUID()];
    const id = await storeConnection(owner, "vault");
    await sharing.update(id, [b], "identity:test");
    const refused = await sharing.update(id, [owner], "identity:test").catch((error: unknown) => error);
    expect(isDomainError(refused, "invalid_argument")).toBe(true);
    expect(JSON.stringify(refused)).toContain("shared_project_ids[0]");
    expect((await connections.get(id)).sharedProjectIds).toEqual([b]);
    expect(await unsharedEvents(id)).toEqual([]);
    await expect(sharing.update(randomUUID(), [b], "identity:test")).rejects.toSatisfy((error) =>
      isDomainError(error, "not_found"),
    );
  });

  it("deleting a connection drops its shares", async () => {
    const [owner, b] = [randomUUID(), randomUUID()];
    const id = await storeConnection(owner, "vault");
    await sharing.update(id, [b], "identity:test");
    await connections.delete(id);
    const left = (await handle.db.select().from(connectionShares)).filter((row) => row.connectionId === id);
    expect(left).toEqual([]);
  });

  it("resolves the project a request addresses: the owner, a project it is shared with, else none", async () => {
    const projects = createConnectionProjects({ db: handle.db });
    const [owner, b, stranger] = [randomUUID(), randomUUID(), randomUUID()];
    const id = await storeConnection(owner, "vault");
    await sharing.update(id, [b], "identity:test");
    expect(await projects.ofConnection(id)).toBe(owner);
    expect(await projects.ofConnection(id, owner)).toBe(owner);
    expect(await projects.ofConnection(id, b)).toBe(b);
    expect(await projects.ofConnection(id, stranger)).toBeUndefined();
    expect(await projects.ofConnection(randomUUID())).toBeUndefined();
    expect(await projects.ofConnection("not-a-uuid")).toBeUndefined();
    expect(await projects.ofConnection(id, "not-a-uuid")).toBeUndefined();
  });
});
