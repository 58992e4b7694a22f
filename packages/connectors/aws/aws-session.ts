import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  abortCause,
  ConnectorError,
  createDeadlineCalls,
  createTokenCache,
  defaultEndpointGuard,
  endpointCheckOnce,
  guardedAgents,
  transportRefusal,
  withTokenRefresh,
  type AccessToken,
  type DestinationCalls,
  type EndpointGuard,
  type GuardedAgents,
  type TokenCache,
} from "../contract/index.ts";
import type { AwsAccessKey, AwsConnectionCredentials } from "./aws-credentials.ts";
import { capAwsResponses, type AwsMiddlewareStackOwner } from "./aws-response-cap.ts";
import { awsFailureOf, classifyAwsFailure, type AwsCallTarget, type AwsFailure } from "./aws-errors.ts";

const tracer = trace.getTracer("syncline.connectors.aws");

/** Default per-request deadline when no gate is given. */
export const DEFAULT_AWS_TIMEOUT_MS = 10_000;
/** Lifetime asked of STS for assumed-role credentials (its minimum is 15 minutes). */
export const ASSUMED_ROLE_SECONDS = 3_600;
/** Assumed-role credentials are renewed this long before they expire. */
export const ASSUMED_ROLE_REFRESH_BEFORE_MS = 5 * 60_000;

/** The SDK client settings every AWS client of a connection shares: region, endpoint, credentials, no SDK retries. */
export interface AwsClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** The SDK's own retries are off: the worker's failure policy decides. */
  readonly maxAttempts: 1;
  /**
   * The guard's process-wide keep-alive agents: every connection (endpoint override or AWS's own
   * regional endpoint) resolves through the endpoint guard at connect time.
   */
  readonly requestHandler: GuardedAgents;
}

/** Where and how a connection calls AWS. */
export interface AwsSessionOptions {
  readonly credentials: AwsConnectionCredentials;
  readonly signal?: AbortSignal;
  /** The gate every request goes through; absent: `timeoutMs` per request and `signal`. */
  readonly calls?: DestinationCalls;
  readonly timeoutMs?: number;
  /**
   * Checks the endpoint override before the first request, and every connection at connect time;
   * defaults to `defaultEndpointGuard()`.
   */
  readonly endpointGuard?: EndpointGuard;
}

/** What a call to AWS names, besides the SDK request itself. */
export interface AwsCallSpec {
  readonly service: string;
  readonly operation: string;
  readonly resource?: string;
  /** Texts to scrub from AWS's messages besides the credentials (values being written). */
  readonly secrets?: readonly string[];
}

/** The identity a connection's calls are signed with, as STS reports it. */
export interface AwsCallerIdentity {
  readonly account: string;
  readonly arn: string;
}

/**
 * One connection's access to AWS: SDK clients per service built on the current credentials, every
 * request through the call gate (with the gate's signal as the SDK's `abortSignal`) in a CLIENT
 * span, failures classified by the one AWS table. An assume-role connection gets temporary
 * credentials from STS (`AssumeRole` with the external id), cached until shortly before they
 * expire and renewed once when AWS refuses them.
 */
export interface AwsSession {
  /** `make` builds the service's SDK client from a config; one client is kept per set of credentials. */
  call<C extends AwsMiddlewareStackOwner, T>(
    make: (config: AwsClientConfig) => C,
    spec: AwsCallSpec,
    send: (client: C, signal: AbortSignal) => Promise<T>,
  ): Promise<T>;
  /** `sts:GetCallerIdentity` with the connection's effective credentials (live validation). */
  callerIdentity(): Promise<AwsCallerIdentity>;
}

interface AwsIdentity extends AccessToken {
  readonly key: AwsAccessKey;
}

