import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

/** One access key the fake knows: long-term (no session token) or temporary (from AssumeRole). */
export interface FakeAwsKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** Who signs with it, e.g. `arn:aws:iam::123456789012:user/syncline`. */
  readonly arn: string;
  /** Temporary keys stop working at this time (ms since epoch). */
  readonly expiresAt?: number;
}

/** A request as the fake received it, enough to recompute its signature. */
export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** Why a request was refused, as AWS names it, or the key that signed it and the scope it was signed for. */
export type SignatureCheck =
  | { readonly ok: true; readonly key: FakeAwsKey; readonly service: string; readonly region: string }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly status: number };

const authPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (or HMAC-SHA256 with a secret) for the signer, from node:crypto. */
class NodeSha256 {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error("not used");
  }
}

/**
 * Verifies AWS Signature Version 4 for real: parses the `Authorization` header, finds the key,
 * rebuilds the request from its signed headers and signs it again with the stored secret key
 * (`@smithy/signature-v4`, the signer the SDK itself uses), then compares signatures. Answers
 * with AWS's own error codes: `IncompleteSignature`, `UnrecognizedClientException` (unknown key
 * id), `InvalidSignatureException`, `ExpiredTokenException`, and a stale `X-Amz-Date`.
 */
export async function verifySigV4(
  request: SignedRequest,
  keys: ReadonlyMap<string, FakeAwsKey>,
  now: number = Date.now(),
): Promise<SignatureCheck> {
  const authorization = request.headers.authorization ?? "";
  const match = authPattern.exec(authorization);
  const amzDate = request.headers["x-amz-date"] ?? "";
  if (!match || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return refuse(400, "IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature.");
  }
  const [, accessKeyId = "", day, region = "", service = "", signedHeaders = "", signature = ""] = match;
  const key = keys.get(accessKeyId);
  if (!key) return refuse(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
  if (key.sessionToken !== undefined && request.headers["x-amz-security-token"] !== key.sessionToken) {
    return refuse(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  if (key.expiresAt !== undefined && key.expiresAt <= now) {
    return refuse(400, "ExpiredTokenException", "The security token included in the request is expired");
  }
  const signedAt = Date.UTC(
    Number(amzDate.slice(0, 4)),
    Number(amzDate.slice(4, 6)) - 1,
    Number(amzDate.slice(6, 8)),
    Number(amzDate.slice(9, 11)),
    Number(amzDate.slice(11, 13)),
    Number(amzDate.slice(13, 15)),
  );
  if (day !== amzDate.slice(0, 8) || Math.abs(now - signedAt) > 5 * 60_000) {
    return refuse(400, "InvalidSignatureException", "Signature expired: the request time is too skewed.");
  }
  const names = signedHeaders.split(";");
  if (!names.includes("host")) return refuse(400, "InvalidSignatureException", "'Host' must be a signed header.");
  const headers: Record<string, string> = {};
  for (const name of names) headers[name] = request.headers[name] ?? "";
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      ...(key.sessionToken !== undefined ? { sessionToken: key.sessionToken } : {}),
    },
    region,
    service,
    sha256: NodeSha256,
    uriEscapePath: true,
  });
  const [hostname = "", port] = (headers.host ?? "").split(":");
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: request.path,
      query: Object.fromEntries(request.query),
      headers,
      body: request.body,
    },
    { signingDate: new Date(signedAt), signingRegion: region, signingService: service },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ""))?.[1] ?? "";
  if (expected.length !== 64 || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return refuse(
      400,
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return { ok: true, key, service, region };
}

function refuse(status: number, code: string, message: string): SignatureCheck {
  return { ok: false, status, code, message };
}
