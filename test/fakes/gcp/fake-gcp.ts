import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServiceDefinition,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { createFaults, type FakeGcpFaults } from "./faults.ts";
import { FakeGrpcStatus, quotaExceeded } from "./grpc-status.ts";
import { createSecretStore, fakeCrc32c, type FakeSecret, type FakeSecretVersion } from "./secret-store.ts";
import { startTokenEndpoint, type FakeTokenEndpoint } from "./token-endpoint.ts";

export type { FakeGcpFaults } from "./faults.ts";
export type { FakeSecret, FakeSecretVersion } from "./secret-store.ts";

/** One call the fake received: method and resource only, never a payload or token. */
export interface FakeGcpLoggedCall {
  readonly method: string;
  readonly resource: string;
  /** gRPC status code answered (0 = OK); -1 while hanging or when the client went away first. */
  code: number;
}

/** A running fake Secret Manager (gRPC) with its OAuth token endpoint, and its test controls. */
export interface FakeGcp {
  /** `http://127.0.0.1:PORT`: the gRPC endpoint (plaintext) for `credentials.gcp.api_endpoint`. */
  readonly apiEndpoint: string;
  /** The token endpoint, which every key the fake issues names as its `token_uri`. */
  readonly tokenUri: string;
  /** The project the default service account may use. */
  readonly project: string;
  /** The key file JSON of a service account allowed on every project. */
  readonly keyJson: string;
  /** A new service account's key file JSON, allowed on `projects` (default all). */
  createServiceAccount(name: string, projects?: readonly string[] | "*"): string;
  /** Deletes an account's key, revoking its tokens. */
  deleteServiceAccount(email: string): void;
  /** Revokes every issued access token (they "expire early"). */
  revokeTokens(): void;
  /** Token exchanges answered so far. */
  readonly tokenExchanges: number;
  /** Latest enabled value per secret id (secrets whose latest version is not enabled are absent). */
  read(project?: string): Map<string, string>;
  /** Writes values directly (creating secrets with automatic replication), as another writer would. */
  seed(
    entries: Readonly<Record<string, string>>,
    options?: { project?: string; labels?: Record<string, string> },
  ): void;
  /** The secret itself (labels, versions), or undefined. */
  secret(id: string, project?: string): FakeSecret | undefined;
  /** Every call so far, oldest first. */
  readonly calls: readonly FakeGcpLoggedCall[];
  /** Write calls answered OK so far. */
  writeCount(): number;
  readonly faults: FakeGcpFaults;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set([
  "CreateSecret",
  "AddSecretVersion",
  "DeleteSecret",
  "UpdateSecret",
  "DisableSecretVersion",
  "EnableSecretVersion",
  "DestroySecretVersion",
]);

/** Where the installed client library ships Secret Manager's protos (and google-gax the common ones). */
function protoDirs(): string[] {
  const require = createRequire(import.meta.url);
  const secretManager = dirname(require.resolve("@google-cloud/secret-manager/package.json"));
  // google-gax exports no package.json: its main is build/src/index.js.
  const gax = join(dirname(require.resolve("google-gax", { paths: [secretManager] })), "../..");
  return [join(secretManager, "build/protos"), join(gax, "build/protos")];
}

function loadService() {
  const includeDirs = protoDirs();
  const definition = loadSync("google/cloud/secretmanager/v1/service.proto", {
    includeDirs,
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  return definition["google.cloud.secretmanager.v1.SecretManagerService"] as unknown as ServiceDefinition;
}

const timestamp = (date: Date) => ({ seconds: String(Math.floor(date.getTime() / 1000)), nanos: 0 });
const secretName = (s: FakeSecret) => `projects/${s.project}/secrets/${s.id}`;
const secretMessage = (s: FakeSecret) => ({
  name: secretName(s),
  replication: s.replication,
  createTime: timestamp(s.createTime),
  labels: s.labels,
  etag: `"${s.etag}"`,
});
const versionMessage = (s: FakeSecret, v: FakeSecretVersion) => ({
  name: `${secretName(s)}/versions/${v.number}`,
  createTime: timestamp(v.createTime),
  state: v.state,
  etag: `"${v.number}"`,
  clientSpecifiedPayloadChecksum: true,
});

/** The replication as stored: only the oneof's chosen member (the loader adds the case name). */
function replicationOf(replication: FakeSecret["replication"] | undefined): FakeSecret["replication"] {
  if (replication?.automatic) return { automatic: {} };
  if (replication?.userManaged)
    return { userManaged: { replicas: replication.userManaged.replicas.map(({ location }) => ({ location })) } };
  return {};
}

/** The project part of a resource name (`projects/P/...`). */
function projectOf(resource: string): string {
  return /^projects\/([^/]+)/.exec(resource)?.[1] ?? "";
}

/** Page through `items` with opaque tokens, as Google's List methods do. */
function page<T>(items: T[], pageSize: number, pageToken: string | undefined): { items: T[]; next: string } {
  let offset = 0;
  if (pageToken) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(pageToken, "base64url").toString("utf8"));
    if (!decoded) throw new FakeGrpcStatus(status.INVALID_ARGUMENT, "The provided page token is invalid.");
    offset = Number(decoded[1]);
  }
  const size = pageSize > 0 ? Math.min(pageSize, 25_000) : 25_000;
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    next: end < items.length ? Buffer.from(`offset:${end}`).toString("base64url") : "",
  };
}

