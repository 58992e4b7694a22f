/**
 * What each service requires of its environment, taken from the services' own configuration
 * declarations (services/* /src/config.ts, built with @syncline/config) rather than from a hand
 * list: a variable a service comes to require fails the deployment checks until the manifests set it.
 */
import { ConfigError, readConfig, type ConfigField } from "@syncline/config";
import { resolveRootKeys, rootKeyFields } from "@syncline/config/root-keys";
import { metricsConfig, readTransportSecurity } from "@syncline/service-runtime";
import { connectionsConfig, resolveCredentialKeys } from "../../services/connections/src/config.ts";
import { workerConfig } from "../../services/connector-worker/src/config.ts";
import { secretsConfig } from "../../services/secrets/src/config.ts";
import { orchestratorConfig } from "../../services/sync-orchestrator/src/config.ts";

type Shape = Record<string, ConfigField<unknown>>;

/** The four services by their image argument, with their configuration declaration. */
export const serviceConfigs: Record<string, Shape> = {
  secrets: secretsConfig,
  connections: connectionsConfig,
  "sync-orchestrator": orchestratorConfig,
  "connector-worker": workerConfig,
};

/** The service names, as the image's entrypoint and the manifests name them. */
export const serviceNames = Object.keys(serviceConfigs);

/** The service a `*Address` field of a configuration points at. */
export const addressTargets: Record<string, string> = {
  secretsAddress: "secrets",
  connectionsAddress: "connections",
  orchestratorAddress: "sync-orchestrator",
};

/** Variables whose field refuses to be unset: what the service requires, derived from its declaration. */
export function requiredVariables(shape: Shape): string[] {
  return Object.values(shape)
    .filter((field) => {
      try {
        field.parse(undefined);
        return false;
      } catch {
        return true;
      }
    })
    .map((field) => field.variable);
}

/**
 * Every problem the service's start-up would report for `env`: its own declaration, the metrics and
 * transport variables every process reads, and the keys resolved after reading (a root key for each
 * `<prefix>_ROOT_KEY` the declaration has, the connections service's fingerprint key). Empty = accepted.
 */
export function configProblems(service: string, env: NodeJS.ProcessEnv): string[] {
  const shape = serviceConfigs[service];
  if (!shape) return [`${service}: not a Syncline service`];
  const problems: string[] = [];
  const attempt = (read: () => unknown) => {
    try {
      read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  };
  attempt(() => readConfig(shape, env));
  attempt(() => readConfig(metricsConfig, env));
  attempt(() => readTransportSecurity(env));
  for (const field of Object.values(shape)) {
    const prefix = /^(.*)_ROOT_KEY$/.exec(field.variable)?.[1];
    if (!prefix || prefix.endsWith("_PREVIOUS")) continue;
    attempt(() => resolveRootKeys(prefix, readConfig(rootKeyFields(prefix), env), { env }));
  }
  if (service === "connections") attempt(() => resolveCredentialKeys(readConfig(connectionsConfig, env), env));
  return [...new Set(problems)];
}

/** The variable of a configuration field by its field name (`port`, `host`, `databaseUrl`, ...). */
export function variableOf(service: string, fieldName: string): string | undefined {
  return serviceConfigs[service]?.[fieldName]?.variable;
}
