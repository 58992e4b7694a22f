import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import {
  ConnectorError,
  type ConnectorErrorKind,
  type DestinationCalls,
  type DestinationConnector,
  type DestinationDiff,
} from "../../packages/connectors/contract/index.ts";

/**
 * One destination under test, bound to a fresh empty place at its provider's fake. The suite
 * only uses these controls, so any connector with a fake can run it.
 */
export interface DestinationConformanceTarget {
  /** Working credentials, fresh empty destination. */
  readonly connector: DestinationConnector;
  /** Same destination, credentials the provider refuses. */
  readonly connectorWithBadCredentials: DestinationConnector;
  /** Same config, pointed at an address where nothing listens. */
  readonly unreachableConnector: DestinationConnector;
  /** Credentials (good and bad) that must never appear in an error message. */
  readonly credentialTexts: readonly string[];
  /** Writes keys at the destination directly, as another writer would (merging with what is there). */
  seed(entries: Readonly<Record<string, string>>): Promise<void>;
  /** Reads the destination's keys and values directly from the fake, bypassing the connector (the only way to see values a write-only destination holds). */
  inspect(): Promise<Map<string, string>>;
  /** The next `count` provider calls answer `status`. */
  failNext(count: number, status: 500 | 503): void;
  /** The next `count` provider calls answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** Another connector to the same place, with the suite's own call gate and/or abort signal. */
  connect(options: { readonly calls?: DestinationCalls; readonly signal?: AbortSignal }): DestinationConnector;
  /** Every provider call waits `ms` first (0: none). */
  setLatency(ms: number): void;
  /** The next `count` provider calls are never answered. */
  hangNext(count: number): void;
  /** An apply's first `writes` write requests succeed, the next one answers 500 (requests before the writes pass). */
  failAfterWrites(writes: number): void;
  /** Write requests the provider has accepted (2xx) so far. */
  writeCount(): number;
  close(): Promise<void>;
}

/** A diff from plain records, for readable tests. */
export function diffOf(change: {
  create?: Record<string, string>;
  update?: Record<string, string>;
  delete?: string[];
}): DestinationDiff {
  return {
    create: new Map(Object.entries(change.create ?? {})),
    update: new Map(Object.entries(change.update ?? {})),
    delete: change.delete ?? [],
  };
}

/** An http URL on 127.0.0.1 whose port was free a moment ago and has nothing listening. */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Awaits `operation`, expecting a ConnectorError of `kind`; returns it for further checks. */
export async function expectConnectorError(
  operation: Promise<unknown>,
  kind: ConnectorErrorKind,
): Promise<ConnectorError> {
  const error = await operation.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ConnectorError of kind ${kind}`).toBeInstanceOf(ConnectorError);
  expect((error as ConnectorError).kind).toBe(kind);
  return error as ConnectorError;
}

/** Fails when any of `secrets` appears in the error's message. */
export function expectNoSecrets(error: Error, secrets: readonly string[]): void {
  for (const secret of secrets) expect(error.message).not.toContain(secret);
}
