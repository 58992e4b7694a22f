import { randomBytes } from "node:crypto";
import { toBinary } from "@bufbuild/protobuf";
import { jetstream } from "@nats-io/jetstream";
import { connectBus, createEventPublisher } from "@syncline/bus";
import { KeyChangeKind, SourceChangeEventSchema } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { useOutboxSystem } from "./helpers/outbox-system.ts";
import { openSourceEventLog, type SourceEventLog, type StoredSourceEvent } from "./helpers/source-event-log.ts";

/**
 * The transactional outbox of the secrets service under a broker outage and a crash: writes keep
 * succeeding while NATS is down, the service is killed with SIGKILL before it could publish, and
 * after NATS and the service come back every committed change is on SYNCLINE_SOURCE_EVENTS exactly
 * once, in commit order per folder, with the outbox emptied. A republish of an already published
 * outbox id (a crash between publish and delete) is dropped by the stream's duplicate window.
 */
const service = useOutboxSystem("outbox_it");
let log: SourceEventLog | undefined;
let projectId: string;
const env = "dev";

beforeAll(async () => {
  const { project } = await service.secrets.createProject({ name: "outbox" });
  projectId = project!.id;
  await service.secrets.createEnvironment({ projectId, slug: env, name: "" });
});

afterAll(async () => {
  await log?.close();
});

interface Write {
  readonly path: string;
  readonly key: string;
  readonly kind: KeyChangeKind;
}

const at = (path: string) => ({ projectId, environment: env, path });
const outboxRows = () => service.sql<{ id: string; seq: string }[]>`select id, seq::text from outbox order by seq`;
const summary = (e: StoredSourceEvent) => ({
  path: e.event.path,
  key: e.event.changes[0]?.key,
  kind: e.event.changes[0]?.kind,
});

/** Waits until the stream holds `count` events of the project, then returns them in stream order. */
async function streamedEvents(count: number): Promise<StoredSourceEvent[]> {
  log ??= await openSourceEventLog(service.nats.url);
  return eventually(
    async () => {
      // Right after a broker restart a read may time out while the client reconnects: try again.
      const events = await log!.read(projectId).catch(() => []);
      return events.length >= count ? events : undefined;
    },
    { timeoutMs: 45_000, describe: () => `${count} events expected` },
  );
}

/** The writes' change events in the order each folder committed them. */
function byFolder(writes: readonly Write[]): Record<string, Write[]> {
  const folders: Record<string, Write[]> = {};
  for (const write of writes) folders[write.path] = [...(folders[write.path] ?? []), write];
  return folders;
}

