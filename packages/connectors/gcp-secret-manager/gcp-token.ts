import { createSign } from "node:crypto";
import { ConnectorError, type AccessToken } from "../contract/index.ts";
import { classifyGcpFailure, type GcpCallTarget } from "./gcp-errors.ts";

/** The scope Secret Manager calls need. */
export const GCP_CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** The service account whose key signs the token request. */
export interface ServiceAccountSigner {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string;
  readonly tokenUri: string;
}

/** A JWT assertion (RFC 7523) signed RS256 with the service account's key, valid for one hour. */
export function signedAssertion(signer: ServiceAccountSigner, nowMs: number = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: "RS256", typ: "JWT", ...(signer.privateKeyId ? { kid: signer.privateKeyId } : {}) };
  const claims = {
    iss: signer.clientEmail,
    scope: GCP_CLOUD_PLATFORM_SCOPE,
    aud: signer.tokenUri,
    iat,
    exp: iat + 3600,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  let signature: Buffer;
  try {
    signature = createSign("RSA-SHA256").update(input).sign(signer.privateKey);
  } catch {
    throw new ConnectorError(
      "invalid_config",
      "credentials.gcp.service_account_key.key_json: its private_key cannot sign (not an RSA private key): download a new key",
    );
  }
  return `${input}.${signature.toString("base64url")}`;
}

/**
 * Exchanges a signed assertion for an access token at the signer's token endpoint (`POST`, form
 * encoded, redirects refused) with `send` (the guarded fetch of the connection). Throws a
 * classified `ConnectorError`; never echoes the assertion.
 */
export async function fetchAccessToken(
  signer: ServiceAccountSigner,
  signal: AbortSignal,
  send: typeof fetch,
): Promise<AccessToken> {
  const assertion = signedAssertion(signer);
  const target: GcpCallTarget = { operation: "token exchange", resource: "an access token", endpoint: signer.tokenUri };
  let response: Response;
  let text: string;
  try {
    response = await send(signer.tokenUri, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
      redirect: "manual",
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw classifyGcpFailure({ kind: "aborted" }, target, []);
    throw classifyGcpFailure({ kind: "network", cause: error }, target, []);
  }
  const json = parseObject(text);
  const token = json?.access_token;
  if (response.status === 200 && typeof token === "string" && token !== "") {
    const expiresIn = typeof json?.expires_in === "number" ? json.expires_in : 3600;
    return { token, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }
  throw classifyGcpFailure(
    {
      kind: "token",
      status: response.status,
      error: typeof json?.error === "string" ? json.error.slice(0, 40) : "",
      description: typeof json?.error_description === "string" ? json.error_description : "",
      retryAfter: response.headers.get("retry-after"),
    },
    target,
    [assertion],
  );
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
