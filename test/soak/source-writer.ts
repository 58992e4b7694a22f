import { setTimeout as sleep } from "node:timers/promises";
import { Code, RpcError } from "@syncline/rpc";
import { soakSequence, soakValue, type SoakFixture } from "./soak-fixture.ts";
import type { SoakSystem } from "./soak-system.ts";

/** What the writer did: acknowledged changes, failed calls by gRPC code, re-reads after unknown outcomes. */
export interface WriterStats {
  accepted: number;
  /** Ticks skipped because `maxInFlight` calls were still running (the source was slower than the rate). */
  skipped: number;
  failed: Record<string, number>;
  rereads: number;
  /**
   * Re-reads that found an older value than one already acknowledged. Only what a re-read happens to
   * see; the soak counts source regressions exactly from the version history (source-order.ts).
   */
  sourceRegressions: number;
}

interface KeyState {
  readonly path: string;
  readonly key: string;
  /** The newest sequence number known to be at the source. */
  seq: number;
  /** A write failed, so whether it landed is unknown until the source is read again. */
  uncertain: boolean;
  busy: boolean;
}

/**
 * Writes `<key>-<seq>-<random>` values at `ratePerSecond` to random keys of the fixture's folders,
 * one call in flight per key and at most `maxInFlight` in all, like a well-behaved client: when the
 * source slows down (a project's writes are serialised) the rate drops instead of piling up calls.
 * A failed UpdateSecret (UNAVAILABLE during a kill, a deadline during an outage) is retried; as its
 * outcome is unknown, the key is read back from the source — the truth — before the next sequence
 * number is chosen. Only acknowledged calls count as accepted changes.
 */
export function startSourceWriter(system: SoakSystem, fixture: SoakFixture, ratePerSecond: number, maxInFlight = 16) {
  const states: KeyState[] = fixture.syncs.flatMap((sync) =>
    sync.keys.map((key) => ({ path: sync.target.folder, key, seq: 0, uncertain: false, busy: false })),
  );
  const stats: WriterStats = { accepted: 0, skipped: 0, failed: {}, rereads: 0, sourceRegressions: 0 };
  /** Values of calls that failed (outcome unknown); kept in this process only, never reported. */
  const failedValues = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const where = (state: KeyState) => ({
    projectId: fixture.projectId,
    environment: fixture.environment,
    path: state.path,
    key: state.key,
  });

  const fail = (error: unknown) => {
    const name = error instanceof RpcError ? (Code[error.code] ?? String(error.code)) : "CLIENT_ERROR";
    stats.failed[name] = (stats.failed[name] ?? 0) + 1;
  };

  /** Writes the key's next value; retries (re-reading first) until acknowledged or the writer stops. */
  async function writeNext(state: KeyState): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (state.uncertain) {
          stats.rereads++;
          const { secret } = await system.secrets.getSecret(where(state));
          const seq = soakSequence(secret?.value ?? "");
          if (seq === undefined) throw new Error("the source holds a value the soak did not write");
          if (seq < state.seq) stats.sourceRegressions++;
          state.seq = Math.max(state.seq, seq);
          state.uncertain = false;
        }
        const seq = state.seq + 1;
        const value = soakValue(state.key, seq);
        try {
          await system.secrets.updateSecret({ ...where(state), value }, { deadlineMs: 10_000 });
        } catch (error) {
          failedValues.add(value);
          throw error;
        }
        state.seq = seq;
        stats.accepted++;
        return;
      } catch (error) {
        fail(error);
        state.uncertain = true;
        if (stopped) return;
        await sleep(Math.min(2000, 250 * attempt));
      }
    }
  }

  const loop = (async () => {
    const started = Date.now();
    for (let n = 0; !stopped; n++) {
      const wait = started + (n * 1000) / ratePerSecond - Date.now();
      if (wait > 0) await sleep(wait);
      if (stopped) break;
      if (inFlight.size >= maxInFlight) {
        stats.skipped++;
        continue;
      }
      const idle = states.filter((s) => !s.busy);
      const state = idle[Math.floor(Math.random() * idle.length)];
      if (!state) continue;
      state.busy = true;
      const write = writeNext(state).finally(() => {
        state.busy = false;
        inFlight.delete(write);
      });
      inFlight.add(write);
    }
  })();

  return {
    stats,
    /** Values whose UpdateSecret failed: each may still have committed (a late commit). In-process only. */
    failedValues: (): ReadonlySet<string> => failedValues,
    /**
     * Stops sending and waits for calls in flight and their retries; a key whose last call failed
     * stays unresolved: the source decides.
     */
    async stop(): Promise<WriterStats> {
      stopped = true;
      await loop;
      await Promise.all(inFlight);
      return stats;
    },
  };
}
