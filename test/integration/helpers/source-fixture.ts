import { randomBytes } from "node:crypto";
import { SourceChangeKind } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { expect } from "vitest";
import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import type { RpcClient } from "@syncline/rpc";
import { eventually } from "../../support/eventually.ts";
import type { SourceEventLog, StoredSourceEvent } from "./source-event-log.ts";

/** A project with environments, and shortcuts to fill and read it, for the composition tests. */
export interface SourceFixture {
  readonly projectId: string;
  /** Creates the secrets `env:path` → {KEY: value}. */
  put(env: string, path: string, secrets: Record<string, string>): Promise<void>;
  revision(): Promise<bigint>;
  /** The snapshot of `env:path` as `KEY@env:path=value` lines (sorted), with collisions and problems. */
  snapshot(
    env: string,
    path: string,
    recursive?: boolean,
  ): Promise<{ lines: string[]; collisions: string[]; problems: string[] }>;
  /**
   * Runs `write` and returns the events it produced, exactly: fence writes in folders nothing
   * depends on, before and after it, must frame them (the relay publishes in outbox order), so an
   * event of `write` published late, or a duplicate, would show up between the fences.
   */
  eventsOf(write: () => Promise<unknown>): Promise<StoredSourceEvent[]>;
}

/** The secrets service as the fixture calls it: a system started with it and `sourceEvents`. */
export interface SecretsClients {
  readonly secrets: RpcClient<typeof SecretsService>;
  readonly snapshots: RpcClient<typeof SourceSnapshotService>;
  /** The source-events stream the fixture reads its events from. */
  readonly sourceEvents: SourceEventLog;
}

/** Creates a project with `environments` in the service and returns its fixture. */
export async function createSourceFixture(
  service: SecretsClients,
  environments: readonly string[],
): Promise<SourceFixture> {
  const log = service.sourceEvents;
  const api = service.secrets;
  const { project } = await api.createProject({ name: `p-${randomBytes(6).toString("hex")}` });
  const projectId = project!.id;
  for (const slug of environments) await api.createEnvironment({ projectId, slug, name: "" });

  /** Writes a fence secret in a folder of its own and waits until its event is the last on the stream; returns the project's events. */
  const fenceWrite = async () => {
    const fence = `FENCE_${randomBytes(4).toString("hex")}`;
    await api.createSecret({
      projectId,
      environment: environments[0]!,
      path: `/fence-${fence.toLowerCase()}`,
      key: fence,
      value: "f",
    });
    const events = await eventually(
      async () => {
        const all = await log.read(projectId);
        return all.some((e) => e.event.changes[0]?.key === fence) ? all : undefined;
      },
      { timeoutMs: 30_000, describe: () => `fence ${fence} not published` },
    );
    expect(events.at(-1)!.event.changes[0]?.key, "an event was published after the fence").toBe(fence);
    return events;
  };

  return {
    projectId,
    async put(environment, path, secrets) {
      for (const [key, value] of Object.entries(secrets))
        await api.createSecret({ projectId, environment, path, key, value });
    },
    async revision() {
      return (await api.getProject({ projectId })).project!.revision;
    },
    async snapshot(environment, path, recursive = false) {
      const snapshot = await service.snapshots.getSourceSnapshot({ projectId, environment, path, recursive });
      return {
        lines: snapshot.secrets.map((s) => `${s.key}@${s.environment}:${s.path}=${s.value}`),
        collisions: snapshot.collisions.map((c) => `${c.key}: ${c.paths.join(", ")}`),
        problems: snapshot.referenceProblems,
      };
    },
    async eventsOf(write) {
      const before = (await fenceWrite()).length;
      await write();
      const events = await fenceWrite();
      return events.slice(before, -1);
    },
  };
}

/** An event as `env:path` (kind, origin when fanned out), to compare sets of events. */
export function eventSummary(e: StoredSourceEvent): string {
  const kind = SourceChangeKind[e.event.kind];
  const origin = e.event.origin ? ` <- ${e.event.origin.environment}:${e.event.origin.path}` : "";
  return `${e.event.environment}:${e.event.path} ${kind}${origin}`;
}
