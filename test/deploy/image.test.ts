import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readDockerfile } from "./dockerfile.ts";
import { serviceNames } from "./service-configs.ts";

const repo = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));
const stages = readDockerfile(repo("deploy/docker/Dockerfile"));
const runtime = stages.at(-1);
const all = (keyword: string, stage = runtime) =>
  stage?.instructions.filter((i) => i.keyword === keyword).map((i) => i.args) ?? [];

describe("the container image (deploy/docker/Dockerfile; no image can be built here)", () => {
  it("builds in stages on Node 24: dependencies with npm ci, dev dependencies pruned, a runtime stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of stages) expect(stage.from, stage.name).toMatch(/^(node:24[-.\w]*|deps|prune)$/);
    expect(stages.flatMap((s) => all("RUN", s)).some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    expect(stages.flatMap((s) => all("RUN", s)).some((run) => /\bnpm prune --omit=dev\b/.test(run))).toBe(true);
    expect(runtime?.from).toMatch(/^node:24/);
    const copiedModules = all("COPY").find((copy) => copy.includes("node_modules"));
    expect(copiedModules, "the runtime takes the pruned node_modules").toMatch(/--from=prune\b/);
  });

  it("runs as a non-root user under tini, through the entrypoint that maps each service to its main", () => {
    const user = all("USER").at(-1) ?? "";
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(":")[0])).toBeGreaterThan(0);
    expect(JSON.parse(all("ENTRYPOINT").at(-1) ?? "[]")).toEqual(["/usr/bin/tini", "--", "/usr/local/bin/syncline"]);
    expect(all("RUN").join(" ")).toMatch(/apt-get install[^&]*\btini\b/);
    expect(all("COPY")).toContain("--chown=root:root deploy/docker/entrypoint.sh /usr/local/bin/syncline");
    const entrypoint = readFileSync(repo("deploy/docker/entrypoint.sh"), "utf8");
    const mapped = /^\s*([\w|\s-]+)\)\s*\n\s*exec node "services\/\$service\/src\/main\.ts"/m.exec(entrypoint)?.[1];
    expect(mapped?.split("|").map((name) => name.trim())).toEqual(serviceNames);
    for (const name of serviceNames) expect(existsSync(repo(`services/${name}/src/main.ts`)), name).toBe(true);
  });

  it("starts each service's own main through the entrypoint (empty configuration: exit 78)", async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn("sh", [repo("deploy/docker/entrypoint.sh"), ...args], {
          env: { PATH: `${repo("node_modules/.bin")}:${process.env.PATH}`, SYNCLINE_APP_DIR: repo("") },
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on("close", (code) => resolve({ code, stderr }));
      });
    const started = await Promise.all(serviceNames.map((name) => run(name)));
    started.forEach(({ code, stderr }, i) => {
      expect(code, serviceNames[i]).toBe(78);
      expect(stderr, serviceNames[i]).toContain(`${serviceNames[i]}: invalid configuration`);
    });
    expect((await run("--help")).code).toBe(0);
    expect(await run("sync-worker")).toMatchObject({ code: 64, stderr: expect.stringContaining("usage: syncline") });
  });

  it("listens on every interface by default and copies only what exists and is not ignored", () => {
    const env = all("ENV").join(" ");
    for (const variable of ["SECRETS", "CONNECTIONS", "ORCHESTRATOR", "WORKER"]) {
      expect(env).toContain(`SYNCLINE_${variable}_HOST=0.0.0.0`);
    }
    const ignore = readFileSync(repo(".dockerignore"), "utf8");
    expect(ignore).toMatch(/^\*\*\/node_modules$/m);
    expect(ignore).toMatch(/^\.git$/m);
    const sources = stages
      .flatMap((s) => all("COPY", s))
      .filter((copy) => !copy.includes("--from="))
      .flatMap((copy) => copy.replace(/--\S+/g, "").trim().split(/\s+/).slice(0, -1));
    for (const source of sources) expect(existsSync(repo(source)), source).toBe(true);
    for (const kept of sources.filter((s) => s.startsWith("deploy/") || s.startsWith("test/"))) {
      expect(ignore, `${kept} is re-included in .dockerignore`).toContain(`!${kept}`);
    }
  });
});
