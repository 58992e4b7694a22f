import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  DestinationCapabilities,
  DestinationConnector,
  DestinationLimits,
} from "../../packages/connectors/contract/index.ts";
import { describeCallConformance } from "./conformance-calls.ts";
import {
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  type DestinationConformanceTarget,
} from "./conformance-support.ts";

export {
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  unreachableUrl,
  type DestinationConformanceTarget,
} from "./conformance-support.ts";

const value = "conformance-value-7f3a9c";

/**
 * What a destination can read back: its descriptor's capabilities. A write-only destination sets
 * `readBack: false` (and `listKeys` when it lists names); the suite then checks values only
 * through the fake's `inspect`.
 */
export type ReadCapabilities = Pick<DestinationCapabilities, "readBack" | "listKeys"> & {
  readonly batchWrites?: boolean;
};

/** The place under test: the destination's limits and how many keys this place may hold. */
export interface ConformancePlace {
  readonly limits: DestinationLimits;
  readonly capacity: number;
}

/** The cheapest read a destination offers: values, names, or at least a validation call. */
function probe(capabilities: ReadCapabilities, connector: DestinationConnector): Promise<unknown> {
  if (capabilities.readBack) return connector.list();
  if (capabilities.listKeys && connector.listKeys) return connector.listKeys();
  return connector.validate();
}

/**
 * The behaviour every destination connector owes the worker (DESIGN.md §3-4): read-back where
 * declared (values through `list`, or names through `listKeys`, and `unsupported` otherwise),
 * exact outcomes, untouched foreign keys, idempotent removal, failures classified as data with
 * messages free of credentials and values, and every request through the call gate
 * (`describeCallConformance`: deadlines, aborts, partial outcomes, sizes, unicode).
 */
export function describeDestinationConformance(
  name: string,
  setup: () => Promise<DestinationConformanceTarget>,
  capabilities: ReadCapabilities,
  place: ConformancePlace,
): void {
  describe(`${name} destination conformance`, () => {
    let target: DestinationConformanceTarget;
    beforeEach(async () => {
      target = await setup();
    });
    afterEach(async () => {
      await target.close();
    });

    const readBack = capabilities.readBack;
    const listsKeys = !capabilities.readBack && capabilities.listKeys === true;

    it("lists an empty destination as no keys", async () => {
      if (readBack) expect(await target.connector.list()).toEqual(new Map());
      if (listsKeys) expect(await target.connector.listKeys?.()).toEqual(new Set());
      expect(await target.inspect()).toEqual(new Map());
    });

    it.skipIf(capabilities.readBack)(
      "refuses to read values back with unsupported, and offers listKeys exactly when it declares so",
      async () => {
        await target.seed({ A: value });
        const error = await expectConnectorError(target.connector.list(), "unsupported");
        expectNoSecrets(error, [...target.credentialTexts, value]);
        expect(typeof target.connector.listKeys === "function").toBe(listsKeys);
      },
    );

    it("applies creates, updates and deletes, reports them, and lists them back", async () => {
      const first = await target.connector.apply(diffOf({ create: { A: "1", B: "2", C: "3" } }));
      expect([...first.created].sort()).toEqual(["A", "B", "C"]);
      expect(first.updated).toEqual([]);
      expect(first.deleted).toEqual([]);
      const second = await target.connector.apply(diffOf({ create: { D: "4" }, update: { A: "one" }, delete: ["B"] }));
      expect(second).toEqual({ created: ["D"], updated: ["A"], deleted: ["B"] });
      const expected = new Map([
        ["A", "one"],
        ["C", "3"],
        ["D", "4"],
      ]);
      if (readBack) expect(await target.connector.list()).toEqual(expected);
      if (listsKeys) expect(await target.connector.listKeys?.()).toEqual(new Set(expected.keys()));
      expect(await target.inspect()).toEqual(expected);
    });

    it("leaves keys outside the diff untouched, and lists them", async () => {
      await target.seed({ FOREIGN: "kept", OWNED: "old" });
      await target.connector.apply(diffOf({ create: { NEW: "n" }, update: { OWNED: "new" } }));
      const expected = new Map([
        ["FOREIGN", "kept"],
        ["OWNED", "new"],
        ["NEW", "n"],
      ]);
      expect(await target.inspect()).toEqual(expected);
      if (readBack) expect(await target.connector.list()).toEqual(expected);
      if (listsKeys) expect(await target.connector.listKeys?.()).toEqual(new Set(expected.keys()));
    });

    it("removes present keys and accepts absent ones", async () => {
      await target.seed({ A: "1", B: "2" });
      expect(await target.connector.remove(["A", "MISSING"])).toEqual({ created: [], updated: [], deleted: ["A"] });
      expect(await target.connector.remove(["MISSING"])).toEqual({ created: [], updated: [], deleted: [] });
      expect(await target.inspect()).toEqual(new Map([["B", "2"]]));
    });

    it("classifies refused credentials as auth, without echoing them", async () => {
      const error = await expectConnectorError(
        target.connectorWithBadCredentials.apply(diffOf({ create: { A: value } })),
        "auth",
      );
      expectNoSecrets(error, [...target.credentialTexts, value]);
      await expectConnectorError(target.connectorWithBadCredentials.validate(), "auth");
    });

    it("classifies 429 as rate_limited with the server's Retry-After", async () => {
      target.rateLimitNext(1, 7);
      const error = await expectConnectorError(probe(capabilities, target.connector), "rate_limited");
      expect(error.retryAfterMs).toBe(7_000);
    });

    for (const status of [500, 503] as const) {
      it(`classifies ${status} as transient and writes nothing`, async () => {
        target.failNext(1, status);
        const error = await expectConnectorError(target.connector.apply(diffOf({ create: { A: value } })), "transient");
        expectNoSecrets(error, [...target.credentialTexts, value]);
        expect(await target.inspect()).toEqual(new Map());
      });
    }

    it("classifies an unreachable endpoint as transient", async () => {
      const error = await expectConnectorError(probe(capabilities, target.unreachableConnector), "transient");
      expectNoSecrets(error, target.credentialTexts);
    });

    describeCallConformance(() => target, { capabilities, ...place });
  });
}
