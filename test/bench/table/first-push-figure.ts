// First push: a folder of 10,000 secrets (written in bulk) gets a new auto-sync to the fake Vault,
// which answers at once; timed from the CreateSecretSync acknowledgement until Vault holds every key.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { eventually } from "../../support/eventually.ts";
import { benchProject, benchSync, startBenchSystem } from "../bench-support.ts";
import { seedSecrets } from "../secrets-bench.ts";
import { ms, type BenchFigure, type FigureOptions, type FigureRow } from "./bench-figure.ts";

const SECRETS = 10_000;

/** Milliseconds from CreateSecretSync's acknowledgement until Vault holds all `count` keys. */
export async function measureFirstPush(count: number): Promise<{ firstPushMs: number; seedMs: number }> {
  const system = await startBenchSystem("bench-first-push");
  try {
    const project = await benchProject(system, "bench-first-push");
    const seeds = Array.from({ length: count }, (_, i) => ({
      path: "/large",
      key: `KEY_${i}`,
      value: randomBytes(24).toString("base64"),
    }));
    const secrets = system.client(SecretsService, system.adminToken, 120_000);
    const seedMs = await seedSecrets(secrets, project.projectId, seeds, 5000);
    await benchSync(system, project, "first-push", "/large", "large");
    const acked = performance.now();
    const complete = () => Object.keys(system.vault.read("secret", "large") ?? {}).length === count;
    await eventually(() => (complete() ? true : undefined), { timeoutMs: 600_000, intervalMs: 5 });
    return { firstPushMs: performance.now() - acked, seedMs };
  } finally {
    await system.stop();
  }
}

/** Row: first push of 10,000 secrets to a destination that answers at once. */
export const firstPushFigure: BenchFigure = {
  name: "first-push",
  async measure({ log }: FigureOptions): Promise<FigureRow[]> {
    const { firstPushMs, seedMs } = await measureFirstPush(SECRETS);
    log(`first push: ${SECRETS.toLocaleString("en")} secrets seeded in ${ms(seedMs)}`);
    return [
      {
        figure: "first push of 10,000 secrets (fake Vault on loopback, no added latency)",
        measured: ms(firstPushMs),
        goal: "≤ 5 s",
        met: firstPushMs <= 5000,
      },
    ];
  },
};
