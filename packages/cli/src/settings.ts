import type { TransportSecurity } from "@syncline/service-runtime";
import { CliError } from "./cli-error.ts";
import { ExitCode } from "./exit-codes.ts";
import { type Profile, type ProfileKey, profileFilePath, readProfileFile } from "./profile-file.ts";
import type { Endpoint } from "./service-registry.ts";

/** How results are printed. */
export type OutputMode = "table" | "json" | "yaml" | "id";
const outputModes: readonly OutputMode[] = ["table", "json", "yaml", "id"];

/** Where a setting came from, for `profile show`. */
export type SettingSource = "flag" | "env" | "profile" | "default";

/** The global flags, as commander parsed them (camelCase; undefined when not given). */
export interface GlobalFlags {
  readonly profile?: string;
  readonly token?: string;
  readonly secretsAddress?: string;
  readonly connectionsAddress?: string;
  readonly orchestratorAddress?: string;
  readonly project?: string;
  readonly output?: string;
  readonly tlsCaFile?: string;
  readonly tlsClientCertFile?: string;
  readonly tlsClientKeyFile?: string;
}

/** One setting: its flag, its environment variable, its profile key and its default. */
interface SettingSpec {
  readonly flag: keyof GlobalFlags;
  readonly env: string;
  readonly key: ProfileKey;
  readonly fallback?: string;
}

/** Every setting, one table: flags override environment variables, which override the profile. */
export const settingSpecs: readonly SettingSpec[] = [
  { flag: "token", env: "SYNCLINE_TOKEN", key: "token" },
  { flag: "secretsAddress", env: "SYNCLINE_SECRETS_ADDRESS", key: "secrets-address", fallback: "127.0.0.1:50051" },
  {
    flag: "connectionsAddress",
    env: "SYNCLINE_CONNECTIONS_ADDRESS",
    key: "connections-address",
    fallback: "127.0.0.1:50052",
  },
  {
    flag: "orchestratorAddress",
    env: "SYNCLINE_ORCHESTRATOR_ADDRESS",
    key: "orchestrator-address",
    fallback: "127.0.0.1:50053",
  },
  { flag: "project", env: "SYNCLINE_PROJECT", key: "project" },
  { flag: "output", env: "SYNCLINE_OUTPUT", key: "output", fallback: "table" },
  { flag: "tlsCaFile", env: "SYNCLINE_TLS_CA_FILE", key: "tls-ca-file" },
  { flag: "tlsClientCertFile", env: "SYNCLINE_TLS_CLIENT_CERT_FILE", key: "tls-client-cert-file" },
  { flag: "tlsClientKeyFile", env: "SYNCLINE_TLS_CLIENT_KEY_FILE", key: "tls-client-key-file" },
];

/** The settings a command runs with. */
export interface Settings {
  readonly profileName: string;
  readonly profileFile: string;
  /** Each setting's value and source, by profile key. */
  readonly values: Readonly<Record<ProfileKey, { value: string | undefined; source: SettingSource }>>;
  readonly token: string | undefined;
  readonly addresses: Readonly<Record<Endpoint, string>>;
  readonly project: string | undefined;
  readonly output: OutputMode;
}

/** Resolves every setting: flag, else environment variable, else the profile, else the default. */
export function resolveSettings(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Settings {
  const profileFile = profileFilePath(env);
  const file = readProfileFile(profileFile);
  const profileName = flags.profile ?? env.SYNCLINE_PROFILE ?? file["current-profile"] ?? "default";
  if (flags.profile !== undefined && !file.profiles[flags.profile]) {
    throw new CliError(`no profile "${flags.profile}" in ${profileFile}`, ExitCode.usage, profileFix);
  }
  const profile: Profile = file.profiles[profileName] ?? {};
  const values = {} as Record<ProfileKey, { value: string | undefined; source: SettingSource }>;
  for (const spec of settingSpecs) {
    const flag = flags[spec.flag];
    const fromEnv = env[spec.env];
    values[spec.key] =
      flag !== undefined
        ? { value: flag, source: "flag" }
        : fromEnv
          ? { value: fromEnv, source: "env" }
          : profile[spec.key] !== undefined
            ? { value: profile[spec.key], source: "profile" }
            : { value: spec.fallback, source: "default" };
  }
  const output = values.output.value as OutputMode;
  if (!outputModes.includes(output)) {
    throw new CliError(`--output must be one of ${outputModes.join(", ")} (got "${output}")`, ExitCode.usage);
  }
  return {
    profileName,
    profileFile,
    values,
    token: values.token.value || undefined,
    addresses: {
      secrets: values["secrets-address"].value!,
      connections: values["connections-address"].value!,
      orchestrator: values["orchestrator-address"].value!,
    },
    project: values.project.value || undefined,
    output,
  };
}

const profileFix = "list them with `syncline profile list`; create one with `syncline profile set --profile <name>`";

/** The TLS of the CLI's calls (undefined: plaintext). */
export type ClientTlsSettings = TransportSecurity["grpcClient"];

/**
 * The TLS of the CLI's calls from the resolved TLS settings, checked as the services check theirs;
 * plaintext when none is set (the transport code is loaded only then, to keep the CLI quick).
 */
export async function clientTls(settings: Settings): Promise<ClientTlsSettings> {
  const tlsEnv: NodeJS.ProcessEnv = {};
  for (const spec of settingSpecs.filter((s) => s.key.startsWith("tls-"))) {
    const value = settings.values[spec.key].value;
    if (value) tlsEnv[spec.env] = value;
  }
  if (Object.keys(tlsEnv).length === 0) return undefined;
  const { readTransportSecurity } = await import("@syncline/service-runtime");
  try {
    return readTransportSecurity(tlsEnv).grpcClient;
  } catch (error) {
    throw new CliError(`TLS settings: ${(error as Error).message}`, ExitCode.usage);
  }
}
