/**
 * The NATS users of the cluster deployments, generated from the bus permissions
 * (packages/bus/src/permissions.ts): one user per service with its publish and subscribe allow
 * lists, passwords read by nats-server from its environment (`SYNCLINE_NATS_PASSWORD_<USER>`).
 * `node deploy/nats-authorization.ts` rewrites both copies; test/deploy fails when one is stale.
 */
import { writeFileSync } from "node:fs";
import { natsAuthorization } from "@syncline/bus";

/** The authorization block every broker of a cluster includes. */
export const clusterAuthorization = (): string =>
  natsAuthorization((user) => `$SYNCLINE_NATS_PASSWORD_${user.toUpperCase()}`);

const header = "# Generated from packages/bus/src/permissions.ts by `node deploy/nats-authorization.ts`; do not edit.";

/** deploy/compose/nats/authorization.conf, included by the compose brokers' nats.conf. */
export const composeAuthorizationFile = (): string => `${header}\n${clusterAuthorization()}`;

/** The Kubernetes ConfigMap holding authorization.conf, mounted beside nats.conf. */
export function kubernetesAuthorizationConfigMap(): string {
  const body = clusterAuthorization()
    .trimEnd()
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
  return [
    header,
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: nats-authorization",
    "  labels:",
    "    app.kubernetes.io/name: nats",
    "data:",
    "  authorization.conf: |",
    body,
    "",
  ].join("\n");
}

/** Where each generated file lives, relative to the repository root. */
export const generatedFiles = {
  "deploy/compose/nats/authorization.conf": composeAuthorizationFile,
  "deploy/kubernetes/base/nats/nats-authorization.yaml": kubernetesAuthorizationConfigMap,
} as const;

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  for (const [path, render] of Object.entries(generatedFiles)) writeFileSync(new URL(path, root), render());
}
