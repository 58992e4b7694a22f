import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createWriteLog, type FakeLoggedWrite } from "../write-log.ts";
import { createFaults, type FakeAwsFaults, type FaultDecision } from "./faults.ts";
import { createParameterStore, type FakeParameter } from "./parameter-store.ts";
import { createSecretsManager, type FakeSecret, type FakeSecretWrite } from "./secrets-manager.ts";
import { verifySigV4, type FakeAwsKey } from "./sigv4.ts";
import { createSts, stsError, type FakeAwsRole } from "./sts.ts";

export type { FakeAwsFaults } from "./faults.ts";
export type { FakeAwsKey } from "./sigv4.ts";
export type { FakeAwsRole } from "./sts.ts";
export type { FakeSecret, FakeSecretWrite } from "./secrets-manager.ts";
export type { FakeParameter } from "./parameter-store.ts";

/** The fake's configuration; every field has a default good for most tests. */
export interface FakeAwsOptions {
  readonly account?: string;
  readonly region?: string;
  /** Roles STS lets the default key assume; default one, `arn:aws:iam::<account>:role/syncline`, external id `syncline-external-id`. */
  readonly roles?: readonly FakeAwsRole[];
  /** Actions (`secretsmanager:CreateSecret`, …) refused with AccessDeniedException for every key. */
  readonly deniedActions?: readonly string[];
  /** Port on 127.0.0.1; default 0 (a free port). */
  readonly port?: number;
}

/** One request the fake received: never a body or header value, so it is safe to print. */
export interface FakeAwsLoggedRequest {
  /** `secretsmanager.CreateSecret`, `sts.AssumeRole`, … */
  readonly operation: string;
  /** The signing access key id (not secret). */
  readonly accessKeyId: string;
  /** Status answered; 0 when left hanging. */
  readonly status: number;
  /** AWS error code answered, if any. */
  readonly errorCode?: string;
}

/** A running fake AWS (Secrets Manager and STS behind one endpoint) and its test controls. */
export interface FakeAws {
  /** Base address, e.g. `http://127.0.0.1:41234`: the endpoint override for every service. */
  readonly url: string;
  readonly account: string;
  readonly region: string;
  /** A long-term key the fake accepts (user `syncline`). */
  readonly accessKey: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The default role and its external id. */
  readonly role: { readonly arn: string; readonly externalId: string };
  readonly faults: FakeAwsFaults;
  readonly requests: readonly FakeAwsLoggedRequest[];
  /** Temporary credentials STS issued so far. */
  assumedRoles(): number;
  /** Revokes every temporary key STS issued: AWS refuses them from now on (`UnrecognizedClientException`). */
  revokeAssumedRoles(): void;
  /** Issued credentials live this many seconds from now on (undefined: as requested). */
  setAssumedRoleLifetime(seconds: number | undefined): void;
  /** Secrets Manager: writes a secret directly (no API, no log). */
  seedSecret(name: string, value: string, tags?: Readonly<Record<string, string>>): void;
  /** Secrets Manager: the current value of every live secret (not scheduled for deletion). */
  secretValues(): Map<string, string>;
  /** Secrets Manager: a secret with its tags, versions and deletion date, or undefined. */
  secret(name: string): FakeSecret | undefined;
  /** Parameter Store: writes a SecureString parameter directly (no API, no log). */
  seedParameter(name: string, value: string, tags?: Readonly<Record<string, string>>): void;
  /** Parameter Store: the value of every parameter under `path` (one level), by name relative to it. */
  parameterValues(path: string): Map<string, string>;
  /** Parameter Store: a parameter with its type, tier, KMS key, version and tags, or undefined. */
  parameter(name: string): FakeParameter | undefined;
  /** Every value written through the API, in order. Values are secret: assert on them, never print them. */
  writeLog(): readonly FakeLoggedWrite[];
  /** Writes accepted through the API so far (create, put, delete, restore). */
  writeCount(): number;
  /** Calls `listener` once each request is decided, before its answer is sent. */
  onRequest(listener: (request: FakeAwsLoggedRequest) => void): () => void;
  close(): Promise<void>;
}

/** Largest request body AWS JSON services take (Secrets Manager values are far smaller). */
const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Starts a protocol-faithful fake of AWS Secrets Manager and Systems Manager Parameter Store
 * (awsJson1.1: `POST /` with `X-Amz-Target: secretsmanager.<Operation>` / `AmazonSSM.<Operation>`) and STS (query protocol) on 127.0.0.1. Every request
 * must carry a valid SigV4 signature by a known key (recomputed with the stored secret key); errors
 * are AWS's bodies (`__type`, `message`; STS: XML `ErrorResponse`); a request whose client went
 * away during the fake's latency has no effect.
 */
