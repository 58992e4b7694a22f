import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import {
  callWithDeadline,
  ConnectorError,
  PartialApplyError,
  type ApplyOutcome,
  type DestinationCalls,
  type DestinationCapabilities,
  type DestinationLimits,
} from "../../packages/connectors/contract/index.ts";
import { diffOf, expectConnectorError, type DestinationConformanceTarget } from "./conformance-support.ts";

/** What the call tests need to know about the destination beyond its read capabilities. */
export interface CallConformanceProfile {
  readonly capabilities: Pick<DestinationCapabilities, "readBack" | "listKeys"> & { readonly batchWrites?: boolean };
  readonly limits: DestinationLimits;
  /** Most keys the place under test may hold (GitHub: 100 per repository, 1,000 per organization). */
  readonly capacity: number;
}

/** A gate as the worker's behaves (per-call deadline that aborts), recording what went through it. */
export interface RecordingGate extends DestinationCalls {
  /** Calls started so far. */
  readonly started: number;
  /** Calls started and not yet settled: 0 means nothing is left running. */
  readonly inFlight: number;
}

/** A recording gate with a per-call deadline; `onStart(n)` runs synchronously as the n-th call starts (1-based). */
export function recordingGate(timeoutMs: number, onStart: (n: number) => void = () => undefined): RecordingGate {
  let started = 0;
  let inFlight = 0;
  return {
    get started() {
      return started;
    },
    get inFlight() {
      return inFlight;
    },
    async call(_operation, request) {
      onStart(++started);
      inFlight++;
      try {
        return await callWithDeadline(request, timeoutMs);
      } finally {
        inFlight--;
      }
    },
  };
}

const nothing: ApplyOutcome = { created: [], updated: [], deleted: [] };
/** What a failed apply says it wrote: its partial outcome, or nothing for any other error. */
const writtenBy = (error: unknown): ApplyOutcome => (error instanceof PartialApplyError ? error.outcome : nothing);
const failureOf = (operation: Promise<unknown>): Promise<unknown> =>
  operation.then(
    () => expect.fail("expected the apply to fail"),
    (e: unknown) => e,
  );
const keysOf = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`KEY_${String(i).padStart(4, "0")}`, `value-${i}`]));

/**
 * The suite's checks of how a connector calls its provider (every request through the gate, with
 * the gate's signal): a slow destination finishes because each request has its own deadline,
 * nothing is written after an abort or a deadline, a failure part-way reports exactly what was
 * written, rate limits keep the server's wait, and values up to the size limit (and unicode, where
 * allowed) round-trip. Registered inside `describeDestinationConformance`'s describe block.
 */
