/**
 * Reading rendered Kubernetes objects the way the cluster would: the environment a container gets
 * (image defaults, ConfigMaps, Secret keys), which pods a selector picks, and which connections the
 * NetworkPolicies let through.
 */
import { podTemplate, type KubeObject } from "./kustomize-render.ts";

/** A container of a pod template, as far as the checks read it. */
export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
      fieldRef?: { fieldPath: string };
    };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  [key: string]: unknown;
}

/** A workload's pods: their labels and containers. */
export interface Pods {
  readonly workload: KubeObject;
  readonly labels: Record<string, string>;
  readonly containers: Container[];
}

/** The pods of every Deployment and StatefulSet. */
export function podsOf(objects: readonly KubeObject[]): Pods[] {
  return objects
    .filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")
    .map((workload) => {
      const template = podTemplate(workload) as { metadata?: { labels?: Record<string, string> }; spec: unknown };
      const spec = template.spec as { containers: Container[] };
      return { workload, labels: template.metadata?.labels ?? {}, containers: spec.containers };
    });
}

/** Finds one object by kind and name, failing loudly when it is missing. */
export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

/**
 * The environment `container` runs with: the image's ENV, then envFrom ConfigMaps, then env entries;
 * Secret keys resolve through `secretValues` (a missing key or another Secret's name throws).
 */
export function containerEnv(
  objects: readonly KubeObject[],
  container: Container,
  imageEnv: Record<string, string>,
  secret: { name: string; values: Record<string, string> },
): Record<string, string> {
  const configMap = (name: string) => (find(objects, "ConfigMap", name).data ?? {}) as Record<string, string>;
  const secretValue = (ref: { name: string; key: string }) => {
    const value = secret.values[ref.key];
    if (ref.name !== secret.name || value === undefined) {
      throw new Error(`${container.name}: Secret ${ref.name} has no key ${ref.key}`);
    }
    return value;
  };
  const env: Record<string, string> = { ...imageEnv };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMap(source.configMapRef.name));
    else throw new Error(`${container.name}: envFrom other than a ConfigMap is not expected`);
  }
  for (const entry of container.env ?? []) {
    const from = entry.valueFrom;
    if (from?.secretKeyRef) env[entry.name] = secretValue(from.secretKeyRef);
    else if (from?.configMapKeyRef)
      env[entry.name] = configMap(from.configMapKeyRef.name)[from.configMapKeyRef.key] ?? "";
    else if (from?.fieldRef) env[entry.name] = `<${from.fieldRef.fieldPath}>`;
    else env[entry.name] = entry.value ?? "";
  }
  return env;
}

/** A label selector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether `selector` selects an object with `labels` (an empty selector selects everything). */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case "In":
        return value !== undefined && (e.values ?? []).includes(value);
      case "NotIn":
        return value === undefined || !(e.values ?? []).includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
  return byLabels && byExpressions;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { protocol?: string; port?: number | string }[];
}
interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

const policiesOf = (objects: readonly KubeObject[]) =>
  objects.filter((o) => o.kind === "NetworkPolicy").map((o) => o.spec as PolicySpec);

/** A peer picks a pod of the same namespace: a pod selector without a namespace selector (or an empty one). */
function peerPicksPod(peer: PolicyPeer, pod: Pods): boolean {
  if (peer.ipBlock) return false;
  const sameNamespace = !peer.namespaceSelector || Object.keys(peer.namespaceSelector).length === 0;
  return sameNamespace && selects(peer.podSelector ?? {}, pod.labels);
}

function portMatches(rule: PolicyRule, target: Pods, port: number): boolean {
  if (!rule.ports) return true;
  return rule.ports.some((p) => {
    if (p.port === undefined) return true;
    if (typeof p.port === "number") return p.port === port;
    return target.containers.some((c) => c.ports?.some((cp) => cp.name === p.port && cp.containerPort === port));
  });
}

/**
 * Whether the NetworkPolicies let pods of `from` open a TCP connection to port `port` of pods of
 * `to` in the same namespace: egress allowed at the source and ingress at the target (a side no
 * policy selects for that direction is open).
 */
export function allowsFlow(objects: readonly KubeObject[], from: Pods, to: Pods, port: number): boolean {
  const policies = policiesOf(objects);
  const side = (pod: Pods, type: "Ingress" | "Egress", peer: Pods, target: Pods) => {
    const applying = policies.filter((p) => p.policyTypes.includes(type) && selects(p.podSelector, pod.labels));
    if (applying.length === 0) return true;
    return applying.some((p) =>
      (type === "Ingress" ? p.ingress : p.egress)?.some((rule) => {
        const peers = type === "Ingress" ? rule.from : rule.to;
        return (!peers || peers.some((x) => peerPicksPod(x, peer))) && portMatches(rule, target, port);
      }),
    );
  };
  return side(from, "Egress", to, to) && side(to, "Ingress", from, to);
}

/** Whether pods of `from` may connect out of the cluster (an ipBlock peer) to `port`. */
export function allowsExternalEgress(objects: readonly KubeObject[], from: Pods, port: number): boolean {
  return policiesOf(objects)
    .filter((p) => p.policyTypes.includes("Egress") && selects(p.podSelector, from.labels))
    .some((p) =>
      p.egress?.some(
        (rule) =>
          rule.to?.some((peer) => peer.ipBlock?.cidr === "0.0.0.0/0") &&
          (!rule.ports || rule.ports.some((x) => x.port === port)),
      ),
    );
}