export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const account = options.account ?? "123456789012";
  const region = options.region ?? "eu-west-1";
  const accessKey = {
    accessKeyId: "AKIAFAKESYNCLINE0001",
    secretAccessKey: "fake/secret+access+key/0123456789abcdefghij",
  };
  const keys = new Map<string, FakeAwsKey>([
    [accessKey.accessKeyId, { ...accessKey, arn: `arn:aws:iam::${account}:user/syncline` }],
  ]);
  const role = { arn: `arn:aws:iam::${account}:role/syncline`, externalId: "syncline-external-id" };
  const sts = createSts(account, options.roles ?? [role], keys);
  const secretsManager = createSecretsManager(account, region);
  const parameterStore = createParameterStore(account, region);
  const denied = new Set(options.deniedActions ?? []);
  const faults = createFaults();
  const requests: FakeAwsLoggedRequest[] = [];
  const listeners = new Set<(request: FakeAwsLoggedRequest) => void>();
  const writeLog = createWriteLog();
  let writes = 0;
  let closed = false;

  function onParameterWrite(write: { name: string; action: "put" | "delete" }): void {
    writes++;
    const current = parameterStore.parameters.get(write.name);
    if (write.action === "put" && current) writeLog.record("ssm", write.name, current.value);
  }

  function onWrite(write: FakeSecretWrite): void {
    writes++;
    const current = secretsManager.secrets.get(write.name)?.versions.at(-1);
    if ((write.action === "create" || write.action === "put") && current) {
      writeLog.record("secretsmanager", write.name, current.value);
    }
  }

  interface Answer {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: string;
    readonly operation: string;
    readonly accessKeyId: string;
    readonly errorCode?: string;
  }

  function jsonError(
    status: number,
    code: string,
    message: string,
    operation: string,
    accessKeyId: string,
    headers: Record<string, string> = {},
  ): Answer {
    return {
      status,
      headers: { "Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code, ...headers },
      body: JSON.stringify({ __type: code, message }),
      operation,
      accessKeyId,
      errorCode: code,
    };
  }

  async function handle(req: IncomingMessage, body: string, decision: FaultDecision): Promise<Answer> {
    const url = new URL(req.url ?? "/", "http://fake-aws");
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]),
    );
    const target = headers["x-amz-target"];
    const isSts = !target;
    const form = isSts ? new URLSearchParams(body) : undefined;
    const operation = isSts ? `sts.${form?.get("Action") ?? ""}` : (target ?? "");
    const requestId = randomUUID();
    const keyId = /Credential=([^/]+)\//.exec(headers.authorization ?? "")?.[1] ?? "";
    const stsAnswer = (status: number, xml: string, errorCode?: string): Answer => ({
      status,
      headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId },
      body: xml,
      operation,
      accessKeyId: keyId,
      ...(errorCode ? { errorCode } : {}),
    });
    if (decision.kind === "fail") {
      const code = decision.status === 503 ? "ServiceUnavailable" : "InternalServiceError";
      const message =
        decision.status === 503 ? "Service is currently unavailable." : "An error occurred on the server side.";
      return isSts
        ? stsAnswer(decision.status, stsError(decision.status, code, message, requestId).xml, code)
        : jsonError(decision.status, code, message, operation, keyId);
    }
    if (decision.kind === "throttle") {
      const hint = { "x-amz-retry-after": String(decision.retryAfterSeconds * 1000) };
      if (isSts)
        return {
          ...stsAnswer(400, stsError(400, "Throttling", "Rate exceeded", requestId).xml, "Throttling"),
          headers: { "Content-Type": "text/xml", ...hint },
        };
      return jsonError(400, "ThrottlingException", "Rate exceeded", operation, keyId, hint);
    }
    const check = await verifySigV4(
      { method: req.method ?? "POST", path: url.pathname, query: url.searchParams, headers, body },
      keys,
    );
    if (!check.ok) {
      if (isSts) {
        const code =
          check.code === "UnrecognizedClientException"
            ? "InvalidClientTokenId"
            : check.code === "InvalidSignatureException"
              ? "SignatureDoesNotMatch"
              : check.code;
        return stsAnswer(403, stsError(403, code, check.message, requestId).xml, code);
      }
      return jsonError(check.status, check.code, check.message, operation, keyId);
    }
    if (isSts) {
      if (check.service !== "sts")
        return stsAnswer(400, stsError(400, "InvalidAction", "wrong signing service", requestId).xml, "InvalidAction");
      const answer = sts.handle(form ?? new URLSearchParams(), check.key, requestId);
      const code = answer.status >= 300 ? /<Code>([^<]+)<\/Code>/.exec(answer.xml)?.[1] : undefined;
      return stsAnswer(answer.status, answer.xml, code);
    }
    const [service, action = ""] = operation.split(".");
    const signingService = service === "AmazonSSM" ? "ssm" : service;
    if ((service !== "secretsmanager" && service !== "AmazonSSM") || check.service !== signingService) {
      return jsonError(400, "UnknownOperationException", "", operation, keyId);
    }
    if (headers["content-type"] !== "application/x-amz-json-1.1") {
      return jsonError(
        400,
        "SerializationException",
        "Start of structure or map found where not expected.",
        operation,
        keyId,
      );
    }
    if (denied.has(`${signingService}:${action}`)) {
      return jsonError(
        400,
        "AccessDeniedException",
        `User: ${check.key.arn} is not authorized to perform: ${signingService}:${action} because no identity-based policy allows the ${signingService}:${action} action`,
        operation,
        keyId,
      );
    }
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = body === "" ? {} : JSON.parse(body);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      input = parsed as Record<string, unknown>;
    } catch {
      return jsonError(400, "SerializationException", "Unable to parse the request body.", operation, keyId);
    }
    const answer =
      service === "AmazonSSM"
        ? parameterStore.handle(action, input, onParameterWrite)
        : secretsManager.handle(action, input, onWrite);
    if (!answer.ok) return jsonError(answer.status, answer.code, answer.message, operation, keyId);
    return {
      status: 200,
      headers: { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId },
      body: JSON.stringify(answer.body),
      operation,
      accessKeyId: keyId,
    };
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let gone = false;
    res.on("close", () => (gone = !res.writableEnded));
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size <= MAX_REQUEST_BYTES) chunks.push(chunk as Buffer);
      }
    } catch {
      return;
    }
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const decision = gone ? { kind: "hang" as const } : faults.decide();
    const operation = req.headers["x-amz-target"]?.toString() ?? "sts";
    if (decision.kind === "hang") {
      const logged = { operation, accessKeyId: "", status: 0 };
      requests.push(logged);
      for (const listener of listeners) listener(logged);
      return;
    }
    const answer =
      size > MAX_REQUEST_BYTES
        ? jsonError(413, "RequestEntityTooLarge", "Request body too large", operation, "")
        : await handle(req, Buffer.concat(chunks).toString("utf8"), decision);
    const logged: FakeAwsLoggedRequest = {
      operation: answer.operation,
      accessKeyId: answer.accessKeyId,
      status: answer.status,
      ...(answer.errorCode ? { errorCode: answer.errorCode } : {}),
    };
    requests.push(logged);
    for (const listener of listeners) listener(logged);
    if (closed || res.destroyed) return;
    res.writeHead(answer.status, {
      ...answer.headers,
      "x-amzn-RequestId": answer.headers["x-amzn-RequestId"] ?? randomUUID(),
    });
    res.end(answer.body);
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    account,
    region,
    accessKey,
    role,
    faults,
    requests,
    assumedRoles: () => sts.issued,
    revokeAssumedRoles() {
      for (const [id, key] of keys) if (key.sessionToken !== undefined) keys.delete(id);
    },
    setAssumedRoleLifetime(seconds) {
      sts.lifetimeSeconds = seconds;
    },
    seedSecret: (name, value, tags) => secretsManager.seed(name, value, tags),
    secretValues() {
      const values = new Map<string, string>();
      for (const secret of secretsManager.secrets.values()) {
        const current = secret.versions.at(-1);
        if (secret.deletionDate === undefined && current) values.set(secret.name, current.value);
      }
      return values;
    },
    secret: (name) => secretsManager.secrets.get(name),
    seedParameter: (name, value, tags) => parameterStore.seed(name, value, tags),
    parameterValues(path) {
      const base = path === "/" ? "/" : `${path.replace(/\/+$/, "")}/`;
      const values = new Map<string, string>();
      for (const p of parameterStore.parameters.values()) {
        const rest = p.name.startsWith(base) ? p.name.slice(base.length) : undefined;
        if (rest && !rest.includes("/")) values.set(rest, p.value);
      }
      return values;
    },
    parameter: (name) => parameterStore.parameters.get(name),
    writeLog: () => writeLog.entries(),
    writeCount: () => writes,
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
  };
}
