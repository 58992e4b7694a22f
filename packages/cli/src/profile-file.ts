import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { dump, load } from "js-yaml";
import { CliError } from "./cli-error.ts";
import { ExitCode } from "./exit-codes.ts";

/** What a profile may hold; every field is optional (flags and environment variables win over it). */
export const profileKeys = [
  "token",
  "secrets-address",
  "connections-address",
  "orchestrator-address",
  "project",
  "output",
  "tls-ca-file",
  "tls-client-cert-file",
  "tls-client-key-file",
] as const;

/** One key of a profile. */
export type ProfileKey = (typeof profileKeys)[number];

/** A named set of settings. */
export type Profile = Partial<Record<ProfileKey, string>>;

/** The profile file: named profiles and the one in use. */
export interface ProfileFile {
  "current-profile"?: string;
  profiles: Record<string, Profile>;
}

/**
 * Where the profile file lives: `$SYNCLINE_CONFIG`, else `$XDG_CONFIG_HOME/syncline/config.yaml`,
 * else `~/.config/syncline/config.yaml`.
 */
export function profileFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SYNCLINE_CONFIG) return env.SYNCLINE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "syncline", "config.yaml");
}

/** Reads the profile file; a missing file is an empty one, a malformed one an error naming it. */
export function readProfileFile(path: string): ProfileFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { profiles: {} };
    throw new CliError(`cannot read the profile file ${path}: ${(error as Error).message}`, ExitCode.error);
  }
  let parsed: unknown;
  try {
    parsed = load(text);
  } catch (error) {
    throw new CliError(`the profile file ${path} is not valid YAML: ${(error as Error).message}`, ExitCode.usage);
  }
  if (parsed === undefined || parsed === null) return { profiles: {} };
  const file = parsed as Partial<ProfileFile>;
  if (typeof parsed !== "object" || (file.profiles !== undefined && typeof file.profiles !== "object")) {
    throw new CliError(`the profile file ${path} must be a map with "profiles"`, ExitCode.usage);
  }
  const profiles: Record<string, Profile> = {};
  for (const [name, profile] of Object.entries(file.profiles ?? {})) {
    profiles[name] = Object.fromEntries(
      Object.entries(profile ?? {})
        .filter(([key]) => (profileKeys as readonly string[]).includes(key))
        .map(([key, value]) => [key, String(value)]),
    );
  }
  return { ...(file["current-profile"] ? { "current-profile": String(file["current-profile"]) } : {}), profiles };
}

/** Writes the profile file readable by its owner only: it holds tokens. */
export function writeProfileFile(path: string, file: ProfileFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, dump(file, { sortKeys: false }), { mode: 0o600 });
  chmodSync(path, 0o600);
}
