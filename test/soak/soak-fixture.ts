import { randomBytes } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import {
  GithubSecretScope,
  GithubSecretVisibility,
  type DestinationConfigSchema,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { FakeSecretScope } from "../fakes/github/fake-github.ts";
import { inParallel } from "../bench/bench-support.ts";
import type { SoakSystem } from "./soak-system.ts";

/** Where one soak sync reads (a folder of its own) and where it writes. */
export type SoakTarget =
  | { readonly kind: "vault"; readonly folder: string; readonly vaultPath: string }
  | { readonly kind: "github"; readonly folder: string; readonly scope: FakeSecretScope };

/** One sync of the soak with its source folder's keys. */
export interface SoakSync {
  readonly id: string;
  readonly target: SoakTarget;
  readonly keys: readonly string[];
}

/** The project the soak writes to, and its syncs. */
export interface SoakFixture {
  readonly projectId: string;
  readonly environment: string;
  readonly syncs: readonly SoakSync[];
}

/**
 * A value the soak writes: `<key>-<seq>-<random>`. The sequence number grows per key, so the order
 * of values can be checked at the destination without knowing when each was written.
 */
export function soakValue(key: string, seq: number): string {
  return `${key}-${seq}-${randomBytes(4).toString("hex")}`;
}

/** The sequence number of a soak value, or undefined when the value is not one. */
export function soakSequence(value: string): number | undefined {
  const match = /^[A-Z0-9_]+-(\d+)-[0-9a-f]+$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

/** The soak's targets: `vaultSyncs` Vault paths, then repository, environment and organization scopes of GitHub. */
export function soakTargets(vaultSyncs: number): SoakTarget[] {
  const vault = Array.from(
    { length: vaultSyncs },
    (_, i): SoakTarget => ({
      kind: "vault",
      folder: `/vault/v${i}`,
      vaultPath: `soak/v${i}`,
    }),
  );
  const scopes: FakeSecretScope[] = [
    ...[0, 1, 2].map((i) => ({ repository: `acme/repo-${i}` })),
    ...[0, 1, 2].map((i) => ({ repository: "acme/deploy", environment: `env-${i}` })),
    ...[0, 1].map((i) => ({ organization: `org-${i}` })),
  ];
  return [...vault, ...scopes.map((scope, i): SoakTarget => ({ kind: "github", folder: `/github/g${i}`, scope }))];
}

function destinationConfig(target: SoakTarget): MessageInitShape<typeof DestinationConfigSchema> {
  if (target.kind === "vault")
    return { destination: { case: "vaultKv", value: { mount: "secret", path: target.vaultPath } } };
  const scope = target.scope;
  if ("organization" in scope) {
    return {
      destination: {
        case: "githubActions",
        value: {
          scope: GithubSecretScope.ORGANIZATION,
          owner: scope.organization,
          visibility: GithubSecretVisibility.ALL,
        },
      },
    };
  }
  const [owner = "", repository = ""] = scope.repository.split("/");
  const value =
    scope.environment === undefined
      ? { scope: GithubSecretScope.REPOSITORY, owner, repository }
      : { scope: GithubSecretScope.ENVIRONMENT, owner, repository, environment: scope.environment };
  return { destination: { case: "githubActions", value } };
}

/**
 * Creates the project, a Vault and a GitHub connection, every folder's keys (sequence 0) and one
 * auto-sync per target; the syncs' first runs then fill the destinations.
 */
export async function createSoakFixture(
  system: SoakSystem,
  targets: readonly SoakTarget[],
  keysPerFolder: number,
): Promise<SoakFixture> {
  const environment = "prod";
  const { project } = await system.secrets.createProject({ name: "chaos-soak" });
  const projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: environment });
  const vault = await system.connections.createAppConnection({
    projectId,
    name: "vault",
    credentials: {
      app: {
        case: "vault",
        value: { instanceUrl: system.vault.url, method: { case: "token", value: { token: system.vault.token } } },
      },
    },
  });
  const github = await system.connections.createAppConnection({
    projectId,
    name: "github",
    credentials: {
      app: {
        case: "github",
        value: { apiUrl: system.github.url, method: { case: "token", value: { token: system.github.token } } },
      },
    },
  });
  const keys = Array.from({ length: keysPerFolder }, (_, i) => `K${i}`);
  const syncs: SoakSync[] = [];
  const writes = targets.flatMap((target) =>
    keys.map((key) => ({
      operation: SecretWriteOperation.CREATE,
      environment,
      path: target.folder,
      key,
      value: soakValue(key, 0),
    })),
  );
  await system.secrets.bulkWriteSecrets({ projectId, writes }, { deadlineMs: 60_000 });
  await inParallel(targets, 4, async (target, index) => {
    const { secretSync } = await system.syncs.createSecretSync(
      {
        projectId,
        name: `soak-${index}`,
        source: { environment, path: target.folder },
        connectionId: (target.kind === "vault" ? vault : github).connection!.id,
        destinationConfig: destinationConfig(target),
      },
      { deadlineMs: 30_000 },
    );
    syncs[index] = { id: secretSync!.id, target, keys };
  });
  return { projectId, environment, syncs };
}
