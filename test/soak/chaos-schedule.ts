import { setTimeout as sleep } from "node:timers/promises";
import type { RandomFaultRates } from "../fakes/random-faults.ts";
import { soakServiceNames, type SoakServiceName, type SoakSystem } from "./soak-system.ts";

/** What the chaos did, for the soak's report. */
export interface ChaosStats {
  killed: Record<SoakServiceName, number>;
  /** Processes that exited without being killed (a crash of the service itself), restarted by the supervisor. */
  unexpectedExits: Record<string, number>;
  natsRestarts: number;
  postgresRestarts: number;
}

/** When and how hard the chaos strikes. */
export interface ChaosOptions {
  /** Planned length of the faulty phase; the NATS and PostgreSQL restarts happen at 40 % and 65 % of it. */
  readonly durationMs: number;
  /** Pause between two service kills, drawn uniformly; default 20–40 s. */
  readonly killEveryMs?: readonly [number, number];
  /** How long NATS and PostgreSQL stay down; default 2 s. */
  readonly outageMs?: number;
  /** Fault rates of both fakes; default 10 % 5xx, 5 % 429 (Retry-After 1 s), 2 % hangs, 2 % answered 8 s late. */
  readonly faults?: RandomFaultRates;
  /** Told of each kill, restart and outage. */
  readonly log?: (line: string) => void;
}

/**
 * Starts the faults: the fakes' random failures, a SIGKILL of a random service process every
 * 20–40 s followed by its restart, one NATS crash and one PostgreSQL crash (same port and data),
 * and a supervisor that restarts any process that died on its own (and counts it). `stop` ends
 * the faults and resolves once every process is running again and the fakes answer normally.
 */
export function startChaos(system: SoakSystem, options: ChaosOptions) {
  const stats: ChaosStats = {
    killed: Object.fromEntries(soakServiceNames.map((n) => [n, 0])) as Record<SoakServiceName, number>,
    unexpectedExits: {},
    natsRestarts: 0,
    postgresRestarts: 0,
  };
  const faults = options.faults ?? {
    failRate: 0.1,
    rateLimitRate: 0.05,
    hangRate: 0.02,
    retryAfterSeconds: 1,
    delayRate: 0.02,
    delayMs: 8_000,
  };
  const [minKill, maxKill] = options.killEveryMs ?? [20_000, 40_000];
  const outageMs = options.outageMs ?? 2_000;
  const log = options.log ?? (() => {});
  const stopping = new AbortController();
  const closing = new AbortController();
  const handled = new Set<SoakServiceName>();
  const wait = (ms: number) =>
    sleep(ms, undefined, { signal: stopping.signal }).then(
      () => true,
      () => false,
    );

  /** Starts a process again until it listens (its database may be down right now). */
  async function restart(name: SoakServiceName): Promise<void> {
    while (!system.stopping) {
      try {
        return await system.services[name].restart();
      } catch {
        await sleep(1000);
      }
    }
  }

  system.vault.faults.setRandomFaults(faults);
  system.github.faults.setRandomFaults(faults);

  const kills = (async () => {
    while (await wait(minKill + Math.random() * (maxKill - minKill))) {
      const name = soakServiceNames[Math.floor(Math.random() * soakServiceNames.length)]!;
      if (handled.has(name)) continue;
      handled.add(name);
      await system.services[name].kill("SIGKILL");
      stats.killed[name]++;
      log(`killed ${name}`);
      await sleep(500 + Math.random() * 1500);
      await restart(name);
      log(`${name} restarted`);
      handled.delete(name);
    }
  })();

  const outages = (async () => {
    if (!(await wait(options.durationMs * 0.4))) return;
    await system.nats.kill("SIGKILL");
    log("nats-server killed");
    await sleep(outageMs);
    await system.nats.start();
    log("nats-server restarted");
    stats.natsRestarts++;
    if (!(await wait(options.durationMs * 0.25))) return;
    await system.postgres.stop("immediate");
    log("postgres stopped (immediate)");
    await sleep(outageMs);
    await system.postgres.start();
    log("postgres restarted");
    stats.postgresRestarts++;
  })();

  const supervisor = (async () => {
    while (
      await sleep(1000, undefined, { signal: closing.signal }).then(
        () => true,
        () => false,
      )
    )
      await supervise();
  })();

  async function supervise(): Promise<void> {
    for (const name of soakServiceNames) {
      if (system.stopping) return;
      if (handled.has(name) || system.services[name].running) continue;
      stats.unexpectedExits[name] = (stats.unexpectedExits[name] ?? 0) + 1;
      log(`${name} exited on its own; restarting it`);
      handled.add(name);
      await restart(name);
      log(`${name} restarted`);
      handled.delete(name);
    }
  }

  return {
    stats,
    /**
     * Ends every fault; resolves once NATS, PostgreSQL and all five processes are up again. The
     * supervisor keeps restarting processes that die on their own until `close`.
     */
    async stop(): Promise<ChaosStats> {
      stopping.abort();
      await Promise.all([kills, outages]);
      system.vault.faults.setRandomFaults({});
      system.github.faults.setRandomFaults({});
      await supervise();
      while (!system.stopping && soakServiceNames.some((name) => !system.services[name].running)) await sleep(200);
      return stats;
    },
    /** Stops the supervisor. */
    async close(): Promise<void> {
      stopping.abort();
      closing.abort();
      await Promise.allSettled([kills, outages, supervisor]);
    },
  };
}
