import { randomBytes } from "node:crypto";
import type { FaultDecision } from "./faults.ts";
import { RETENTION_DAYS, type FakeSecret, type FakeSecretStore, type FakeSecretVersion } from "./secret-store.ts";

/** One parsed request to the fake (token endpoint or Key Vault). */
export interface FakeAzureRequest {
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface FakeAzureResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The application (service principal) the fake's identity platform knows. */
export interface FakeAzureApplication {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** What the routes read and change. */
export interface FakeAzureState {
  /** `https://127.0.0.1:PORT`: the vault URL and the authority host. */
  readonly origin: string;
  readonly application: FakeAzureApplication;
  readonly store: FakeSecretStore;
  /** Issued access tokens and when they expire (ms). */
  readonly tokens: Map<string, number>;
  readonly tokenLifetimeSeconds: number;
  readonly apiVersions: ReadonlySet<string>;
  readonly onWrite: (name: string, value: string) => void;
}

/** Key Vault's documented limits the fake enforces. */
export const KEY_VAULT_LIMITS = {
  maxValueBytes: 25 * 1024,
  maxTags: 15,
  maxTagNameChars: 512,
  maxTagValueChars: 256,
  maxPageSize: 25,
  namePattern: /^[0-9a-zA-Z-]{1,127}$/,
};

/** The resource Key Vault names in its challenge and whose `/.default` scope a token must carry. */
export const KEY_VAULT_RESOURCE = "https://vault.azure.net";

const azureError = (status: number, code: string, message: string, inner?: string): FakeAzureResponse => ({
  status,
  body: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } },
});

/** The answer to an injected fault, in Key Vault's error shape. */
export function faultResponse(decision: Exclude<FaultDecision, { kind: "none" | "hang" }>): FakeAzureResponse {
  if (decision.kind === "rate_limit") {
    return {
      ...azureError(429, "Throttled", "Request was not processed because too many requests were received. Reason: A1"),
      headers: { "Retry-After": String(decision.retryAfterSeconds) },
    };
  }
  return azureError(
    decision.status,
    decision.status === 503 ? "ServiceUnavailable" : "InternalServerError",
    "The service encountered an internal error. Please retry the request.",
  );
}

/** True for a request to the identity platform's token endpoint rather than the vault. */
export function isTokenRequest(request: FakeAzureRequest): boolean {
  return /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(request.pathname);
}

/** True for a request that writes a secret value (PUT /secrets/{name}). */
export function isSecretWrite(request: FakeAzureRequest): boolean {
  return request.method === "PUT" && /^\/secrets\/[^/]+\/?$/.test(request.pathname);
}

const aadError = (status: number, error: string, code: number, description: string): FakeAzureResponse => ({
  status,
  body: {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${randomBytes(8).toString("hex")}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
  },
});

