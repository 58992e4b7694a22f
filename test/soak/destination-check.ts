import { setTimeout as sleep } from "node:timers/promises";
import { allPages } from "../support/all-pages.ts";
import type { SoakFixture, SoakSync } from "./soak-fixture.ts";
import type { SoakSystem } from "./soak-system.ts";

/** Key names (never values) that differ between a destination and its source, as `sync-folder:KEY`. */
export interface Divergence {
  /** Source keys whose destination value is missing or different. */
  readonly lost: readonly string[];
  /** Destination keys the source does not have (the soak's syncs own every key of their destination). */
  readonly extra: readonly string[];
}

/** Every folder's keys and values at the source, read through the public API (retried while services recover). */
export async function readSource(
  system: SoakSystem,
  fixture: SoakFixture,
): Promise<Map<string, Record<string, string>>> {
  const source = new Map<string, Record<string, string>>();
  for (const sync of fixture.syncs) {
    const folder = sync.target.folder;
    for (let attempt = 1; ; attempt++) {
      try {
        const secrets = await allPages(
          (pageToken) =>
            system.secrets.listSecrets({
              projectId: fixture.projectId,
              environment: fixture.environment,
              path: folder,
              includeValues: true,
              pageToken,
            }),
          (page) => page.secrets,
        );
        source.set(folder, Object.fromEntries(secrets.map((s) => [s.key, s.value])));
        break;
      } catch (error) {
        if (attempt >= 30) throw error;
        await sleep(1000);
      }
    }
  }
  return source;
}

/** What a sync's destination holds now, read from the fake (values stay in this process). */
export function readDestination(system: SoakSystem, sync: SoakSync): Record<string, string> {
  const { target } = sync;
  if (target.kind === "github") return Object.fromEntries(system.github.read(target.scope));
  const data = system.vault.read("secret", target.vaultPath) ?? {};
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]));
}

/** Compares every destination with its source folder, by key. */
export function compareAll(
  system: SoakSystem,
  fixture: SoakFixture,
  source: Map<string, Record<string, string>>,
): Divergence {
  const lost: string[] = [];
  const extra: string[] = [];
  for (const sync of fixture.syncs) {
    const expected = source.get(sync.target.folder) ?? {};
    const actual = readDestination(system, sync);
    for (const [key, value] of Object.entries(expected))
      if (actual[key] !== value) lost.push(`${sync.target.folder}:${key}`);
    for (const key of Object.keys(actual)) if (!(key in expected)) extra.push(`${sync.target.folder}:${key}`);
  }
  return { lost, extra };
}

/**
 * Waits up to `timeoutMs` for every destination to equal its source; returns the seconds it took
 * (undefined when it did not) and the divergence left at the end.
 */
export async function awaitConvergence(
  system: SoakSystem,
  fixture: SoakFixture,
  timeoutMs: number,
): Promise<{ seconds: number | undefined; divergence: Divergence }> {
  const started = Date.now();
  for (;;) {
    const divergence = compareAll(system, fixture, await readSource(system, fixture));
    if (divergence.lost.length === 0 && divergence.extra.length === 0)
      return { seconds: (Date.now() - started) / 1000, divergence };
    if (Date.now() - started > timeoutMs) return { seconds: undefined, divergence };
    await sleep(500);
  }
}
