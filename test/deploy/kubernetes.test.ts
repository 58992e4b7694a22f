import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { generateSecrets } from "../../deploy/generate-secrets.ts";
import { imageEnv, readDockerfile } from "./dockerfile.ts";
import { allowsFlow, containerEnv, find, podsOf, selects, type LabelSelector, type Pods } from "./kube-objects.ts";
import { wiringProblems } from "./service-wiring.ts";
import { renderKustomization, type KubeObject } from "./kustomize-render.ts";
import {
  addressTargets,
  configProblems,
  requiredVariables,
  serviceConfigs,
  serviceNames,
  variableOf,
} from "./service-configs.ts";

const path = (relative: string) => fileURLToPath(new URL(`../../deploy/${relative}`, import.meta.url));
const overlays = readdirSync(path("kubernetes/overlays")).map((name) => `overlays/${name}`);
const renderings = ["base", ...overlays].map(
  (name) => [name, renderKustomization(path(`kubernetes/${name}`))] as const,
);
const exampleSecret = parseYaml(readFileSync(path("kubernetes/secret.example.yaml"), "utf8")) as KubeObject;
const exampleKeys = Object.keys(exampleSecret.stringData as Record<string, string>);
const secret = { name: exampleSecret.metadata.name, values: generateSecrets({ databaseHost: "db.example.internal" }) };
const baseEnv = imageEnv(readDockerfile(path("docker/Dockerfile")));

/** The validating model class of an object (kubernetes-models: one module per API group and version). */
async function validate(o: KubeObject): Promise<void> {
  const models = (await import(/* @vite-ignore */ `kubernetes-models/${o.apiVersion}`)) as Record<
    string,
    new (
      data: object,
    ) => { validate(): void }
  >;
  const Model = models[o.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}

interface SelectingSpec {
  selector?: LabelSelector | Record<string, string>;
  podSelector?: LabelSelector;
  scaleTargetRef?: { kind: string; name: string };
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean };
  automountServiceAccountToken?: boolean;
}

const serviceOf = (pods: Pods) => pods.containers[0]?.args?.[0] ?? "";
const envOf = (objects: KubeObject[], pods: Pods) =>
  containerEnv(objects, pods.containers[0] as never, baseEnv, secret);