/** Starts the fake on 127.0.0.1 (gRPC and the token endpoint on free ports). */
export async function startFakeGcp(
  options: { project?: string; tokenLifetimeSeconds?: number } = {},
): Promise<FakeGcp> {
  const project = options.project ?? "fake-project";
  const tokens: FakeTokenEndpoint = await startTokenEndpoint(
    options.tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: options.tokenLifetimeSeconds },
  );
  const store = createSecretStore();
  const faults = createFaults();
  const calls: FakeGcpLoggedCall[] = [];
  const keyJson = tokens.createServiceAccount("syncline", project, "*");

  /** Wraps one method: log, latency, faults, client-gone check, bearer token and permission, then the handler. */
  function method<Req>(
    name: string,
    resourceOf: (request: Req) => string,
    permission: string,
    handler: (request: Req) => unknown,
  ) {
    return (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>) => {
      const resource = String(resourceOf(call.request) ?? "");
      const logged: FakeGcpLoggedCall = { method: name, resource, code: -1 };
      calls.push(logged);
      const answer = (error: FakeGrpcStatus | null, response?: unknown) => {
        if (call.cancelled) return;
        logged.code = error ? error.code : status.OK;
        if (error) callback(error);
        else callback(null, response);
      };
      void (async () => {
        if (faults.latencyMs > 0) await sleep(faults.latencyMs);
        if (call.cancelled) return; // the client went away: no effect
        const decision = faults.decide(WRITE_METHODS.has(name));
        if (decision.kind === "hang") return;
        if (decision.kind === "fail")
          return answer(
            decision.status === 500
              ? new FakeGrpcStatus(status.INTERNAL, "Internal error encountered.")
              : new FakeGrpcStatus(status.UNAVAILABLE, "The service is currently unavailable."),
          );
        if (decision.kind === "rate_limit") return answer(quotaExceeded(decision.retryDelaySeconds));
        const authorization = String(call.metadata.get("authorization")[0] ?? "");
        const bearer = /^Bearer (\S+)$/.exec(authorization)?.[1];
        const account = bearer ? tokens.accountOf(bearer) : undefined;
        if (!account)
          return answer(
            new FakeGrpcStatus(
              status.UNAUTHENTICATED,
              "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            ),
          );
        const target = projectOf(resource);
        if (account.projects !== "*" && !account.projects.has(target))
          return answer(
            new FakeGrpcStatus(
              status.PERMISSION_DENIED,
              `Permission '${permission}' denied for resource '${resource}' (or it may not exist).`,
            ),
          );
        try {
          answer(null, handler(call.request));
        } catch (error) {
          if (error instanceof FakeGrpcStatus) answer(error);
          else answer(new FakeGrpcStatus(status.INTERNAL, "Internal error encountered."));
        }
      })();
    };
  }

  type Named = { name?: string };
  type Parent = { parent?: string; pageSize?: number; pageToken?: string };
  const implementation: UntypedServiceImplementation = {
    ListSecrets: method<Parent>(
      "ListSecrets",
      (r) => r.parent ?? "",
      "secretmanager.secrets.list",
      (r) => {
        const all = store.list(projectOf(r.parent ?? ""));
        const { items, next } = page(all, r.pageSize ?? 0, r.pageToken);
        return { secrets: items.map(secretMessage), nextPageToken: next, totalSize: all.length };
      },
    ),
    CreateSecret: method<
      Parent & {
        secretId?: string;
        secret?: { labels?: Record<string, string>; replication?: FakeSecret["replication"] };
      }
    >(
      "CreateSecret",
      (r) => `${r.parent}/secrets/${r.secretId}`,
      "secretmanager.secrets.create",
      (r) =>
        secretMessage(
          store.create(
            projectOf(r.parent ?? ""),
            r.secretId ?? "",
            { ...r.secret?.labels },
            replicationOf(r.secret?.replication),
          ),
        ),
    ),
    AddSecretVersion: method<Parent & { payload?: { data?: Buffer; dataCrc32c?: string } }>(
      "AddSecretVersion",
      (r) => r.parent ?? "",
      "secretmanager.versions.add",
      (r) => {
        const { secret, version } = store.add(
          r.parent ?? "",
          Buffer.from(r.payload?.data ?? []),
          r.payload?.dataCrc32c,
        );
        return versionMessage(secret, version);
      },
    ),
    AccessSecretVersion: method<Named>(
      "AccessSecretVersion",
      (r) => r.name ?? "",
      "secretmanager.versions.access",
      (r) => {
        const { secret, version } = store.access(r.name ?? "");
        const data = version.payload ?? Buffer.alloc(0);
        return {
          name: `${secretName(secret)}/versions/${version.number}`,
          payload: { data, dataCrc32c: String(fakeCrc32c(data)) },
        };
      },
    ),
    GetSecret: method<Named>(
      "GetSecret",
      (r) => r.name ?? "",
      "secretmanager.secrets.get",
      (r) => secretMessage(store.get(r.name ?? "")),
    ),
    UpdateSecret: method<{
      secret?: { name?: string; labels?: Record<string, string> };
      updateMask?: { paths?: string[] };
    }>(
      "UpdateSecret",
      (r) => r.secret?.name ?? "",
      "secretmanager.secrets.update",
      (r) => {
        const paths = r.updateMask?.paths ?? [];
        if (paths.length === 0 || paths.some((p) => p !== "labels"))
          throw new FakeGrpcStatus(status.INVALID_ARGUMENT, "The update_mask may only contain: labels (in this fake).");
        return secretMessage(store.updateLabels(r.secret?.name ?? "", { ...r.secret?.labels }));
      },
    ),
    DeleteSecret: method<Named>(
      "DeleteSecret",
      (r) => r.name ?? "",
      "secretmanager.secrets.delete",
      (r) => {
        store.delete(r.name ?? "");
        return {};
      },
    ),
    ListSecretVersions: method<Parent>(
      "ListSecretVersions",
      (r) => r.parent ?? "",
      "secretmanager.versions.list",
      (r) => {
        const secret = store.get(r.parent ?? "");
        const all = [...secret.versions].reverse();
        const { items, next } = page(all, r.pageSize ?? 0, r.pageToken);
        return { versions: items.map((v) => versionMessage(secret, v)), nextPageToken: next, totalSize: all.length };
      },
    ),
    DisableSecretVersion: method<Named>(
      "DisableSecretVersion",
      (r) => r.name ?? "",
      "secretmanager.versions.disable",
      (r) => {
        const { secret, version } = store.setState(r.name ?? "", "DISABLED");
        return versionMessage(secret, version);
      },
    ),
    DestroySecretVersion: method<Named>(
      "DestroySecretVersion",
      (r) => r.name ?? "",
      "secretmanager.versions.destroy",
      (r) => {
        const { secret, version } = store.setState(r.name ?? "", "DESTROYED");
        return versionMessage(secret, version);
      },
    ),
  };

  const server = new Server();
  server.addService(loadService(), implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    apiEndpoint: `http://127.0.0.1:${port}`,
    tokenUri: tokens.url,
    project,
    keyJson,
    createServiceAccount: (name, projects = "*") => tokens.createServiceAccount(name, project, projects),
    deleteServiceAccount: (email) => tokens.deleteServiceAccount(email),
    revokeTokens: () => tokens.revokeTokens(),
    get tokenExchanges() {
      return tokens.exchanges;
    },
    read(inProject = project) {
      const values = new Map<string, string>();
      for (const secret of store.list(inProject)) {
        const latest = secret.versions.at(-1);
        if (latest?.state === "ENABLED" && latest.payload) values.set(secret.id, latest.payload.toString("utf8"));
      }
      return values;
    },
    seed(entries, seedOptions = {}) {
      const inProject = seedOptions.project ?? project;
      for (const [id, value] of Object.entries(entries)) {
        const name = `projects/${inProject}/secrets/${id}`;
        if (!store.secrets.has(`${inProject}/${id}`))
          store.create(inProject, id, { ...seedOptions.labels }, { automatic: {} });
        store.add(name, Buffer.from(value, "utf8"));
      }
    },
    secret: (id, inProject = project) => store.secrets.get(`${inProject}/${id}`),
    calls,
    writeCount: () => calls.filter((c) => WRITE_METHODS.has(c.method) && c.code === status.OK).length,
    faults,
    async close() {
      server.forceShutdown();
      tokens.closeAllConnections();
      await tokens.close();
    },
  };
}
