import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorage } from "node:async_hooks";
import { isRestError, SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import {
  abortCause,
  ConnectorError,
  createDeadlineCalls,
  defaultEndpointGuard,
  endpointCheckOnce,
  type DestinationCalls,
  type EndpointGuard,
} from "../contract/index.ts";
import type { AzureConnectionCredentials } from "./azure-credentials.ts";
import { classifyAzureFailure, type AzureCallTarget, type AzureFailure } from "./azure-errors.ts";
import { KEY_VAULT_HOST_SUFFIXES } from "./azure-key-vault-config.ts";
import { createAzureTokenCredential, type AzureTokenCredential } from "./azure-token.ts";
import { azureTransportGuardPolicy } from "./azure-transport-policy.ts";

const tracer = trace.getTracer("syncline.connectors.azure-key-vault");

/** Default per-request deadline when no gate is given. */
export const DEFAULT_AZURE_TIMEOUT_MS = 10_000;
/** The Key Vault REST API version the client speaks (and the fake serves). */
export const KEY_VAULT_API_VERSION = "7.5";
/** Key Vault's largest list page. */
export const KEY_VAULT_PAGE_SIZE = 25;
/** Poll interval of Key Vault's long-running deletes and recoveries. */
const POLL_INTERVAL_MS = 500;

export interface KeyVaultClientOptions {
  readonly vaultUrl: string;
  readonly credentials: AzureConnectionCredentials;
  readonly signal?: AbortSignal;
  readonly calls?: DestinationCalls;
  readonly timeoutMs?: number;
  readonly endpointGuard?: EndpointGuard;
}

/** A secret's properties from a listing: no value. */
export interface KeyVaultSecretInfo {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly enabled: boolean;
  /** Backs a certificate: Key Vault manages it, Syncline never writes or deletes it. */
  readonly managed: boolean;
}

/** The Key Vault calls Syncline makes; every method throws `ConnectorError` already classified. */
export interface KeyVaultClient {
  /** Every active secret's properties, following `nextLink` (one gated call per page). */
  listSecrets(): Promise<KeyVaultSecretInfo[]>;
  /** The latest value, or undefined when the secret is absent (or deleted). */
  getSecretValue(name: string): Promise<string | undefined>;
  /** Writes a new version; a name in the deleted state is recovered first. Returns whether it recovered one. */
  setSecret(name: string, value: string, tags: Readonly<Record<string, string>>): Promise<{ recovered: boolean }>;
  /** Soft-deletes (and with `purge` purges) the secret; false when it was absent. */
  deleteSecret(name: string, purge: boolean): Promise<boolean>;
}

/** The gate call an SDK request belongs to: its signal, and what the pipeline saw of the raw answer. */
interface CallContext {
  readonly signal: AbortSignal;
  /** `nextLink` of the last list page answered (null when it was the last page). */
  nextLink?: string | null;
  /** Body of the last error answer: the SDK keeps only `error.code` and `error.message`, not `innererror`. */
  errorBody?: string;
}

const callContext = new AsyncLocalStorage<CallContext>();

type PipelinePolicy = NonNullable<SecretClientOptions["additionalPolicies"]>[number]["policy"];

/**
 * Gives every HTTP request of the SDK (challenge, token, later list pages and poller requests,
 * which the SDK sends without the caller's options) the gate's signal, and keeps what the SDK
 * drops: list pages' `nextLink` and error bodies.
 */
const gatePolicy: PipelinePolicy = {
  name: "synclineCallGate",
  async sendRequest(request, next) {
    const context = callContext.getStore();
    if (context) request.abortSignal = context.signal;
    const response = await next(request);
    if (context) {
      if (response.status >= 300) context.errorBody = response.bodyAsText ?? undefined;
      else if (request.method === "GET" && /\/secrets\/?$/.test(new URL(request.url).pathname))
        context.nextLink = nextLinkOf(response.bodyAsText);
    }
    return response;
  },
};

/**
 * Builds a client on `@azure/keyvault-secrets` (no I/O): the SDK's retries and redirects off (the
 * worker's failure policy decides), API version pinned, tokens from Syncline's own cache (fetched
 * again once when Key Vault refuses one), every request through the gate with its signal,
 * classified inside it, in a CLIENT span without values. The challenge's resource is verified
 * against the vault's host for Azure's own Key Vault hosts; for another host (a private endpoint
 * alias, a fake) the token's scope is still limited to Key Vault's resources by the credential.
 */
export function createKeyVaultClient(options: KeyVaultClientOptions): KeyVaultClient {
  const vaultUrl = options.vaultUrl;
  const host = new URL(vaultUrl).hostname;
  const checkEndpoint = endpointCheckOnce(options.endpointGuard, vaultUrl);
  const calls =
    options.calls ??
    createDeadlineCalls({
      timeoutMs: options.timeoutMs ?? DEFAULT_AZURE_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const credential: AzureTokenCredential = createAzureTokenCredential(options.credentials, {
    ...(options.endpointGuard ? { endpointGuard: options.endpointGuard } : {}),
    currentSignal: () => callContext.getStore()?.signal,
  });
  const newClient = () =>
    new SecretClient(vaultUrl, credential, {
      serviceVersion: KEY_VAULT_API_VERSION,
      retryOptions: { maxRetries: 0 },
      redirectOptions: { maxRetries: 0 },
      additionalPolicies: [
        { policy: gatePolicy, position: "perCall" },
        { policy: azureTransportGuardPolicy(options.endpointGuard ?? defaultEndpointGuard()), position: "perRetry" },
      ],
      disableChallengeResourceVerification: !KEY_VAULT_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix)),
    });
  let client = newClient();
  let tokenAccepted = false;

  /** Runs an operation; when Key Vault refuses a token it accepted before, drops it and runs the operation once more. */
  async function withTokenRefresh<T>(operation: () => Promise<T>): Promise<T> {
    const hadToken = tokenAccepted;
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof ConnectorError && error.kind === "auth" && hadToken)) throw error;
      credential.invalidate();
      client = newClient();
      tokenAccepted = false;
      return operation();
    }
  }

  /** One gated call of the SDK (one request, or a poller's few), classified inside the gate. */
  async function gated<T>(
    operation: AzureCallTarget["operation"],
    secretName: string | undefined,
    secrets: readonly string[],
    request: (client: SecretClient, context: CallContext) => Promise<T>,
  ): Promise<T> {
    await checkEndpoint();
    const target: AzureCallTarget = { operation, endpoint: vaultUrl, ...(secretName ? { secretName } : {}) };
    const attributes = {
      "server.address": host,
      "azure.key_vault.operation": operation,
      ...(secretName ? { "azure.key_vault.secret_name": secretName } : {}),
    };
    return calls.call(`azure key vault ${operation}`, (gateSignal) => {
      const signal = options.calls && options.signal ? AbortSignal.any([gateSignal, options.signal]) : gateSignal;
      const context: CallContext = { signal };
      return tracer.startActiveSpan(`azure key vault ${operation}`, { kind: SpanKind.CLIENT, attributes }, (span) =>
        callContext.run(context, async () => {
          try {
            const result = await request(client, context);
            tokenAccepted = true;
            return result;
          } catch (error) {
            const classified =
              error instanceof ConnectorError
                ? error
                : classifyAzureFailure(failureOf(error, context), target, [
                    options.credentials.clientSecret,
                    ...secrets,
                  ]);
            const status = isRestError(error) ? error.statusCode : undefined;
            if (status !== undefined) span.setAttribute("http.response.status_code", status);
            span.setAttribute("error.type", status !== undefined ? String(status) : classified.kind);
            span.setStatus({ code: SpanStatusCode.ERROR, message: classified.kind });
            throw classified;
          } finally {
            span.end();
          }
        }),
      );
    });
  }

  async function listSecrets(): Promise<KeyVaultSecretInfo[]> {
    const pages = client.listPropertiesOfSecrets().byPage({ maxPageSize: KEY_VAULT_PAGE_SIZE });
    const secrets: KeyVaultSecretInfo[] = [];
    for (let more = true; more; ) {
      const page = await gated("list secrets", undefined, [], async (_client, context) => {
        const result = await pages.next();
        // The SDK's pages drop `continuationToken`: the raw answer's `nextLink` says whether another follows.
        more = !result.done && typeof context.nextLink === "string" && context.nextLink !== "";
        return result;
      });
      if (page.done) break;
      for (const properties of page.value) {
        secrets.push({
          name: properties.name,
          tags: properties.tags ?? {},
          enabled: properties.enabled !== false,
          managed: properties.managed === true,
        });
      }
    }
    return secrets;
  }

  async function setSecret(name: string, value: string, tags: Readonly<Record<string, string>>) {
    const write = () =>
      gated("write secret", name, [value], async (c, context) => {
        try {
          return await c.setSecret(name, value, { tags: { ...tags } });
        } catch (error) {
          const deleted =
            isRestError(error) &&
            error.statusCode === 409 &&
            parseBody(context.errorBody).innerCode === "ObjectIsDeletedButRecoverable";
          throw deleted ? new DeletedButRecoverable(name) : error;
        }
      });
    try {
      await write();
      return { recovered: false };
    } catch (error) {
      if (!(error instanceof DeletedButRecoverable)) throw error;
    }
    await gated("recover secret", name, [], async (c, context) => {
      const poller = await c.beginRecoverDeletedSecret(name, { intervalInMs: POLL_INTERVAL_MS });
      await poller.pollUntilDone({ abortSignal: context.signal });
    });
    await write();
    return { recovered: true };
  }

  async function deleteSecret(name: string, purge: boolean): Promise<boolean> {
    try {
      await gated("delete secret", name, [], async (c, context) => {
        const poller = await c.beginDeleteSecret(name, { intervalInMs: POLL_INTERVAL_MS });
        if (purge) await poller.pollUntilDone({ abortSignal: context.signal });
      });
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === "not_found") return false;
      throw error;
    }
    if (purge) await gated("purge secret", name, [], (c) => c.purgeDeletedSecret(name));
    return true;
  }

  return {
    listSecrets: () => withTokenRefresh(listSecrets),
    async getSecretValue(name) {
      try {
        return await withTokenRefresh(() =>
          gated("read secret", name, [], async (c) => (await c.getSecret(name)).value ?? ""),
        );
      } catch (error) {
        if (error instanceof ConnectorError && error.kind === "not_found") return undefined;
        throw error;
      }
    },
    setSecret: (name, value, tags) => withTokenRefresh(() => setSecret(name, value, tags)),
    deleteSecret: (name, purge) => withTokenRefresh(() => deleteSecret(name, purge)),
  };
}

