import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { useOutboxSystem } from "./helpers/outbox-system.ts";
import { openSourceEventLog, type SourceEventLog, type StoredSourceEvent } from "./helpers/source-event-log.ts";

/**
 * The outbox with fanned-out events under a crash: while NATS is down, writes to an imported and
 * referenced folder commit their own event and one per importing or referencing folder; the service
 * is then killed with SIGKILL before it could publish. After NATS and the service come back, every
 * event — fanned-out ones included — is on the stream exactly once, each folder's events in commit
 * order, and the outbox is empty.
 */
const service = useOutboxSystem("fanout_outbox_it");
let log: SourceEventLog | undefined;
let projectId: string;

beforeAll(async () => {
  const api = service.secrets;
  projectId = (await api.createProject({ name: "fan-out-outbox" })).project!.id;
  for (const slug of ["dev", "prod"]) await api.createEnvironment({ projectId, slug, name: "" });
  await api.createSecret({ projectId, environment: "prod", path: "/base", key: "K", value: "0" });
  await api.createSecret({ projectId, environment: "dev", path: "/app1", key: "A", value: "a" });
  await api.createFolder({ projectId, environment: "dev", path: "/app2" });
  await api.createSecret({ projectId, environment: "dev", path: "/ref", key: "R", value: "${prod.base.K}" });
  await api.createSecretImport({
    projectId,
    environment: "dev",
    path: "/app1",
    importEnvironment: "prod",
    importPath: "/base",
    position: 0,
  });
  await api.createSecretImport({
    projectId,
    environment: "dev",
    path: "/app2",
    importEnvironment: "dev",
    importPath: "/app1",
    position: 0,
  });
});

afterAll(async () => {
  await log?.close();
});

const outboxRows = () => service.sql<{ id: string }[]>`select id from outbox order by seq`;
const folderOf = (e: StoredSourceEvent) => `${e.event.environment}:${e.event.path}`;
/** Per folder, its events as `revision<-origin`, in the order given. */
function perFolder(
  events: ReadonlyArray<{ folder: string; revision: bigint; origin: string }>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) out[e.folder] = [...(out[e.folder] ?? []), `${e.revision}<-${e.origin}`];
  return out;
}

describe("fanned-out events across a crash", () => {
  it("delivers every event once, in commit order per folder, and empties the outbox", async () => {
    const api = service.secrets;
    log = await openSourceEventLog(service.nats.url);
    await eventually(async () => ((await outboxRows()).length === 0 ? true : undefined), {
      describe: () => "set-up events not published",
    });
    const published = (await log.read(projectId)).length;

    await service.nats.kill("SIGKILL");
    const expected: Array<{ folder: string; revision: bigint; origin: string }> = [];
    const revision = async () => (await api.getProject({ projectId })).project!.revision;
    for (let i = 1; i <= 3; i++) {
      await api.updateSecret({ projectId, environment: "prod", path: "/base", key: "K", value: `v${i}` });
      const r = await revision();
      expected.push({ folder: "prod:/base", revision: r, origin: "" });
      for (const folder of ["dev:/app1", "dev:/app2", "dev:/ref"])
        expected.push({ folder, revision: r, origin: "prod:/base" });
      await api.updateSecret({ projectId, environment: "dev", path: "/app1", key: "A", value: `a${i}` });
      const r2 = await revision();
      expected.push(
        { folder: "dev:/app1", revision: r2, origin: "" },
        { folder: "dev:/app2", revision: r2, origin: "dev:/app1" },
      );
    }
    const pending = (await outboxRows()).map((row) => row.id);
    expect(pending).toHaveLength(expected.length);

    await service.services.secrets.kill("SIGKILL");
    expect((await outboxRows()).map((row) => row.id)).toEqual(pending);
    await service.nats.start();
    await service.services.secrets.restart();

    const events = await eventually(
      async () => {
        const all = await log!.read(projectId).catch(() => []);
        return all.length >= published + expected.length ? all.slice(published) : undefined;
      },
      { timeoutMs: 45_000, describe: () => `${expected.length} events expected` },
    );
    await eventually(async () => ((await outboxRows()).length === 0 ? true : undefined), {
      describe: () => "outbox not emptied",
    });

    expect(events).toHaveLength(expected.length);
    expect(new Set(events.map((e) => e.event.eventId))).toEqual(new Set(pending));
    expect(events.map((e) => e.msgId)).toEqual(events.map((e) => e.event.eventId));
    const streamed = events.map((e) => ({
      folder: folderOf(e),
      revision: e.event.revision,
      origin: e.event.origin ? `${e.event.origin.environment}:${e.event.origin.path}` : "",
    }));
    expect(perFolder(streamed)).toEqual(perFolder(expected));
    expect(
      (
        await service.snapshots.getSourceSnapshot({ projectId, environment: "dev", path: "/app2", recursive: false })
      ).secrets.map((s) => `${s.key}=${s.value}`),
    ).toEqual(["A=a3", "K=v3"]);
  });
});
