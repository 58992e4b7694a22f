import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { permissionDenied } from "@syncline/errors";
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from "jose";

/**
 * Run grants (docs/least-privilege.md): what one lease lets a connector worker touch, signed by
 * the orchestrator (EdDSA, compact JWS) and checked locally by the secrets and connections services.
 * A grant names one sync's source and connection and one action, and expires with the lease.
 */

/** The metadata key a worker sends its grant in. */
export const RUN_GRANT_METADATA = "x-syncline-run-grant";
/** The `aud` of every run grant. */
export const RUN_GRANT_AUDIENCE = "syncline-run";

/** What the grant lets the run do: PLAN reads source and destination and never writes. */
export const runGrantActions = ["SYNC", "IMPORT", "REMOVE", "PLAN"] as const;
export type RunGrantAction = (typeof runGrantActions)[number];

/** The claims of a run grant. */
export interface RunGrant {
  /** The run (a plan's own id for PLAN grants). */
  readonly runId: string;
  /** The lease the grant was issued for; empty for PLAN grants (no run row, no lease). */
  readonly leaseId: string;
  readonly syncId: string;
  readonly projectId: string;
  readonly environment: string;
  /** The sync's source folder (normalised). */
  readonly path: string;
  readonly recursive: boolean;
  readonly connectionId: string;
  readonly action: RunGrantAction;
  /** IMPORT only: the import behaviour the run was queued with (its enum name); empty otherwise. */
  readonly importBehavior: string;
}

/** A verified grant with its expiry. */
export interface VerifiedRunGrant extends RunGrant {
  readonly expiresAt: Date;
}

/** The key id of `key` (its public half): base64url SHA-256 of the SPKI DER, the JWS `kid`. */
export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(publicKey.export({ format: "der", type: "spki" }))
    .digest("base64url");
}

/** Signs run grants with the orchestrator's Ed25519 key. */
export interface RunGrantSigner {
  /** The `kid` of every grant this signer issues. */
  readonly keyId: string;
  /** A compact JWS of `grant`, valid until `expiresAt` (plus the signer's skew). */
  sign(grant: RunGrant, expiresAt: Date): Promise<string>;
}

/**
 * A signer for `privateKey`; `skewMs` (default 5 s) is added to every expiry so a verifier whose
 * clock runs slightly behind the database's does not refuse a grant of a live lease.
 */
export function createRunGrantSigner(privateKey: KeyObject, options: { skewMs?: number } = {}): RunGrantSigner {
  const keyId = keyFingerprint(privateKey);
  const skewMs = options.skewMs ?? 5_000;
  return {
    keyId,
    sign(grant, expiresAt) {
      const claims: JWTPayload = {
        run_id: grant.runId,
        lease_id: grant.leaseId,
        sync_id: grant.syncId,
        project_id: grant.projectId,
        environment: grant.environment,
        path: grant.path,
        recursive: grant.recursive,
        connection_id: grant.connectionId,
        action: grant.action,
        ...(grant.importBehavior ? { import_behavior: grant.importBehavior } : {}),
      };
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "EdDSA", kid: keyId })
        .setAudience(RUN_GRANT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.ceil((expiresAt.getTime() + skewMs) / 1000))
        .sign(privateKey);
    },
  };
}

/** Checks run grants against the configured public keys. */
export interface RunGrantVerifier {
  /**
   * The grant's claims; PERMISSION_DENIED (saying why, never echoing the grant) when it is missing,
   * malformed, signed by an unknown key, for another audience or expired.
   */
  verify(token: string | undefined): Promise<VerifiedRunGrant>;
}

/** A verifier that accepts grants signed by any of `publicKeys` (several during a rotation). */
export function createRunGrantVerifier(
  publicKeys: readonly KeyObject[],
  options: { clockToleranceSec?: number } = {},
): RunGrantVerifier {
  const keys = new Map(publicKeys.map((key) => [keyFingerprint(key), key]));
  return {
    async verify(token) {
      if (!token) throw refused(`no run grant in the "${RUN_GRANT_METADATA}" metadata`);
      let keyId: string | undefined;
      try {
        keyId = decodeProtectedHeader(token).kid;
      } catch {
        throw refused("the run grant is malformed");
      }
      const key = keyId === undefined ? undefined : keys.get(keyId);
      if (!key) throw refused("the run grant is signed by a key this service does not trust");
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ["EdDSA"],
          audience: RUN_GRANT_AUDIENCE,
          clockTolerance: options.clockToleranceSec ?? 5,
          requiredClaims: ["exp"],
        }));
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "ERR_JWT_EXPIRED") throw refused("the run grant has expired (the run's lease ended)");
        if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") throw refused("the run grant is not meant for this use");
        throw refused("the run grant's signature is not valid");
      }
      return grantOf(payload);
    },
  };
}

/**
 * The claims of `token` without checking its signature, or undefined when it is no run grant: for a
 * worker deciding whether a grant it was handed is worth presenting. Nothing may be allowed on
 * what this returns; the services that honour a grant verify it (`createRunGrantVerifier`).
 */
export function peekRunGrant(token: string): VerifiedRunGrant | undefined {
  try {
    return grantOf(decodeJwt(token));
  } catch {
    return undefined;
  }
}

function grantOf(payload: JWTPayload): VerifiedRunGrant {
  const text = (name: string): string => {
    const value = payload[name];
    if (typeof value !== "string") throw refused(`the run grant lacks its ${name} claim`);
    return value;
  };
  const action = text("action");
  if (!runGrantActions.includes(action as RunGrantAction)) throw refused("the run grant names an unknown action");
  if (typeof payload.recursive !== "boolean") throw refused("the run grant lacks its recursive claim");
  return {
    runId: text("run_id"),
    leaseId: text("lease_id"),
    syncId: text("sync_id"),
    projectId: text("project_id"),
    environment: text("environment"),
    path: text("path"),
    recursive: payload.recursive,
    connectionId: text("connection_id"),
    action: action as RunGrantAction,
    importBehavior: typeof payload.import_behavior === "string" ? payload.import_behavior : "",
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
}

function refused(reason: string) {
  return permissionDenied(`${reason}; workers read sources, credentials and imports only under a live run grant`);
}
