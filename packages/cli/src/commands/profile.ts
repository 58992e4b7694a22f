import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { ExitCode } from "../exit-codes.ts";
import { createOutput } from "../output.ts";
import { type Profile, profileFilePath, readProfileFile, writeProfileFile } from "../profile-file.ts";
import { type GlobalFlags, resolveSettings, settingSpecs } from "../settings.ts";

/** A token is never shown, only that one is set. */
const masked = (token: string) => `set (${token.length} characters)`;

/** `syncline profile`: named settings (addresses, token, project, output) in the profile file. */
export function registerProfile(program: Command): void {
  const group = program
    .command("profile")
    .description(`named settings in ${profileFilePath()} ($SYNCLINE_CONFIG): flags > environment > profile`);
  group
    .command("set")
    .description("save the global flags given here (--token, --secrets-address, --project, …) in the profile")
    .action((_options, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      const path = profileFilePath();
      const file = readProfileFile(path);
      const name = flags.profile ?? process.env.SYNCLINE_PROFILE ?? file["current-profile"] ?? "default";
      const profile: Profile = { ...file.profiles[name] };
      let changed = 0;
      for (const spec of settingSpecs) {
        const value = flags[spec.flag];
        if (value === undefined) continue;
        if (value === "") delete profile[spec.key];
        else profile[spec.key] = value;
        changed++;
      }
      if (changed === 0) {
        throw new CliError(
          "nothing to set",
          ExitCode.usage,
          "give the settings as flags, e.g. `syncline profile set --token <token>`",
        );
      }
      file.profiles[name] = profile;
      file["current-profile"] ??= name;
      writeProfileFile(path, file);
      process.stderr.write(`profile ${name} saved in ${path}\n`);
    });
  group
    .command("use <name>")
    .description("make a profile the one used by default")
    .action((name: string) => {
      const path = profileFilePath();
      const file = readProfileFile(path);
      if (!file.profiles[name]) {
        throw new CliError(
          `no profile "${name}" in ${path}`,
          ExitCode.usage,
          "create it with `syncline profile set --profile <name> …`",
        );
      }
      writeProfileFile(path, { ...file, "current-profile": name });
      process.stderr.write(`using profile ${name}\n`);
    });
  group
    .command("list")
    .description("list the profiles (* marks the one in use)")
    .action(() => {
      const file = readProfileFile(profileFilePath());
      const current = process.env.SYNCLINE_PROFILE ?? file["current-profile"] ?? "default";
      for (const name of Object.keys(file.profiles)) process.stdout.write(`${name === current ? "*" : " "} ${name}\n`);
    });
  group
    .command("show")
    .description("the settings in effect and where each comes from (flag, env, profile, default)")
    .action((_options, command: Command) => {
      const settings = resolveSettings(command.optsWithGlobals() as GlobalFlags);
      const rows = settingSpecs.map((spec) => {
        const { value, source } = settings.values[spec.key];
        const shown = value === undefined ? "" : spec.key === "token" ? masked(value) : value;
        return { setting: spec.key, value: shown, source, variable: spec.env };
      });
      const out = createOutput(settings.output === "id" ? "table" : settings.output);
      if (out.mode !== "table")
        return out.value({ profile: settings.profileName, file: settings.profileFile, settings: rows });
      out.line(`profile ${settings.profileName} (${settings.profileFile})`);
      for (const row of rows) out.line(`${row.setting.padEnd(22)}${(row.value || "-").padEnd(40)} ${row.source}`);
    });
}