describe.each(renderings)("kubernetes %s", (_name, objects) => {
  const pods = podsOf(objects);
  const services = pods.filter((p) => serviceNames.includes(serviceOf(p)));

  it("renders only objects that validate against the Kubernetes schemas", async () => {
    for (const o of objects)
      await validate(o).catch((e: Error) => expect.fail(`${o.kind} ${o.metadata.name}: ${e.message}`));
    const namespaces = objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
    expect(namespaces).toHaveLength(1);
    for (const o of objects.filter((x) => x.kind !== "Namespace")) expect(o.metadata.namespace).toBe(namespaces[0]);
  });

  it("runs the four services from the one image, each with a configuration it accepts", () => {
    expect(services.map(serviceOf).sort()).toEqual([...serviceNames].sort());
    for (const p of services) {
      const service = serviceOf(p);
      const env = envOf(objects, p);
      expect(p.containers[0]?.image, service).toMatch(/\/syncline:|\/syncline@/);
      for (const variable of requiredVariables(serviceConfigs[service] ?? {}))
        expect(env, service).toHaveProperty(variable);
      expect(configProblems(service, env), service).toEqual([]);
      expect(env[variableOf(service, "host") ?? ""], `${service} listens on every interface`).toBe("0.0.0.0");
      const database = variableOf(service, "databaseUrl");
      if (database) expect(env[database], `${service} uses the external PostgreSQL`).toMatch(/^postgres:\/\//);
      expect(env.SYNCLINE_NATS_REPLICAS, "streams are R3").toBe("3");
    }
  });

  it("probes, container ports, the port each service listens on, Services and addresses agree", () => {
    for (const p of services) {
      const service = serviceOf(p);
      const container = p.containers[0] as Record<string, { grpc?: { port: number } }> & (typeof p.containers)[0];
      const env = envOf(objects, p);
      const port = Number(env[variableOf(service, "port") ?? ""]);
      expect(container.ports?.find((x) => x.name === "grpc")?.containerPort, service).toBe(port);
      expect(container.ports?.find((x) => x.name === "metrics")?.containerPort, service).toBe(
        Number(env.SYNCLINE_METRICS_PORT),
      );
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        expect(container[probe]?.grpc?.port, `${service} ${probe}`).toBe(port);
      }
      const svc = find(objects, "Service", service).spec as { ports: { port: number; targetPort: string | number }[] };
      const grpc = svc.ports.find((x) => x.targetPort === "grpc" || x.targetPort === port);
      expect(grpc?.port, `Service ${service}`).toBe(port);
      for (const caller of services) {
        const callerService = serviceOf(caller);
        for (const [field, target] of Object.entries(addressTargets)) {
          const variable = variableOf(callerService, field);
          if (variable && target === service) expect(envOf(objects, caller)[variable]).toBe(`${service}:${grpc?.port}`);
        }
      }
    }
  });

  it("selects existing pods with every Service, PodDisruptionBudget, autoscaler and NetworkPolicy", () => {
    const matching = (selector: LabelSelector = {}) => pods.filter((p) => selects(selector, p.labels));
    for (const o of objects) {
      const spec = (o.spec ?? {}) as SelectingSpec;
      const labels = spec.selector as Record<string, string>;
      if (o.kind === "Service") expect(matching({ matchLabels: labels }), o.metadata.name).toHaveLength(1);
      if (o.kind === "PodDisruptionBudget") expect(matching(spec.selector), o.metadata.name).toHaveLength(1);
      if (o.kind === "Deployment" || o.kind === "StatefulSet") {
        expect(matching(spec.selector), `${o.kind} ${o.metadata.name}`).toEqual(pods.filter((p) => p.workload === o));
      }
      if (o.kind === "HorizontalPodAutoscaler") {
        const target = spec.scaleTargetRef ?? { kind: "", name: "" };
        expect(find(objects, target.kind, target.name).metadata.name).toBe("connector-worker");
      }
      if (o.kind === "NetworkPolicy") expect(matching(spec.podSelector).length, o.metadata.name).toBeGreaterThan(0);
    }
    expect(objects.some((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === "nats")).toBe(true);
  });

  it("lets through exactly the calls the services' configurations make, NATS traffic and broker routes", () => {
    const nats = pods.find((p) => p.workload.metadata.name === "nats") as Pods;
    const expected = new Set<string>(["nats->nats:6222"]);
    for (const p of services) {
      expected.add(`${serviceOf(p)}->nats:4222`);
      for (const [field, target] of Object.entries(addressTargets)) {
        if (variableOf(serviceOf(p), field)) expected.add(`${serviceOf(p)}->${target}:${grpcPort(objects, target)}`);
      }
    }
    const allowed = new Set<string>();
    for (const from of pods) {
      for (const to of pods) {
        for (const port of to.containers.flatMap((c) => c.ports ?? []).map((x) => x.containerPort)) {
          if (allowsFlow(objects, from, to, port)) allowed.add(`${name(from)}->${name(to)}:${port}`);
        }
      }
    }
    expect([...allowed].sort()).toEqual([...expected].sort());
    expect(nats.labels["app.kubernetes.io/name"]).toBe("nats");
    const deny = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "default-deny");
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("runs every container as non-root on a read-only root with no capabilities, with requests and limits", () => {
    for (const p of pods) {
      const spec = (p.workload.spec as { template: { spec: PodSpec } }).template.spec;
      expect(spec.securityContext?.runAsNonRoot, name(p)).toBe(true);
      expect(spec.automountServiceAccountToken, name(p)).toBe(false);
      for (const c of p.containers) {
        expect(c.securityContext, name(p)).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
        const resources = c.resources as { requests?: object; limits?: object } | undefined;
        expect(Object.keys(resources?.requests ?? {}).sort(), name(p)).toEqual(["cpu", "memory"]);
        expect(Object.keys(resources?.limits ?? {}).sort(), name(p)).toEqual(["cpu", "memory"]);
      }
    }
  });

  it("wires credentials: peers accept callers' tokens, run grants verify, NATS passwords match", () => {
    const envs = Object.fromEntries(services.map((p) => [serviceOf(p), envOf(objects, p)]));
    const natsPod = pods.find((p) => p.workload.metadata.name === "nats") as Pods;
    expect(wiringProblems(envs, containerEnv(objects, natsPod.containers[0] as never, {}, secret))).toEqual([]);
  });

  it("runs NATS as a JetStream cluster of three, routed through the headless Service", () => {
    const nats = find(objects, "StatefulSet", "nats").spec as { replicas: number; serviceName: string };
    expect(nats.replicas).toBe(3);
    const headless = find(objects, "Service", nats.serviceName).spec as { clusterIP: string };
    expect(headless.clusterIP).toBe("None");
    const conf = (find(objects, "ConfigMap", "nats-config").data as Record<string, string>)["nats.conf"] ?? "";
    expect(conf).toMatch(/jetstream\s*\{/);
    const members = [0, 1, 2].map((i) => `nats-${i}.${nats.serviceName}`);
    for (const member of members) expect(conf).toContain(`nats://${member}:6222`);
    for (const p of services) {
      const urls = (envOf(objects, p).SYNCLINE_NATS_URL ?? "").split(",");
      expect(urls, serviceOf(p)).toEqual(members.map((m) => `nats://${m}:4222`));
    }
  });
});

const name = (p: Pods) => p.containers[0]?.args?.[0] ?? p.workload.metadata.name;
/** The port of a Service's `grpc` port. */
const grpcPort = (objects: KubeObject[], service: string) =>
  (find(objects, "Service", service).spec as { ports: { name: string; port: number }[] }).ports.find(
    (x) => x.name === "grpc",
  )?.port;

describe("the example Secret", () => {
  it("holds every key the manifests read, all made by deploy/generate-secrets.ts, and no real value", () => {
    const referenced = new Set<string>();
    for (const [, objects] of renderings) {
      for (const p of podsOf(objects)) {
        for (const c of p.containers)
          for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) referenced.add(e.valueFrom.secretKeyRef.key);
      }
    }
    expect([...referenced].sort()).toEqual([...exampleKeys].sort());
    for (const key of exampleKeys) expect(Object.keys(secret.values)).toContain(key);
    for (const value of Object.values(exampleSecret.stringData as Record<string, string>))
      expect(value).toContain("REPLACE");
  });
});