/** Thrown inside a write's gate call when the name is soft-deleted: the client recovers it, then writes again. */
class DeletedButRecoverable extends ConnectorError {
  constructor(name: string) {
    super("conflict", `secret ${name} is deleted but recoverable`);
  }
}

/** What an SDK failure was: an HTTP answer (with Azure's error body), a deadline, a cancellation or the network. */
function failureOf(error: unknown, context: CallContext): AzureFailure {
  if (context.signal.aborted) return abortCause(context.signal);
  if (isRestError(error) && error.statusCode !== undefined) {
    const body = parseBody(context.errorBody);
    return {
      kind: "response",
      status: error.statusCode,
      code: body.code || (error.code ?? ""),
      innerCode: body.innerCode,
      message: body.message || error.message,
      retryAfter: error.response?.headers.get("retry-after") ?? null,
    };
  }
  return { kind: "network", cause: error };
}

function nextLinkOf(text: string | null | undefined): string | null {
  try {
    const link = (JSON.parse(text ?? "") as { nextLink?: unknown }).nextLink;
    return typeof link === "string" && link !== "" ? link : null;
  } catch {
    return null;
  }
}

function parseBody(text: string | null | undefined): { code: string; innerCode: string; message: string } {
  try {
    const error = (
      JSON.parse(text ?? "") as { error?: { code?: unknown; message?: unknown; innererror?: { code?: unknown } } }
    ).error;
    return {
      code: typeof error?.code === "string" ? error.code : "",
      innerCode: typeof error?.innererror?.code === "string" ? error.innererror.code : "",
      message: typeof error?.message === "string" ? error.message : "",
    };
  } catch {
    return { code: "", innerCode: "", message: "" };
  }
}
