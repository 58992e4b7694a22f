import { setTimeout as sleep } from "node:timers/promises";
import { abortCause, ConnectorError } from "@syncline/connectors";
import { afterEach, describe, expect, it } from "vitest";
import { createBreakerRegistry, type BreakerRegistry } from "./breaker-registry.ts";
import { classifyFailure } from "./failure-policy.ts";

/** A request that honours its signal the way fetch does, but takes `settleMs` more to settle once aborted. */
function slowRequest(events: string[], settleMs: number) {
  return (signal: AbortSignal) =>
    new Promise<never>((_resolve, reject) => {
      const onAbort = () => {
        events.push(`aborted: ${abortCause(signal).kind}`);
        setTimeout(() => {
          events.push("request settled");
          const cause = abortCause(signal);
          const message = cause.kind === "timeout" ? `no answer within ${cause.timeoutMs} ms` : "cancelled";
          reject(new ConnectorError("transient", message));
        }, settleMs);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
}

const settings = { timeoutMs: 1_000, resetTimeoutMs: 1_000, errorThresholdPercentage: 50, volumeThreshold: 100 };
let registry: BreakerRegistry;
afterEach(() => registry?.shutdown());

describe("the worker's call gate", () => {
  it("aborts a call at its deadline and settles only once the request has settled", async () => {
    registry = createBreakerRegistry({ ...settings, timeoutMs: 100 });
    const events: string[] = [];
    const gate = registry.calls("connection", new AbortController().signal);
    const call = gate.call("write", slowRequest(events, 200)).finally(() => events.push("call settled"));
    await expect(call).rejects.toThrow("no answer within 100 ms");
    expect(events).toEqual(["aborted: timeout", "request settled", "call settled"]);
    expect(registry.load("connection")).toEqual({ active: 0, waiting: 0 });
  });

  it("counts each call: transient failures open it (EOPENBREAKER → breaker_open), other kinds and cancelled runs not", async () => {
    registry = createBreakerRegistry({ ...settings, resetTimeoutMs: 60_000, volumeThreshold: 4 });
    const failing = (kind: ConnectorError["kind"]) => () => Promise.reject(new ConnectorError(kind, kind));
    // Refusals, rate limits and calls of a cancelled run (transient, but not the destination's fault) never open it.
    for (const kind of ["auth", "rate_limited", "invalid_config"] as const) {
      const gate = registry.calls(`connection-${kind}`, new AbortController().signal);
      for (let i = 0; i < 6; i++) await expect(gate.call("write", failing(kind))).rejects.toMatchObject({ kind });
      expect(registry.state(`connection-${kind}`)).toBe("closed");
    }
    const run = new AbortController();
    run.abort(new Error("lease lost"));
    const cancelledRun = registry.calls("connection-cancelled", run.signal);
    for (let i = 0; i < 6; i++) {
      await expect(cancelledRun.call("write", slowRequest([], 0))).rejects.toMatchObject({ kind: "transient" });
    }
    expect(registry.state("connection-cancelled")).toBe("closed");

    const healthyRun = registry.calls("connection", new AbortController().signal);
    for (let i = 0; i < 4; i++) {
      await expect(healthyRun.call("write", failing("transient"))).rejects.toMatchObject({ kind: "transient" });
    }
    expect(registry.state("connection")).toBe("open");
    let started = false;
    const refused = await healthyRun.call("write", async () => (started = true)).catch((error: unknown) => error);
    expect(started).toBe(false);
    expect(classifyFailure(refused).kind).toBe("breaker_open");
    expect(registry.state("other-connection")).toBe("closed");
  });

  it("holds calls beyond the connection's slots until one settles", async () => {
    registry = createBreakerRegistry({ ...settings, maxCallsPerConnection: 2 });
    const gate = registry.calls("connection", new AbortController().signal);
    const releases: (() => void)[] = [];
    const held = () => gate.call("write", () => new Promise<void>((resolve) => releases.push(resolve)));
    const calls = [held(), held(), held()];
    await sleep(20);
    expect(registry.load("connection")).toEqual({ active: 2, waiting: 1 });
    while (releases.length > 0) {
      releases.shift()!();
      await sleep(10);
    }
    await Promise.all(calls);
    expect(registry.load("connection")).toEqual({ active: 0, waiting: 0 });
  });
});