export function describeCallConformance(target: () => DestinationConformanceTarget, profile: CallConformanceProfile) {
  const { capabilities, limits } = profile;
  /** Requests before the writes: GitHub reads the scope's public key, Vault the secret. */
  const keyed = !capabilities.batchWrites;

  it.skipIf(profile.capacity < 300)(
    "finishes 300 keys at 25 ms a request, each within its own 2 s, though the whole apply outlasts it",
    async () => {
      // Without batch writes, 300 requests at 25 ms take at least 7.5 s one after another: several times
      // the deadline of a request, so only a deadline per request (never one for the whole apply) lets it finish.
      target().setLatency(25);
      const deadlineMs = 2_000;
      const gate = recordingGate(deadlineMs);
      const started = Date.now();
      const outcome = await target()
        .connect({ calls: gate })
        .apply(diffOf({ create: keysOf(300) }));
      const tookMs = Date.now() - started;
      expect(outcome.created).toHaveLength(300);
      // A destination with batch writes needs a few requests for the lot; one request per key must outlast the deadline.
      if (keyed)
        expect(tookMs, "300 requests one after another outlast one request's deadline").toBeGreaterThan(2 * deadlineMs);
      expect((await target().inspect()).size).toBe(300);
      expect(gate.started).toBeGreaterThan(1);
      expect(gate.inFlight).toBe(0);
    },
    180_000,
  );

  it("writes nothing after its signal aborts mid-apply, and names what it wrote before", async () => {
    // The abort lands well inside the request's latency, so the provider has not acted on it yet.
    target().setLatency(200);
    const controller = new AbortController();
    // Abort while the write request (Vault's one write; GitHub's fourth secret) is at the provider.
    const abortAt = keyed ? 5 : 2;
    const gate = recordingGate(10_000, (n) => void (n === abortAt && setTimeout(() => controller.abort(), 20)));
    const connector = target().connect({ calls: gate, signal: controller.signal });
    const error = await failureOf(connector.apply(diffOf({ create: keysOf(20) })));
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("transient");
    expect(gate.inFlight).toBe(0);
    const writes = target().writeCount();
    expect(writes).toBeLessThan(keyed ? 20 : 1);
    expect([...(await target().inspect()).keys()].sort()).toEqual([...writtenBy(error).created].sort());
    await sleep(500);
    expect(target().writeCount()).toBe(writes);
  });

  it("asks the run's control before each write batch, and stops with what it wrote when refused", async () => {
    let asked = 0;
    const refusal = new Error("fence refused");
    const stopOnSecondBatch = async () => {
      if (++asked > 1) throw refusal;
    };
    const apply = target().connector.apply(diffOf({ create: keysOf(45) }), { beforeBatch: stopOnSecondBatch });
    if (!keyed) {
      expect((await apply).created).toHaveLength(45);
      expect(asked).toBe(1);
      return;
    }
    const error = await failureOf(apply);
    expect(error).toBeInstanceOf(PartialApplyError);
    expect((error as PartialApplyError).cause).toBe(refusal);
    expect(asked).toBe(2);
    const { created } = writtenBy(error);
    expect(created.length).toBeGreaterThan(0);
    expect(created.length).toBeLessThan(45);
    expect([...(await target().inspect()).keys()].sort()).toEqual([...created].sort());
  });

  it("reports exactly what was written when the provider fails part-way", async () => {
    const before = keyed ? 7 : 0;
    target().failAfterWrites(before);
    const error = await failureOf(target().connector.apply(diffOf({ create: keysOf(20) })));
    expect((error as ConnectorError).kind).toBe("transient");
    expect(writtenBy(error).created).toHaveLength(before);
    expect(error instanceof PartialApplyError).toBe(before > 0);
    if (error instanceof PartialApplyError) expect((error.cause as ConnectorError).kind).toBe("transient");
    expect([...(await target().inspect()).keys()].sort()).toEqual([...writtenBy(error).created].sort());
  });

  it("classifies a 429 during an apply as rate_limited with the server's Retry-After, writing nothing", async () => {
    target().rateLimitNext(1, 3);
    const error = await expectConnectorError(target().connector.apply(diffOf({ create: { A: "1" } })), "rate_limited");
    expect(error.retryAfterMs).toBe(3_000);
    expect(target().writeCount()).toBe(0);
  });

  it("aborts a hung write at the gate's deadline as transient, leaving nothing running", async () => {
    const hangAt = keyed ? 3 : 2;
    const gate = recordingGate(1_500, (n) => n === hangAt && target().hangNext(1));
    const connector = target().connect({ calls: gate });
    const error = await expectConnectorError(connector.apply(diffOf({ create: keysOf(5) })), "transient");
    expect(error.message).toMatch(/1500 ms/);
    expect(gate.inFlight).toBe(0);
    expect(writtenBy(error).created).toHaveLength(keyed ? 1 : 0);
    const writes = target().writeCount();
    await sleep(500);
    expect(target().writeCount()).toBe(writes);
  });

  it("writes a value of the maximum size, and refuses one byte more before any call", async () => {
    const largest = "x".repeat(limits.maxValueBytes);
    expect(await target().connector.apply(diffOf({ create: { BIG: largest } }))).toMatchObject({ created: ["BIG"] });
    expect((await target().inspect()).get("BIG")).toBe(largest);
    const gate = recordingGate(10_000);
    const oversized = target()
      .connect({ calls: gate })
      .apply(diffOf({ create: { BIGGER: `${largest}y` } }));
    await expectConnectorError(oversized, "limit_exceeded");
    expect(gate.started).toBe(0);
  });

  it("round-trips unicode values, and unicode keys where the destination allows them", async () => {
    const unicodeKey = "CLÉ_密钥_🔑";
    const key = limits.keyPattern.test(unicodeKey) ? unicodeKey : "UNICODE_VALUE";
    const value = "päss wörd — 密码 🔑";
    expect(await target().connector.apply(diffOf({ create: { [key]: value } }))).toMatchObject({ created: [key] });
    expect(await target().inspect()).toEqual(new Map([[key, value]]));
    if (capabilities.readBack) expect(await target().connector.list()).toEqual(new Map([[key, value]]));
    if (!capabilities.readBack && capabilities.listKeys) {
      expect(await target().connector.listKeys?.()).toEqual(new Set([key]));
    }
  });
}
