import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { generatedFiles } from "../../deploy/nats-authorization.ts";
import { generateSecrets } from "../../deploy/generate-secrets.ts";
import { containerEnv, find, podsOf } from "./kube-objects.ts";
import { renderKustomization } from "./kustomize-render.ts";

const repo = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), "syncline-nats-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `nats-server -t`: parses the configuration (includes, variables from `env`) and exits 0 when it is valid. */
function natsServerAccepts(files: Record<string, string>, env: Record<string, string>): string {
  const dir = mkdtempSync(join(work, "conf-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const check = spawnSync("nats-server", ["-t", "-c", join(dir, "nats.conf")], {
    env: { PATH: `${process.env.PATH}:/usr/sbin`, ...env },
    encoding: "utf8",
  });
  return check.status === 0 ? "valid" : `${check.error?.message ?? ""}${check.stdout}${check.stderr}`;
}

describe("the NATS cluster configurations", () => {
  it("generate the brokers' users from the bus permissions (node deploy/nats-authorization.ts is current)", () => {
    for (const [path, render] of Object.entries(generatedFiles))
      expect(readFileSync(repo(path), "utf8"), path).toBe(render());
  });

  it("compose: nats-server accepts the brokers' configuration with the environment compose gives them", () => {
    const compose = parseYaml(readFileSync(repo("deploy/compose/compose.yaml"), "utf8"), { merge: true }) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const secrets = generateSecrets({ databaseHost: "postgres" });
    const env = Object.fromEntries(
      Object.entries(compose.services["nats-1"]?.environment ?? {}).map(([key, value]) => [
        key,
        value.replace(/\$\{(\w+)[^}]*\}/g, (_, name: string) => secrets[name] ?? ""),
      ]),
    );
    const files = {
      "nats.conf": readFileSync(repo("deploy/compose/nats/nats.conf"), "utf8"),
      "authorization.conf": readFileSync(repo("deploy/compose/nats/authorization.conf"), "utf8"),
    };
    expect(natsServerAccepts(files, env)).toBe("valid");
  });

  it("kubernetes: nats-server accepts the ConfigMaps mounted into a broker, with the broker's environment", () => {
    const objects = renderKustomization(repo("deploy/kubernetes/base"));
    const broker = podsOf(objects).find((p) => p.workload.metadata.name === "nats");
    const secret = { name: "syncline", values: generateSecrets({ databaseHost: "db" }) };
    const env = containerEnv(objects, broker?.containers[0] as never, {}, secret);
    const files = {
      ...(find(objects, "ConfigMap", "nats-config").data as Record<string, string>),
      ...(find(objects, "ConfigMap", "nats-authorization").data as Record<string, string>),
    };
    expect(natsServerAccepts(files, { ...env, POD_NAME: "nats-0" })).toBe("valid");
    expect(natsServerAccepts(files, { POD_NAME: "nats-0" }), "passwords come from the environment").not.toBe("valid");
  });
});
