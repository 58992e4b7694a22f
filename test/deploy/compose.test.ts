import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { databases, generateSecrets } from "../../deploy/generate-secrets.ts";
import { imageEnv, readDockerfile } from "./dockerfile.ts";
import {
  addressTargets,
  configProblems,
  requiredVariables,
  serviceConfigs,
  serviceNames,
  variableOf,
} from "./service-configs.ts";
import { wiringProblems } from "./service-wiring.ts";

const path = (relative: string) => fileURLToPath(new URL(`../../deploy/${relative}`, import.meta.url));
const composeText = readFileSync(path("compose/compose.yaml"), "utf8");
const dotenv = generateSecrets({ databaseHost: "postgres" });

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error} (an unset required variable throws). */
function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
      const found = env[name];
      if (found) return found;
      if (kind === "?") throw new Error(`${name} is required: ${rest}`);
      return kind === "-" ? (rest ?? "") : "";
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]));
  }
  return value;
}

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  read_only?: boolean;
  cap_drop?: string[];
}
const compose = interpolate(parseYaml(composeText, { merge: true }), dotenv) as {
  services: Record<string, ComposeService>;
};
const baseEnv = imageEnv(readDockerfile(path("docker/Dockerfile")));
const envOf = (name: string) => ({ ...baseEnv, ...compose.services[name]?.environment }) as Record<string, string>;
const brokers = Object.keys(compose.services).filter((name) => /^nats-\d$/.test(name));

describe("compose", () => {
  it("runs the four services from the one image, each with a configuration it accepts", () => {
    for (const service of serviceNames) {
      const spec = compose.services[service];
      expect(spec?.command, service).toEqual([service]);
      expect(spec?.image, service).toBe("syncline:dev");
      expect(spec?.read_only, service).toBe(true);
      expect(spec?.cap_drop, service).toEqual(["ALL"]);
      const env = envOf(service);
      for (const variable of requiredVariables(serviceConfigs[service] ?? {}))
        expect(env, service).toHaveProperty(variable);
      expect(configProblems(service, env), service).toEqual([]);
      expect(env[variableOf(service, "host") ?? ""], service).toBe("0.0.0.0");
      expect(env.SYNCLINE_NATS_REPLICAS, "streams are R3").toBe("3");
    }
    const envs = Object.fromEntries(serviceNames.map((s) => [s, envOf(s)]));
    expect(wiringProblems(envs, envOf(brokers[0] ?? ""))).toEqual([]);
  });

  it("checks each service's health on the port it listens on, and addresses name those ports", () => {
    for (const service of serviceNames) {
      const port = envOf(service)[variableOf(service, "port") ?? ""];
      expect(compose.services[service]?.healthcheck?.test, service).toEqual([
        "CMD",
        "syncline",
        "health",
        `${service}=127.0.0.1:${port}`,
      ]);
      for (const caller of serviceNames) {
        for (const [field, target] of Object.entries(addressTargets)) {
          const variable = variableOf(caller, field);
          if (variable && target === service) expect(envOf(caller)[variable], caller).toBe(`${service}:${port}`);
        }
      }
    }
  });

  it("gives each service with a database its own database, created by the init script", () => {
    const init = readFileSync(path("compose/postgres-init.sh"), "utf8");
    expect(compose.services.postgres?.volumes).toContain(
      "./postgres-init.sh:/docker-entrypoint-initdb.d/10-syncline.sh:ro",
    );
    expect(init).toContain(`for service in ${Object.keys(databases).join(" ")}; do`);
    const used = new Set<string>();
    for (const service of serviceNames) {
      const variable = variableOf(service, "databaseUrl");
      if (!variable) continue;
      const url = new URL(envOf(service)[variable] ?? "");
      expect(url.hostname, service).toBe("postgres");
      expect(Object.values(databases), service).toContain(url.pathname.slice(1));
      expect(url.username, service).toBe(url.pathname.slice(1));
      used.add(url.pathname);
      expect(compose.services[service]?.depends_on?.postgres?.condition, service).toBe("service_healthy");
    }
    expect(used.size, "one database per service").toBe(Object.keys(databases).length);
  });

  it("runs a NATS JetStream cluster of three, routed to each other, that every service lists", () => {
    expect(brokers).toEqual(["nats-1", "nats-2", "nats-3"]);
    const conf = readFileSync(path("compose/nats/nats.conf"), "utf8");
    expect(conf).toMatch(/jetstream\s*\{/);
    for (const broker of brokers) {
      expect(conf).toContain(`nats://${broker}:6222`);
      expect(envOf(broker).SERVER_NAME).toBe(broker);
      expect(compose.services[broker]?.volumes).toContain("./nats:/etc/nats:ro");
    }
    for (const service of serviceNames) {
      expect(envOf(service).SYNCLINE_NATS_URL?.split(","), service).toEqual(brokers.map((b) => `nats://${b}:4222`));
      for (const broker of brokers)
        expect(compose.services[service]?.depends_on?.[broker]?.condition).toBe("service_healthy");
    }
    expect(existsSync(path("compose/nats/authorization.conf"))).toBe(true);
  });

  it("lists every variable it reads in .env.example; generate-secrets.ts makes the required ones", () => {
    const listed = [...readFileSync(path("compose/.env.example"), "utf8").matchAll(/^(\w+)=/gm)].map((m) => m[1]);
    const read = new Set([...composeText.matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    expect([...listed].sort()).toEqual([...read].sort());
    const required = new Set([...composeText.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]));
    expect([...required].sort()).toEqual(Object.keys(dotenv).sort());
  });
});
