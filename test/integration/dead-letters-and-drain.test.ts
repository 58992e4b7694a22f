import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { consumers, deadLetterHeaders, streams, subjects } from "@syncline/bus";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import type { ServiceProcess } from "../support/service-process.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { createVaultSync, finishedRun, settledSync, vaultEquals } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * Poison messages: garbage published on every subject the orchestrator and the worker consume is
 * terminated, kept on the dead-letter stream, counted on each service's /metrics, and the system
 * keeps syncing.
 *
 * SIGTERM on a worker whose run hangs on the destination (DESIGN §5 "graceful shutdown that drains
 * in-flight runs for a bounded time"): the worker stops within SYNCLINE_WORKER_DRAIN_MS plus the
 * abort, reports the run PENDING (freeing its lease), hands the request back, exits on its own —
 * and another worker completes the run. The breaker timeout is far longer than the test, so only
 * the drain bound can end the hanging call.
 */
const system = useSystem({
  name: "worker-drain",
  services: allServices,
  bus: true,
  env: { SYNCLINE_WORKER_DRAIN_MS: "1500", SYNCLINE_BREAKER_TIMEOUT_MS: "600000", SYNCLINE_METRICS_PORT: "0" },
});
const project = useWorkerTestProject(system, "worker-drain");

/** The service's Prometheus text, from the port it logged. */
async function metricsOf(service: ServiceProcess): Promise<string> {
  const line = service
    .output()
    .split("\n")
    .find((l) => l.includes('"msg":"metrics listening"'));
  if (!line) throw new Error(`${service.name} serves no metrics`);
  return (await fetch(`http://127.0.0.1:${JSON.parse(line).port}/metrics`)).text();
}

describe("poison messages", () => {
  it("are terminated, kept on the dead-letter stream and counted, and syncing goes on", {
    timeout: 240_000,
  }, async () => {
    const garbage = new Uint8Array([0x0f, 0xff, 0xff, 0x01]); // wire type 7 does not exist
    const targets = [
      {
        subject: subjects.runRequest("vault_kv"),
        consumer: consumers.connectorWorkerRuns,
        service: system.services.worker,
      },
      {
        subject: subjects.sourceChange(project.projectId, project.environment),
        consumer: consumers.orchestratorSourceEvents,
        service: system.services.orchestrator,
      },
      {
        subject: subjects.runResult,
        consumer: consumers.orchestratorRunResults,
        service: system.services.orchestrator,
      },
      {
        subject: subjects.connectionChange(project.projectId),
        consumer: consumers.orchestratorConnectionEvents,
        service: system.services.orchestrator,
      },
    ];
    const js = jetstream(system.bus);
    for (const target of targets)
      await js.publish(target.subject, garbage, { msgID: `garbage-${target.consumer.config.durable_name}` });

    const jsm = await jetstreamManager(system.bus);
    for (const target of targets) {
      const name = target.consumer.config.durable_name;
      const lookup = { last_by_subj: subjects.deadLetter(name) };
      const kept = await eventually(
        () =>
          jsm.streams.getMessage(streams.deadLetters.name, lookup).then(
            (m) => m ?? undefined,
            () => undefined,
          ),
        {
          timeoutMs: 60_000,
          describe: () => `no dead letter from ${name}`,
        },
      );
      expect(kept.data).toEqual(garbage);
      expect(kept.header.get(deadLetterHeaders.subject)).toBe(target.subject);
      expect(kept.header.get(deadLetterHeaders.reason)).toBe("undecodable");
      const counted = `syncline_bus_dead_letters_total{consumer="${name}",reason="undecodable"} 1`;
      await eventually(async () => ((await metricsOf(target.service)).includes(counted) ? true : undefined), {
        describe: () => `${target.service.name} has no ${counted}`,
      });
    }

    const base = { projectId: project.projectId, environment: project.environment, path: "/after-poison" };
    await system.secrets.createSecret({ ...base, key: "TOKEN", value: "t1" });
    await createVaultSync(system, project, { path: "/after-poison", vaultPath: "apps/after-poison" });
    await vaultEquals(system, "apps/after-poison", { TOKEN: "t1" });
  });
});

describe("worker shutdown", () => {
  it("aborts a run hanging on the destination after the drain time, exits, and another worker completes it", {
    timeout: 240_000,
  }, async () => {
    const base = { projectId: project.projectId, environment: project.environment, path: "/drain" };
    await system.secrets.createSecret({ ...base, key: "DB_URL", value: "v1" });
    const sync = await createVaultSync(system, project, { path: "/drain", vaultPath: "apps/drain" });
    await vaultEquals(system, "apps/drain", { DB_URL: "v1" });
    await settledSync(system, sync.id);

    const seen = system.vault.requests.length;
    system.vault.faults.hangNext(1);
    await system.secrets.updateSecret({ ...base, key: "DB_URL", value: "v2" });
    await eventually(
      () => (system.vault.requests.slice(seen).some((request) => request.status === 0) ? true : undefined),
      {
        timeoutMs: 60_000,
        describe: () => "no destination call of the run hangs yet",
      },
    );
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 50 });
    const hanging = runs.find((run) => run.state === SyncState.RUNNING);
    expect(hanging, "the run whose destination call hangs").toBeDefined();

    const worker = system.services.worker;
    const stopStarted = Date.now();
    await worker.kill("SIGTERM"); // SIGKILL after 15 s if it does not exit by itself
    console.log(`worker stopped ${Date.now() - stopStarted} ms after SIGTERM`);
    const drained = worker
      .output()
      .split("\n")
      .find((line) => line.includes('"msg":"run requests drained"'));
    expect(drained, "the worker finished its bounded drain and exited by itself").toBeDefined();
    expect(JSON.parse(drained!)).toMatchObject({ interrupted: 1, abandoned: 0 });

    // The aborted run reports nothing misleading: PENDING, saying why (this also frees its lease).
    const interrupted = await eventually(async () => {
      const listed = (await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 50 })).runs.find(
        (run) => run.id === hanging!.id,
      );
      return listed?.state === SyncState.PENDING ? listed : undefined;
    });
    expect(interrupted.message).toContain("the worker stopped");

    const second: ServiceProcess = await system.startWorker("worker-2");
    await vaultEquals(system, "apps/drain", { DB_URL: "v2" });
    const finished = await finishedRun(system, sync.id, hanging!.id);
    expect(finished.state).toBe(SyncState.SUCCEEDED);
    expect(second.output()).toContain('"msg":"run succeeded"');
  });
});
