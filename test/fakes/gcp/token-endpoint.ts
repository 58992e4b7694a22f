import { createPublicKey, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A service account the fake knows: its public key and the projects it may use (`*` = all). */
export interface FakeServiceAccount {
  readonly email: string;
  readonly publicKey: KeyObject;
  readonly projects: ReadonlySet<string> | "*";
}

/** An access token the fake issued. */
export interface FakeIssuedToken {
  readonly email: string;
  readonly expiresAt: number;
}

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * Google's OAuth 2.0 token endpoint for service accounts (RFC 7523 JWT bearer grant): verifies the
 * assertion's RS256 signature against the account's public key, its `aud` (this endpoint), `iat`
 * and `exp` (at most an hour), and answers `{access_token, expires_in, token_type}` or Google's
 * `{error, error_description}`.
 */
export async function startTokenEndpoint(options: { tokenLifetimeSeconds?: number } = {}) {
  const accounts = new Map<string, FakeServiceAccount>();
  const tokens = new Map<string, FakeIssuedToken>();
  let exchanges = 0;
  let url = "";

  function refuse(res: ServerResponse, status: number, error: string, description: string) {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ error, error_description: description }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/token") return refuse(res, 404, "not_found", "Not Found");
    exchanges++;
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    if (form.get("grant_type") !== JWT_BEARER)
      return refuse(res, 400, "unsupported_grant_type", `Invalid grant_type: ${form.get("grant_type") ?? ""}`);
    const parts = (form.get("assertion") ?? "").split(".");
    if (parts.length !== 3) return refuse(res, 400, "invalid_grant", "Invalid JWT: Token must be a short-lived token");
    const [headerText, claimsText, signature] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(headerText, "base64url").toString("utf8"));
      claims = JSON.parse(Buffer.from(claimsText, "base64url").toString("utf8"));
    } catch {
      return refuse(res, 400, "invalid_grant", "Invalid JWT: Token must be a short-lived token");
    }
    if (header.alg !== "RS256") return refuse(res, 400, "invalid_grant", "Invalid JWT Signature.");
    const account = typeof claims.iss === "string" ? accounts.get(claims.iss) : undefined;
    if (!account) return refuse(res, 400, "invalid_grant", "Invalid grant: account not found");
    const valid = createVerify("RSA-SHA256")
      .update(`${headerText}.${claimsText}`)
      .verify(account.publicKey, Buffer.from(signature, "base64url"));
    if (!valid) return refuse(res, 400, "invalid_grant", "Invalid JWT Signature.");
    const now = Math.floor(Date.now() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (claims.aud !== url) return refuse(res, 400, "invalid_grant", "Invalid JWT: Failed audience check.");
    if (!(iat <= now + 60 && exp > now && exp - iat <= 3600))
      return refuse(
        res,
        400,
        "invalid_grant",
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
      );
    if (
      typeof claims.scope !== "string" ||
      !claims.scope.split(" ").includes("https://www.googleapis.com/auth/cloud-platform")
    )
      return refuse(res, 400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    const lifetime = options.tokenLifetimeSeconds ?? 3599;
    const token = `ya29.fake-${randomBytes(24).toString("base64url")}`;
    tokens.set(token, { email: account.email, expiresAt: Date.now() + lifetime * 1000 });
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ access_token: token, expires_in: lifetime, token_type: "Bearer" }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => refuse(res, 500, "internal_failure", "Internal error"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;

  return {
    get url() {
      return url;
    },
    /** Token exchanges answered so far (successful or not). */
    get exchanges() {
      return exchanges;
    },
    /** A new service account with a fresh RSA key; returns its key file's JSON. */
    createServiceAccount(name: string, projectId: string, projects: readonly string[] | "*" = "*"): string {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const email = `${name}@${projectId}.iam.gserviceaccount.com`;
      accounts.set(email, { email, publicKey, projects: projects === "*" ? "*" : new Set(projects) });
      return JSON.stringify({
        type: "service_account",
        project_id: projectId,
        private_key_id: randomBytes(20).toString("hex"),
        private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        client_email: email,
        client_id: String(Date.now()),
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: url,
      });
    },
    /** Deletes an account's key: further token exchanges for it fail with `invalid_grant`. */
    deleteServiceAccount(email: string) {
      accounts.delete(email);
      for (const [token, issued] of tokens) if (issued.email === email) tokens.delete(token);
    },
    /** The account a live bearer token belongs to, or undefined (unknown or expired). */
    accountOf(token: string): FakeServiceAccount | undefined {
      const issued = tokens.get(token);
      if (!issued || issued.expiresAt <= Date.now()) return undefined;
      return accounts.get(issued.email);
    },
    /** Revokes every issued token (as if they expired early). */
    revokeTokens() {
      tokens.clear();
    },
    publicKeyOf: (pem: string) => createPublicKey(pem),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    closeAllConnections: () => server.closeAllConnections(),
  };
}

export type FakeTokenEndpoint = Awaited<ReturnType<typeof startTokenEndpoint>>;
