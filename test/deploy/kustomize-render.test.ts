import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyJsonPatch } from "./json-patch.ts";
import { renderKustomization } from "./kustomize-render.ts";

const work = mkdtempSync(join(tmpdir(), "syncline-kustomize-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels: { tier: api }
spec:
  replicas: 1
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec:
      containers:
        - name: app
          image: syncline
`;

/** A kustomization directory holding deployment.yaml and, when given, a patch file. */
function kustomization(body: string, patch?: string): string {
  const dir = mkdtempSync(join(work, "k-"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "deployment.yaml"), deployment);
  if (patch) writeFileSync(join(dir, "patch.yaml"), patch);
  writeFileSync(
    join(dir, "kustomization.yaml"),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml]\n${body}`,
  );
  return dir;
}

describe("the kustomize renderer of test/deploy", () => {
  it("applies namespace, labels (to templates, not selectors), images and JSON 6902 patches as kustomize does", () => {
    const dir = kustomization(
      `namespace: ns
labels: [{ pairs: { team: sync }, includeTemplates: true }]
images: [{ name: syncline, newName: registry.example:5000/syncline, newTag: "1.2" }]
patches: [{ path: patch.yaml, target: { kind: Deployment, labelSelector: tier=api } }]
`,
      "- { op: replace, path: /spec/replicas, value: 3 }\n",
    );
    const [app] = renderKustomization(dir);
    expect(app).toMatchObject({
      metadata: { name: "app", namespace: "ns", labels: { tier: "api", team: "sync" } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "app" } },
        template: {
          metadata: { labels: { app: "app", team: "sync" } },
          spec: { containers: [{ image: "registry.example:5000/syncline:1.2" }] },
        },
      },
    });
  });

  it("refuses every kustomization feature it does not implement, rather than rendering differently", () => {
    expect(() => renderKustomization(kustomization("commonLabels: { a: b }\n"))).toThrow(
      /unsupported field\(s\) commonLabels/,
    );
    expect(() => renderKustomization(kustomization("labels: [{ pairs: { a: b }, includeSelectors: true }]\n"))).toThrow(
      /includeSelectors/,
    );
    const strategicMerge = kustomization(
      "patches: [{ path: patch.yaml, target: { kind: Deployment } }]\n",
      "spec: { replicas: 2 }\n",
    );
    expect(() => renderKustomization(strategicMerge)).toThrow(/not a JSON 6902 patch/);
    const nowhere = kustomization(
      "patches: [{ path: patch.yaml, target: { kind: StatefulSet } }]\n",
      "- { op: remove, path: /spec/replicas }\n",
    );
    expect(() => renderKustomization(nowhere)).toThrow(/matches no object/);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: "move", path: "/a" }])).toThrow(/not supported/);
    expect(() => applyJsonPatch({ a: {} }, [{ op: "replace", path: "/a/b", value: 1 }])).toThrow(/does not exist/);
  });
});
