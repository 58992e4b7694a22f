import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { isRestError, SecretClient } from "@azure/keyvault-secrets";
import {
  abortCause,
  ConnectorError,
  createDeadlineCalls,
  endpointCheckOnce,
  type DestinationCalls,
  type EndpointGuard,
} from "../contract/index.ts";
import type { AzureConnectionCredentials } from "./azure-credentials.ts";
import { classifyAzureFailure, type AzureCallTarget, type AzureFailure } from "./azure-errors.ts";
import { KEY_VAULT_HOST_SUFFIXES } from "./azure-key-vault-config.ts";
import { createAzureTokenCredential, type AzureTokenCredential } from "./azure-token.ts";

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

/**
 * Builds a client on `@azure/keyvault-secrets` (no I/O): the SDK's retries and redirects off (the
 * worker's failure policy decides), API version pinned, tokens from Syncline's own cache, every
 * request through the gate with its signal, classified inside it, in a CLIENT span without values.
 * The challenge's resource is verified against the vault's host for Azure's own Key Vault hosts;
 * for another host (a private endpoint alias, a fake) the token's scope is still limited to Key
 * Vault's resources by the credential.
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
  });
  const newClient = () =>
    new SecretClient(vaultUrl, credential, {
      serviceVersion: KEY_VAULT_API_VERSION,
      retryOptions: { maxRetries: 0 },
      redirectOptions: { maxRetries: 0 },
      disableChallengeResourceVerification: !KEY_VAULT_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix)),
    });
  let client = newClient();
  let tokenUsed = false;

  /** One gated request; on a 401 after a token was accepted before, drops the token and asks once more. */
  async function call<T>(
    operation: AzureCallTarget["operation"],
    secretName: string | undefined,
    secrets: readonly string[],
    request: (client: SecretClient, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    try {
      return await gated(operation, secretName, secrets, request);
    } catch (error) {
      if (!(error instanceof ConnectorError && error.kind === "auth" && tokenUsed)) throw error;
      credential.invalidate();
      client = newClient();
      tokenUsed = false;
      return gated(operation, secretName, secrets, request);
    }
  }

  async function gated<T>(
    operation: AzureCallTarget["operation"],
    secretName: string | undefined,
    secrets: readonly string[],
    request: (client: SecretClient, signal: AbortSignal) => Promise<T>,
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
      return tracer.startActiveSpan(
        `azure key vault ${operation}`,
        { kind: SpanKind.CLIENT, attributes },
        async (span) => {
          try {
            const result = await request(client, signal);
            tokenUsed = true;
            return result;
          } catch (error) {
            const classified =
              error instanceof ConnectorError
                ? error
                : classifyAzureFailure(failureOf(error, signal), target, [
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
        },
      );
    });
  }

  return {
    async listSecrets() {
      const relay = new AbortController();
      // The SDK's mapped pages drop `continuationToken`: the raw answer's `nextLink` says whether another page follows.
      let nextLink: unknown;
      const pages = client
        .listPropertiesOfSecrets({
          abortSignal: relay.signal,
          onResponse: (response) => {
            nextLink = (response.parsedBody as { nextLink?: unknown } | undefined)?.nextLink;
          },
        })
        .byPage({ maxPageSize: KEY_VAULT_PAGE_SIZE });
      const secrets: KeyVaultSecretInfo[] = [];
      for (let more = true; more; ) {
        nextLink = undefined;
        const page = await call("list secrets", undefined, [], async (_client, signal) => {
          const forward = () => relay.abort(signal.reason);
          signal.addEventListener("abort", forward, { once: true });
          try {
            return await pages.next();
          } finally {
            signal.removeEventListener("abort", forward);
          }
        });
        if (page.done) break;
        more = typeof nextLink === "string" && nextLink !== "";
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
    },
    async getSecretValue(name) {
      try {
        return await call(
          "read secret",
          name,
          [],
          async (c, abortSignal) => (await c.getSecret(name, { abortSignal })).value ?? "",
        );
      } catch (error) {
        if (error instanceof ConnectorError && error.kind === "not_found") return undefined;
        throw error;
      }
    },
    async setSecret(name, value, tags) {
      const write = () =>
        call("write secret", name, [value], async (c, abortSignal) => {
          try {
            return await c.setSecret(name, value, { tags: { ...tags }, abortSignal });
          } catch (error) {
            const deleted =
              isRestError(error) &&
              error.statusCode === 409 &&
              parseBody(error.response?.bodyAsText).innerCode === "ObjectIsDeletedButRecoverable";
            throw deleted ? new DeletedButRecoverable(name) : error;
          }
        });
      try {
        await write();
        return { recovered: false };
      } catch (error) {
        if (!(error instanceof DeletedButRecoverable)) throw error;
      }
      await call("recover secret", name, [], async (c, abortSignal) => {
        const poller = await c.beginRecoverDeletedSecret(name, { abortSignal, intervalInMs: POLL_INTERVAL_MS });
        await poller.pollUntilDone({ abortSignal });
      });
      await write();
      return { recovered: true };
    },
    async deleteSecret(name, purge) {
      try {
        await call("delete secret", name, [], async (c, abortSignal) => {
          const poller = await c.beginDeleteSecret(name, { abortSignal, intervalInMs: POLL_INTERVAL_MS });
          if (purge) await poller.pollUntilDone({ abortSignal });
        });
      } catch (error) {
        if (error instanceof ConnectorError && error.kind === "not_found") return false;
        throw error;
      }
      if (purge) await call("purge secret", name, [], (c, abortSignal) => c.purgeDeletedSecret(name, { abortSignal }));
      return true;
    },
  };
}

/** Thrown inside a write's gate call when the name is soft-deleted: the client recovers it, then writes again. */
class DeletedButRecoverable extends ConnectorError {
  constructor(name: string) {
    super("conflict", `secret ${name} is deleted but recoverable`);
  }
}

/** What an SDK failure was: an HTTP answer (with Azure's error body), a deadline, a cancellation or the network. */
function failureOf(error: unknown, signal: AbortSignal): AzureFailure {
  if (signal.aborted) return abortCause(signal);
  if (isRestError(error) && error.statusCode !== undefined) {
    const body = parseBody(error.response?.bodyAsText);
    return {
      kind: "response",
      status: error.statusCode,
      code: body.code || (error.code ?? ""),
      innerCode: body.innerCode,
      message: body.message,
      retryAfter: error.response?.headers.get("retry-after") ?? null,
    };
  }
  return { kind: "network", cause: error };
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
