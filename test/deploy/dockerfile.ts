/**
 * Reads deploy/docker/Dockerfile into its stages and instructions (continuation lines joined), so
 * tests can check the image's facts and use its ENV as the base of every container's environment.
 */
import { readFileSync } from "node:fs";

/** One build stage: its base image, its name and its instructions in order. */
export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: { readonly keyword: string; readonly args: string }[];
}

/** The stages of the Dockerfile at `path`, with `ARG` defaults substituted into FROM lines. */
export function readDockerfile(path: string): Stage[] {
  const lines = readFileSync(path, "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === "ARG" && stages.length === 0) {
      const [name, value = ""] = rest.split("=");
      if (name) args[name] = value;
    } else if (upper === "FROM") {
      const substituted = rest.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? "");
      const [from = "", , name] = substituted.split(/\s+/);
      stages.push({ from, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args: rest });
    }
  }
  return stages;
}

/** The ENV of the final stage: what every container of the image starts with. */
export function imageEnv(stages: readonly Stage[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stages.at(-1)?.instructions ?? []) {
    if (keyword !== "ENV") continue;
    for (const [, key, value] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
      if (key && value) env[key] = value.replace(/^"|"$/g, "");
    }
  }
  return env;
}
