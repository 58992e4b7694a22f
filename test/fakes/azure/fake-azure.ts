import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createWriteLog, type FakeLoggedWrite } from "../write-log.ts";
import { createFaults, type FakeAzureFaults } from "./faults.ts";
import {
  faultResponse,
  handleTokenRequest,
  handleVaultRequest,
  isSecretWrite,
  isTokenRequest,
  type FakeAzureApplication,
  type FakeAzureRequest,
  type FakeAzureResponse,
  type FakeAzureState,
} from "./routes.ts";
import { createSecretStore, type FakeSecretVersion } from "./secret-store.ts";
import { fakeTlsIdentity } from "./tls.ts";

export type { FakeAzureFaults } from "./faults.ts";
export type { FakeAzureApplication } from "./routes.ts";
export { trustFakeAzureCa, fakeTlsIdentity } from "./tls.ts";

export interface FakeAzureOptions {
  /** The one application the identity platform knows; defaults to a fixed tenant, client and secret. */
  readonly application?: Partial<FakeAzureApplication>;
  /** Lifetime of issued access tokens; default 3599 s, as Entra ID issues. */
  readonly tokenLifetimeSeconds?: number;
  /** Key Vault API versions served; default 7.4, 7.5 and 7.6. */
  readonly apiVersions?: readonly string[];
  /** Port on 127.0.0.1; default 0 (a free port). */
  readonly port?: number;
}

/** One request the fake received: never a body or header value, so it is safe to print. */
export interface FakeAzureLoggedRequest {
  readonly method: string;
  /** Path without query, e.g. `/secrets/DB-URL`. */
  readonly path: string;
  /** `token` for the identity platform, `vault` for Key Vault. */
  readonly service: "token" | "vault";
  /** Status answered; 0 when the request was left hanging or its client went away. */
  readonly status: number;
}

/** A secret as `inspect` shows it: the latest version of an active (not deleted) secret. */
export interface FakeAzureSecret {
  readonly name: string;
  readonly value: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly enabled: boolean;
  readonly versions: number;
}

/** A running fake Microsoft identity platform + Key Vault on one https origin, and its test controls. */
export interface FakeAzure {
  /** `https://127.0.0.1:PORT`: both the vault URL and the authority host. */
  readonly url: string;
  readonly application: FakeAzureApplication;
  readonly faults: FakeAzureFaults;
  readonly requests: readonly FakeAzureLoggedRequest[];
  /** Active secrets by name (as first created), latest versions. */
  secrets(): Map<string, FakeAzureSecret>;
  /** Names of soft-deleted (recoverable) secrets. */
  deletedNames(): string[];
  /** Writes a new version directly (no HTTP); `managed` marks a certificate's backing secret. */
  seed(
    name: string,
    value: string,
    options?: { tags?: Record<string, string>; managed?: boolean; enabled?: boolean },
  ): void;
  /** Soft-deletes a secret directly, as another client would. */
  softDelete(name: string): void;
  /** Makes every issued access token invalid (a revoked session); the next call needs a new token. */
  revokeTokens(): void;
  /** Every value written through the API, in order. Values are secret: assert on them, never print them. */
  writeLog(): readonly FakeLoggedWrite[];
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Starts a protocol-faithful fake of the Microsoft identity platform's token endpoint
 * (`/{tenant}/oauth2/v2.0/token`, client credentials) and Key Vault's secrets API over TLS on
 * 127.0.0.1: the challenge (401 + `WWW-Authenticate`) the SDK expects first, bearer tokens it
 * issued, `api-version`, `nextLink` paging, soft delete (deleted state, 409
 * `ObjectIsDeletedButRecoverable`, recover, purge), Azure error bodies and 429 with `Retry-After`.
 * Faults apply to Key Vault requests only; a request whose client went away has no effect.
 */
export async function startFakeAzure(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  const application: FakeAzureApplication = {
    tenantId: "3f7c2a10-5b8e-4d21-9c6f-0a1b2c3d4e5f",
    clientId: "0b5a6c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d",
    clientSecret: "fake~client.secret-0123456789abcdef",
    ...options.application,
  };
  const store = createSecretStore();
  const faults = createFaults();
  const requests: FakeAzureLoggedRequest[] = [];
  const writeLog = createWriteLog();
  const tokens = new Map<string, number>();
  const { key, cert } = fakeTlsIdentity();
  let state: FakeAzureState | undefined;
  let closed = false;

  async function answer(request: FakeAzureRequest, gone: () => boolean): Promise<FakeAzureResponse | undefined> {
    const current = state as FakeAzureState;
    if (isTokenRequest(request)) return handleTokenRequest(request, current);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const write = isSecretWrite(request) && /^Bearer /i.test(request.headers.authorization ?? "");
    const decision = gone() ? ({ kind: "hang" } as const) : faults.decide(write);
    if (decision.kind === "hang") return undefined;
    if (decision.kind !== "none") return faultResponse(decision);
    if (request.body.length > MAX_REQUEST_BYTES)
      return { status: 413, body: { error: { code: "RequestTooLarge", message: "The request is too large." } } };
    const response = handleVaultRequest(request, current);
    if (write && response.status < 300) faults.wrote();
    return response;
  }

  const server = createServer({ key, cert }, async (req: IncomingMessage, res: ServerResponse) => {
    let gone = false;
    res.on("close", () => (gone = !res.writableEnded));
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    const url = new URL(req.url ?? "/", "https://fake-azure");
    const headers: Record<string, string | undefined> = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]),
    );
    const request: FakeAzureRequest = {
      method: req.method ?? "GET",
      pathname: url.pathname,
      query: url.searchParams,
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    const response = await answer(request, () => gone);
    requests.push({
      method: request.method,
      path: request.pathname,
      service: isTokenRequest(request) ? "token" : "vault",
      status: response && !gone ? response.status : 0,
    });
    if (!response || closed || res.destroyed) return;
    const body = response.body === undefined ? undefined : JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...(body ? { "Content-Type": "application/json; charset=utf-8" } : {}),
      "x-ms-keyvault-service-version": "1.9.0.0",
      ...response.headers,
    });
    res.end(body);
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `https://127.0.0.1:${port}`;
  state = {
    origin,
    application,
    store,
    tokens,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    apiVersions: new Set(options.apiVersions ?? ["7.4", "7.5", "7.6"]),
    onWrite: (name, value) => writeLog.record(origin, name, value),
  };

  const latest = (versions: readonly FakeSecretVersion[]) => versions.at(-1) as FakeSecretVersion;
  return {
    url: origin,
    application,
    faults,
    requests,
    secrets() {
      const result = new Map<string, FakeAzureSecret>();
      for (const secret of store.all()) {
        if (secret.deleted) continue;
        const { value, tags, enabled } = latest(secret.versions);
        result.set(secret.name, {
          name: secret.name,
          value,
          tags: { ...tags },
          enabled,
          versions: secret.versions.length,
        });
      }
      return result;
    },
    deletedNames: () =>
      store
        .all()
        .filter((s) => s.deleted)
        .map((s) => s.name),
    seed(name, value, seedOptions = {}) {
      if (store.get(name)?.deleted) throw new Error(`fake azure: ${name} is deleted; recover or purge it first`);
      store.set(
        name,
        { value, tags: seedOptions.tags ?? {}, contentType: undefined, enabled: seedOptions.enabled ?? true },
        seedOptions.managed,
      );
    },
    softDelete(name) {
      if (!store.softDelete(name)) throw new Error(`fake azure: no active secret ${name}`);
    },
    revokeTokens: () => tokens.clear(),
    writeLog: () => writeLog.entries(),
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
  };
}