describe("crash between commit and publish", () => {
  const writes: Write[] = [];
  let pendingIds: string[] = [];

  it("publishes while the broker is up", async () => {
    await service.secrets.createSecret({ ...at("/api"), key: "BEFORE", value: "v0" });
    writes.push({ path: "/api", key: "BEFORE", kind: KeyChangeKind.CREATED });
    expect((await streamedEvents(1)).map(summary)).toEqual(writes);
    expect(await outboxRows()).toEqual([]);
  });

  it("keeps accepting writes while NATS is down, committing them with their outbox rows", async () => {
    await service.nats.kill("SIGKILL");
    // Two folders written concurrently: the project lock orders them, the outbox must keep that order.
    const folderWrites = async (path: string) => {
      const done: Write[] = [];
      for (let i = 0; i < 4; i++) {
        await service.secrets.createSecret({ ...at(path), key: `K${i}`, value: `during-${i}` });
        done.push({ path, key: `K${i}`, kind: KeyChangeKind.CREATED });
      }
      await service.secrets.updateSecret({ ...at(path), key: "K0", value: "during-updated" });
      done.push({ path, key: "K0", kind: KeyChangeKind.UPDATED });
      await service.secrets.deleteSecret({ ...at(path), key: "K1" });
      done.push({ path, key: "K1", kind: KeyChangeKind.DELETED });
      return done;
    };
    const [api, web] = await Promise.all([folderWrites("/api"), folderWrites("/web")]);
    writes.push(...api!, ...web!);
    const got = await service.secrets.getSecret({ ...at("/web"), key: "K0" });
    expect(got.secret).toMatchObject({ value: "during-updated", version: 2n });
    pendingIds = (await outboxRows()).map((row) => row.id);
    expect(pendingIds).toHaveLength(12);
  });

  it("loses nothing when the service is killed before it could publish", async () => {
    await service.services.secrets.kill("SIGKILL");
    expect((await outboxRows()).map((row) => row.id)).toEqual(pendingIds);
    await service.nats.start();
    await service.services.secrets.restart();

    const events = await streamedEvents(writes.length);
    await eventually(async () => ((await outboxRows()).length === 0 ? true : undefined), {
      describe: () => "outbox not emptied",
    });
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.event.eventId, (counts.get(e.event.eventId) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(events).toHaveLength(writes.length);
    expect(pendingIds.every((id) => counts.get(id) === 1)).toBe(true);
    expect(events.map((e) => e.msgId)).toEqual(events.map((e) => e.event.eventId));

    const streamed = byFolder(events.map(summary) as Write[]);
    expect(streamed).toEqual(byFolder(writes));
    const revisions = events.map((e) => e.event.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(revisions.at(-1)).toBe((await service.secrets.getProject({ projectId })).project!.revision);
  });

  it("publishes new writes at once after the recovery", async () => {
    await service.secrets.createSecret({ ...at("/api"), key: "AFTER", value: "v" });
    writes.push({ path: "/api", key: "AFTER", kind: KeyChangeKind.CREATED });
    const events = await streamedEvents(writes.length);
    expect(events).toHaveLength(writes.length);
    expect(summary(events.at(-1)!)).toEqual(writes.at(-1));
  });

  it("catches up by itself after a broker restart, the service still running", async () => {
    await service.nats.kill("SIGKILL");
    for (const key of ["R1", "R2", "R3"]) {
      await service.secrets.createSecret({ ...at("/web"), key, value: "v" });
      writes.push({ path: "/web", key, kind: KeyChangeKind.CREATED });
    }
    await service.nats.start();
    const events = await streamedEvents(writes.length);
    await eventually(async () => ((await outboxRows()).length === 0 ? true : undefined), {
      describe: () => "outbox not emptied",
    });
    expect(new Set(events.map((e) => e.event.eventId)).size).toBe(events.length);
    expect(byFolder(events.map(summary) as Write[])).toEqual(byFolder(writes));
  });
});

describe("deduplication by outbox id", () => {
  it("drops a republished outbox id within the duplicate window, whether sent again by hand or by the relay", async () => {
    const [first, second] = await streamedEvents(2);
    const nc = await connectBus(service.nats.url, "outbox-test-publisher");
    try {
      const ack = await createEventPublisher(nc, jetstream(nc)).publish(
        first!.subject,
        SourceChangeEventSchema,
        first!.event,
        { msgId: first!.event.eventId },
      );
      expect(ack.duplicate).toBe(true);
      expect(ack.seq).toBe(first!.streamSequence);
    } finally {
      await nc.close();
    }

    // A crash after the publish but before the delete leaves the row behind: put one back.
    const before = await log!.read(projectId);
    await service.sql`insert into outbox (id, subject, payload) values (${second!.event.eventId}, ${second!.subject}, ${Buffer.from(toBinary(SourceChangeEventSchema, second!.event))})`;
    await eventually(async () => ((await outboxRows()).length === 0 ? true : undefined), {
      describe: () => "relay did not pick up the row",
    });
    const fence = `FENCE_${randomBytes(3).toString("hex")}`;
    await service.secrets.createSecret({ ...at("/api"), key: fence, value: "v" });
    const after = await streamedEvents(before.length + 1);
    expect(after.map((e) => e.event.eventId)).toEqual([
      ...before.map((e) => e.event.eventId),
      after.at(-1)!.event.eventId,
    ]);
    expect(after.at(-1)!.event.changes[0]?.key).toBe(fence);
  });
});
