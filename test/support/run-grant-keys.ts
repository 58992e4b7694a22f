import { generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import type { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import {
  createRunGrantSigner,
  RUN_GRANT_METADATA,
  type CallOptions,
  type RpcClient,
  type RunGrant,
} from "@syncline/rpc";
import { normaliseFolderPath } from "@syncline/source-path";

/** One Ed25519 run-grant key pair, as objects and as the environment variables services read. */
export interface RunGrantKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SYNCLINE_RUN_GRANT_SIGNING_KEY: base64 of the PKCS#8 PEM. */
  readonly signingKey: string;
  /** One entry of SYNCLINE_RUN_GRANT_PUBLIC_KEYS: base64 of the SPKI DER. */
  readonly publicKeyBase64: string;
}

/** A fresh key pair (one per system under test, so systems never trust each other's grants). */
export function generateRunGrantKeys(): RunGrantKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKey,
    publicKey,
    signingKey: Buffer.from(privateKey.export({ format: "pem", type: "pkcs8" }).toString()).toString("base64"),
    publicKeyBase64: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
  };
}

/** The environment of every service of a system that uses `keys`. */
export function runGrantEnv(keys: RunGrantKeyPair): Record<string, string> {
  return {
    SYNCLINE_RUN_GRANT_SIGNING_KEY: keys.signingKey,
    SYNCLINE_RUN_GRANT_PUBLIC_KEYS: keys.publicKeyBase64,
  };
}

/**
 * A signer of the system's run grants, as the orchestrator signs them, for tests that stand in for
 * a worker (e.g. a direct snapshot read); `expiresAt` defaults to a minute from now.
 */
export interface TestRunGrants {
  readonly keys: RunGrantKeyPair;
  sign(grant: Partial<RunGrant> & Pick<RunGrant, "projectId">, expiresAt?: Date): Promise<string>;
}

/** The signer of `keys`: unspecified claims are a PLAN grant of `/` in `dev`, not recursive. */
export function testRunGrants(keys: RunGrantKeyPair): TestRunGrants {
  const signer = createRunGrantSigner(keys.privateKey, { skewMs: 0 });
  return {
    keys,
    sign(grant, expiresAt = new Date(Date.now() + 60_000)) {
      return signer.sign(
        {
          runId: randomUUID(),
          leaseId: "",
          syncId: randomUUID(),
          environment: "dev",
          path: "/",
          recursive: false,
          connectionId: randomUUID(),
          action: "PLAN",
          importBehavior: "",
          ...grant,
        },
        expiresAt,
      );
    },
  };
}

const normalisedPath = (path: string) => {
  const normalised = normaliseFolderPath(path);
  return "path" in normalised ? normalised.path : path;
};

type SnapshotRequest = { projectId: string; environment: string; path?: string; recursive?: boolean };

/**
 * `snapshots` with a PLAN grant for exactly the source each call asks for: what a test standing in
 * for a worker reads with. Calls made on `snapshots` itself carry no grant (and are refused).
 */
export function grantedSnapshots(
  snapshots: RpcClient<typeof SourceSnapshotService>,
  grants: TestRunGrants,
): RpcClient<typeof SourceSnapshotService> {
  const grantFor = (request: SnapshotRequest) =>
    grants.sign({
      projectId: request.projectId,
      environment: request.environment,
      // Grants name normalised paths (as syncs store them); a malformed path stays as asked, for the service to refuse.
      path: normalisedPath(request.path ?? "/"),
      recursive: request.recursive ?? false,
    });
  const withGrant = async (request: SnapshotRequest, options: CallOptions = {}): Promise<CallOptions> => ({
    ...options,
    metadata: { ...options.metadata, [RUN_GRANT_METADATA]: await grantFor(request) },
  });
  return {
    close: () => snapshots.close(),
    getSourceSnapshot: async (request, options) =>
      snapshots.getSourceSnapshot(request, await withGrant(request as SnapshotRequest, options)),
    streamSourceSnapshot: (request, options) =>
      (async function* () {
        yield* snapshots.streamSourceSnapshot(request, await withGrant(request as SnapshotRequest, options));
      })(),
  };
}