/** Builds a session; performs no I/O. */
export function createAwsSession(options: AwsSessionOptions): AwsSession {
  const { credentials } = options;
  const endpoint = credentials.endpointUrl || undefined;
  const endpointWords = endpoint ?? `AWS ${credentials.region}`;
  const checkEndpoint = endpoint ? endpointCheckOnce(options.endpointGuard, endpoint) : async () => undefined;
  const agents = guardedAgents(options.endpointGuard ?? defaultEndpointGuard());
  const calls =
    options.calls ??
    createDeadlineCalls({
      timeoutMs: options.timeoutMs ?? DEFAULT_AWS_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const auth = credentials.auth;
  const baseKey = auth.kind === "access_key" ? auth.key : auth.base;
  const credentialTexts = [baseKey.secretAccessKey, baseKey.sessionToken].filter((t) => t !== "");
  const clients = new WeakMap<AwsIdentity, Map<unknown, unknown>>();

  const configOf = (key: AwsAccessKey): AwsClientConfig => ({
    region: credentials.region,
    ...(endpoint ? { endpoint } : {}),
    credentials: {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
    },
    maxAttempts: 1,
    requestHandler: agents,
  });

  function clientFor<C extends AwsMiddlewareStackOwner>(
    identity: AwsIdentity,
    make: (config: AwsClientConfig) => C,
  ): C {
    const byMaker = clients.get(identity) ?? new Map<unknown, unknown>();
    clients.set(identity, byMaker);
    const existing = byMaker.get(make) as C | undefined;
    if (existing) return existing;
    const client = capAwsResponses(
      make(configOf(identity.key)),
      endpoint ? new URL(endpoint).host : `AWS ${credentials.region}`,
    );
    byMaker.set(make, client);
    return client;
  }

  function gated<T>(
    spec: AwsCallSpec,
    send: (signal: AbortSignal) => Promise<T>,
    extraSecrets: readonly string[] = [],
  ): Promise<T> {
    const target: AwsCallTarget = {
      service: spec.service,
      operation: spec.operation,
      ...(spec.resource ? { resource: spec.resource } : {}),
      endpoint: endpointWords,
    };
    const attributes = {
      "rpc.system": "aws-api",
      "rpc.service": spec.service,
      "rpc.method": spec.operation,
      "cloud.region": credentials.region,
    };
    return calls.call(`aws ${spec.operation}`, (gateSignal) => {
      const signal = options.calls && options.signal ? AbortSignal.any([gateSignal, options.signal]) : gateSignal;
      return tracer.startActiveSpan(
        `${spec.service} ${spec.operation}`,
        { kind: SpanKind.CLIENT, attributes },
        async (span) => {
          const fail = (failure: AwsFailure): ConnectorError => {
            const error = classifyAwsFailure(failure, target, [
              ...credentialTexts,
              ...extraSecrets,
              ...(spec.secrets ?? []),
            ]);
            span.setAttribute(
              "error.type",
              failure.kind === "response" ? failure.code || String(failure.status) : failure.kind,
            );
            span.setStatus({ code: SpanStatusCode.ERROR, message: error.kind });
            return error;
          };
          try {
            if (signal.aborted) throw fail(abortCause(signal));
            return await send(signal);
          } catch (error) {
            // The guard or the body cap (the SDK may have decorated their error): reported as such.
            if (transportRefusal(error)) throw fail({ kind: "network", cause: error });
            if (error instanceof ConnectorError) throw error;
            if (signal.aborted) throw fail(abortCause(signal));
            throw fail(awsFailureOf(error));
          } finally {
            span.end();
          }
        },
      );
    });
  }

  const staticIdentity: AwsIdentity = { token: "", key: baseKey, expiresAt: new Date(8.64e15) };
  const makeSts = (config: AwsClientConfig) => new STSClient(config);
  const cache: TokenCache<AwsIdentity> | undefined =
    auth.kind === "assume_role"
      ? createTokenCache(
          async () => {
            const sts = clientFor(staticIdentity, makeSts);
            const spec = { service: "STS", operation: "AssumeRole", resource: auth.roleArn };
            const externalIds = auth.externalId ? [auth.externalId] : [];
            const answer = await gated(
              spec,
              (signal) =>
                sts.send(
                  new AssumeRoleCommand({
                    RoleArn: auth.roleArn,
                    RoleSessionName: auth.sessionName,
                    DurationSeconds: ASSUMED_ROLE_SECONDS,
                    ...(auth.externalId ? { ExternalId: auth.externalId } : {}),
                  }),
                  { abortSignal: signal },
                ),
              externalIds,
            );
            const issued = answer.Credentials;
            if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken || !issued.Expiration) {
              throw classifyAwsFailure(
                {
                  kind: "response",
                  code: "",
                  status: 200,
                  message: "AssumeRole answered without credentials",
                  retryAfterMs: undefined,
                },
                { service: "STS", operation: "AssumeRole", resource: auth.roleArn, endpoint: endpointWords },
                [],
              );
            }
            return {
              token: "",
              key: {
                accessKeyId: issued.AccessKeyId,
                secretAccessKey: issued.SecretAccessKey,
                sessionToken: issued.SessionToken,
              },
              expiresAt: issued.Expiration,
            };
          },
          { refreshBeforeMs: ASSUMED_ROLE_REFRESH_BEFORE_MS },
        )
      : undefined;

  async function call<C extends AwsMiddlewareStackOwner, T>(
    make: (config: AwsClientConfig) => C,
    spec: AwsCallSpec,
    send: (client: C, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    await checkEndpoint();
    const run = (identity: AwsIdentity) =>
      gated(
        spec,
        (signal) => send(clientFor(identity, make), signal),
        identity.key.sessionToken ? [identity.key.secretAccessKey, identity.key.sessionToken] : [],
      );
    return cache ? withTokenRefresh(cache, run, options.signal) : run(staticIdentity);
  }

  return {
    call,
    async callerIdentity() {
      const answer = await call(makeSts, { service: "STS", operation: "GetCallerIdentity" }, (sts, signal) =>
        sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal }),
      );
      return { account: answer.Account ?? "", arn: answer.Arn ?? "" };
    },
  };
}