/** `POST /{tenant}/oauth2/v2.0/token`: the client credentials grant with a client secret. */
export function handleTokenRequest(request: FakeAzureRequest, state: FakeAzureState): FakeAzureResponse {
  const tenant = decodeURIComponent(request.pathname.split("/")[1] ?? "");
  if (request.method !== "POST") return aadError(405, "invalid_request", 900561, "The endpoint only accepts POST.");
  const form = new URLSearchParams(request.body);
  const app = state.application;
  if (tenant.toLowerCase() !== app.tenantId.toLowerCase()) {
    return aadError(400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
  }
  if (form.get("grant_type") !== "client_credentials") {
    return aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
  }
  if (form.get("client_id") !== app.clientId) {
    return aadError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${form.get("client_id") ?? ""}' was not found in the directory.`,
    );
  }
  if (form.get("client_secret") !== app.clientSecret) {
    return aadError(401, "invalid_client", 7000215, "Invalid client secret provided.");
  }
  if (form.get("scope") !== `${KEY_VAULT_RESOURCE}/.default`) {
    return aadError(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid.");
  }
  const token = `fake-aad.${randomBytes(24).toString("base64url")}`;
  state.tokens.set(token, Date.now() + state.tokenLifetimeSeconds * 1000);
  return {
    status: 200,
    body: {
      token_type: "Bearer",
      expires_in: state.tokenLifetimeSeconds,
      ext_expires_in: state.tokenLifetimeSeconds,
      access_token: token,
    },
  };
}

/** Key Vault's secrets API (the calls `SecretClient` makes), after the challenge and token checks. */
export function handleVaultRequest(request: FakeAzureRequest, state: FakeAzureState): FakeAzureResponse {
  const version = request.query.get("api-version");
  if (!version) return azureError(400, "BadParameter", "The 'api-version' query parameter is missing.");
  if (!state.apiVersions.has(version)) {
    return azureError(400, "BadParameter", `The specified version (${version}) is not recognized.`);
  }
  const authorization = request.headers.authorization ?? "";
  const challenge = {
    "WWW-Authenticate": `Bearer authorization="${state.origin}/${state.application.tenantId}", resource="${KEY_VAULT_RESOURCE}"`,
  };
  if (!/^Bearer /i.test(authorization)) {
    return {
      ...azureError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."),
      headers: challenge,
    };
  }
  const expiry = state.tokens.get(authorization.slice(7).trim());
  if (expiry === undefined || expiry <= Date.now()) {
    return {
      ...azureError(401, "Unauthorized", "AKV10032: Invalid issuer, or the token has expired."),
      headers: challenge,
    };
  }
  const [, collection, rawName, rawVersion, action] = request.pathname.split("/");
  const name = decodeURIComponent(rawName ?? "");
  if (collection === "secrets" && !rawName && request.method === "GET") return listSecrets(request, state);
  if (rawName !== undefined && rawName !== "" && !KEY_VAULT_LIMITS.namePattern.test(name)) {
    return azureError(400, "BadParameter", `The request URI contains an invalid name: ${name.slice(0, 130)}`);
  }
  if (collection === "secrets" && name) {
    if (request.method === "PUT" && !rawVersion) return setSecret(name, request, state);
    if (request.method === "GET") return getSecret(name, rawVersion ?? "", state);
    if (request.method === "DELETE" && !rawVersion) return deleteSecret(name, state);
  }
  if (collection === "deletedsecrets" && name) {
    const secret = state.store.get(name);
    if (request.method === "GET" && !rawVersion) {
      return secret?.deleted ? { status: 200, body: deletedBundle(secret, state) } : deletedNotFound(name);
    }
    if (request.method === "POST" && rawVersion === "recover" && !action) {
      const recovered = state.store.recover(name);
      return recovered ? { status: 200, body: bundle(recovered, latest(recovered), state) } : deletedNotFound(name);
    }
    if (request.method === "DELETE" && !rawVersion) {
      return state.store.purge(name) ? { status: 204 } : deletedNotFound(name);
    }
  }
  return azureError(404, "NotFound", `The requested resource ${request.method} ${request.pathname} was not found.`);
}

function listSecrets(request: FakeAzureRequest, state: FakeAzureState): FakeAzureResponse {
  const size = Number(request.query.get("maxresults") ?? KEY_VAULT_LIMITS.maxPageSize);
  if (!Number.isInteger(size) || size < 1 || size > KEY_VAULT_LIMITS.maxPageSize) {
    return azureError(400, "BadParameter", "The value of 'maxresults' must be between 1 and 25.");
  }
  const start = Number(request.query.get("$skiptoken") ?? "0");
  const active = state.store.all().filter((secret) => !secret.deleted);
  const page = active.slice(start, start + size);
  const next = start + size < active.length ? start + size : undefined;
  return {
    status: 200,
    body: {
      value: page.map((secret) => {
        const { id: _id, value: _value, kid: _kid, ...item } = bundle(secret, latest(secret), state);
        return { ...item, id: `${state.origin}/secrets/${secret.name}` };
      }),
      nextLink:
        next === undefined
          ? null
          : `${state.origin}/secrets?api-version=${request.query.get("api-version")}&$skiptoken=${next}&maxresults=${size}`,
    },
  };
}

function setSecret(name: string, request: FakeAzureRequest, state: FakeAzureState): FakeAzureResponse {
  const existing = state.store.get(name);
  if (existing?.deleted) {
    return azureError(
      409,
      "Conflict",
      `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      "ObjectIsDeletedButRecoverable",
    );
  }
  let body: { value?: unknown; tags?: unknown; contentType?: unknown; attributes?: { enabled?: unknown } };
  try {
    body = JSON.parse(request.body) as typeof body;
  } catch {
    return azureError(400, "BadParameter", "The request body is not valid JSON.");
  }
  if (typeof body.value !== "string") return azureError(400, "BadParameter", "Property 'value' is required.");
  if (Buffer.byteLength(body.value, "utf8") > KEY_VAULT_LIMITS.maxValueBytes) {
    return azureError(413, "RequestEntityTooLarge", "The secret value exceeds the maximum allowed size of 25 KB.");
  }
  const tags = (body.tags ?? {}) as Record<string, string>;
  const tagEntries = Object.entries(tags);
  if (
    tagEntries.length > KEY_VAULT_LIMITS.maxTags ||
    tagEntries.some(
      ([k, v]) =>
        typeof v !== "string" ||
        k.length > KEY_VAULT_LIMITS.maxTagNameChars ||
        v.length > KEY_VAULT_LIMITS.maxTagValueChars,
    )
  ) {
    return azureError(400, "BadParameter", "Tags exceed the limits (15 tags, names 512 and values 256 characters).");
  }
  const version = state.store.set(name, {
    value: body.value,
    tags,
    contentType: typeof body.contentType === "string" ? body.contentType : undefined,
    enabled: body.attributes?.enabled !== false,
  });
  const secret = state.store.get(name) as FakeSecret;
  state.onWrite(secret.name, body.value);
  return { status: 200, body: bundle(secret, version, state) };
}

function getSecret(name: string, version: string, state: FakeAzureState): FakeAzureResponse {
  const secret = state.store.get(name);
  const found =
    secret && !secret.deleted
      ? version
        ? secret.versions.find((v) => v.version === version)
        : latest(secret)
      : undefined;
  if (!secret || !found) {
    return azureError(
      404,
      "SecretNotFound",
      `A secret with (name/id) ${name}${version ? `/${version}` : ""} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`,
    );
  }
  if (!found.enabled) return azureError(403, "Forbidden", `Operation get is not allowed on a disabled secret.`);
  return { status: 200, body: bundle(secret, found, state) };
}

function deleteSecret(name: string, state: FakeAzureState): FakeAzureResponse {
  const secret = state.store.softDelete(name);
  if (!secret) {
    return azureError(404, "SecretNotFound", `A secret with (name/id) ${name} was not found in this key vault.`);
  }
  return { status: 200, body: deletedBundle(secret, state) };
}

const deletedNotFound = (name: string) => azureError(404, "SecretNotFound", `Deleted Secret not found: ${name}`);

function latest(secret: FakeSecret): FakeSecretVersion {
  return secret.versions.at(-1) as FakeSecretVersion;
}

function bundle(secret: FakeSecret, version: FakeSecretVersion, state: FakeAzureState) {
  return {
    value: version.value,
    id: `${state.origin}/secrets/${secret.name}/${version.version}`,
    ...(version.contentType ? { contentType: version.contentType } : {}),
    attributes: {
      enabled: version.enabled,
      created: version.created,
      updated: version.created,
      recoveryLevel: "Recoverable+Purgeable",
      recoverableDays: RETENTION_DAYS,
    },
    tags: version.tags,
    ...(secret.managed ? { managed: true, kid: `${state.origin}/keys/${secret.name}/${version.version}` } : {}),
  };
}

function deletedBundle(secret: FakeSecret, state: FakeAzureState) {
  const { value: _value, ...rest } = bundle(secret, latest(secret), state);
  return {
    ...rest,
    recoveryId: `${state.origin}/deletedsecrets/${secret.name}`,
    deletedDate: secret.deleted?.deletedDate,
    scheduledPurgeDate: secret.deleted?.scheduledPurgeDate,
  };
}
