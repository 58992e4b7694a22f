/**
 * A small Kustomize renderer for the manifests under deploy/kubernetes, so they are checked here
 * without a kustomize binary. It supports exactly the features those kustomizations use —
 * `resources` (files and directories), `namespace`, `labels` (without selectors), `images` and
 * JSON 6902 `patches` with a target — and throws on any other field, so it cannot silently render
 * something kustomize would render differently.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { applyJsonPatch, type JsonPatchOperation } from "./json-patch.ts";

/** A Kubernetes object as rendered: plain data. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

const KUSTOMIZATION_FIELDS = new Set(["apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"]);
const LABEL_FIELDS = new Set(["pairs", "includeSelectors", "includeTemplates"]);
const IMAGE_FIELDS = new Set(["name", "newName", "newTag", "digest"]);
const PATCH_FIELDS = new Set(["path", "patch", "target"]);
const TARGET_FIELDS = new Set(["kind", "name", "labelSelector"]);
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"]);
const POD_OWNERS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

/** Renders the kustomization in `dir` (and, recursively, the directories it lists as resources). */
export function renderKustomization(dir: string): KubeObject[] {
  const k = parseYaml(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Record<string, unknown>;
  refuseUnknown(k, KUSTOMIZATION_FIELDS, `${dir}/kustomization.yaml`);
  if (k.kind !== "Kustomization" || k.apiVersion !== "kustomize.config.k8s.io/v1beta1") {
    throw new Error(`${dir}: not a kustomize.config.k8s.io/v1beta1 Kustomization`);
  }
  let objects = list<string>(k.resources).flatMap((entry) => loadResource(join(dir, entry)));
  for (const patch of list<Record<string, unknown>>(k.patches)) objects = applyPatch(objects, patch, dir);
  if (typeof k.namespace === "string") {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace as string;
  }
  for (const label of list<Record<string, unknown>>(k.labels)) applyLabels(objects, label, dir);
  for (const image of list<Record<string, string>>(k.images)) applyImage(objects, image, dir);
  return objects;
}

function list<T>(value: unknown): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`expected a list, got ${JSON.stringify(value)}`);
  return value as T[];
}

function refuseUnknown(value: object, allowed: ReadonlySet<string>, where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.has(key));
  if (unknown.length > 0) throw new Error(`${where}: unsupported field(s) ${unknown.join(", ")}`);
}

function loadResource(path: string): KubeObject[] {
  if (statSync(path).isDirectory()) return renderKustomization(path);
  return parseAllDocuments(readFileSync(path, "utf8")).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`);
    const object = doc.toJS() as KubeObject | null;
    return object === null ? [] : [object];
  });
}

function applyPatch(objects: KubeObject[], spec: Record<string, unknown>, dir: string): KubeObject[] {
  refuseUnknown(spec, PATCH_FIELDS, `${dir}: patch`);
  const target = spec.target as Record<string, string> | undefined;
  if (!target) throw new Error(`${dir}: a patch needs a target (only JSON 6902 patches are supported)`);
  refuseUnknown(target, TARGET_FIELDS, `${dir}: patch target`);
  const text = typeof spec.path === "string" ? readFileSync(join(dir, spec.path), "utf8") : String(spec.patch);
  const operations = parseYaml(text) as JsonPatchOperation[];
  if (!Array.isArray(operations)) throw new Error(`${dir}: ${spec.path ?? "patch"} is not a JSON 6902 patch (a list)`);
  const selector = parseLabelSelector(target.labelSelector);
  let matched = 0;
  const patched = objects.map((o) => {
    const hit =
      o.kind === target.kind &&
      (target.name === undefined || o.metadata.name === target.name) &&
      Object.entries(selector).every(([key, value]) => o.metadata.labels?.[key] === value);
    if (!hit) return o;
    matched += 1;
    return applyJsonPatch(o, operations) as KubeObject;
  });
  if (matched === 0) throw new Error(`${dir}: patch ${spec.path ?? ""} matches no object`);
  return patched;
}

function parseLabelSelector(selector: string | undefined): Record<string, string> {
  if (selector === undefined) return {};
  return Object.fromEntries(
    selector.split(",").map((term) => {
      const match = /^\s*([\w./-]+)\s*=\s*([\w.-]*)\s*$/.exec(term);
      if (!match) throw new Error(`label selector term "${term}" is not key=value (the only form supported)`);
      return [match[1], match[2]];
    }),
  );
}

function applyLabels(objects: KubeObject[], spec: Record<string, unknown>, dir: string): void {
  refuseUnknown(spec, LABEL_FIELDS, `${dir}: labels`);
  if (spec.includeSelectors === true) throw new Error(`${dir}: labels with includeSelectors are not supported`);
  const pairs = spec.pairs as Record<string, string>;
  for (const o of objects) {
    o.metadata.labels = { ...o.metadata.labels, ...pairs };
    if (spec.includeTemplates === true && POD_OWNERS.has(o.kind)) {
      const template = podTemplate(o);
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...pairs } };
    }
  }
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: { containers: { image: string }[]; initContainers?: { image: string }[] };
}

/** The pod template of a workload object. */
export function podTemplate(o: KubeObject): PodTemplate {
  return (o.spec as { template: PodTemplate }).template;
}

function applyImage(objects: KubeObject[], spec: Record<string, string>, dir: string): void {
  refuseUnknown(spec, IMAGE_FIELDS, `${dir}: images`);
  for (const o of objects.filter((x) => POD_OWNERS.has(x.kind))) {
    const { spec: pod } = podTemplate(o);
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      const { name, tag, digest } = splitImage(container.image);
      if (name !== spec.name) continue;
      const newName = spec.newName ?? name;
      if (spec.digest) container.image = `${newName}@${spec.digest}`;
      else if (spec.newTag) container.image = `${newName}:${spec.newTag}`;
      else container.image = `${newName}${digest ? `@${digest}` : tag ? `:${tag}` : ""}`;
    }
  }
}

/** Splits `registry:port/name:tag@digest` into its name, tag and digest. */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [withTag, digest] = image.split("@") as [string, string | undefined];
  const slash = withTag.lastIndexOf("/");
  const colon = withTag.lastIndexOf(":");
  if (colon > slash) return { name: withTag.slice(0, colon), tag: withTag.slice(colon + 1), digest };
  return { name: withTag, digest };
}
