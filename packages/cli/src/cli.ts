import { Command, CommanderError, Option } from "commander";
import { registerApps } from "./commands/apps.ts";
import { registerAudit } from "./commands/audit.ts";
import { registerCall } from "./commands/call.ts";
import { registerConnections } from "./commands/connections.ts";
import { registerEnvs } from "./commands/envs.ts";
import { registerFolders } from "./commands/folders.ts";
import { registerIdentities } from "./commands/identities.ts";
import { registerImports } from "./commands/imports.ts";
import { registerMembers } from "./commands/members.ts";
import { registerNotifications } from "./commands/notifications.ts";
import { registerProfile } from "./commands/profile.ts";
import { registerProjects } from "./commands/projects.ts";
import { registerSecretFiles } from "./commands/secret-files.ts";
import { registerSecretVersions } from "./commands/secret-versions.ts";
import { registerSecrets } from "./commands/secrets.ts";
import { registerSyncActions } from "./commands/sync-actions.ts";
import { registerSyncs } from "./commands/syncs.ts";
import { registerTokens } from "./commands/tokens.ts";
import { registerWhoami } from "./commands/whoami.ts";
import { registerCompletion } from "./completion.ts";
import { describeFailure } from "./error-line.ts";
import { ExitCode } from "./exit-codes.ts";

/**
 * The `syncline` program: global flags (each also an environment variable and a profile key) and
 * one command group per resource. A new group is one file under commands/ and one line here.
 */
export function createProgram(): Command {
  const program = new Command("syncline")
    .description("Drive the Syncline API: projects, secrets, connections and syncs.")
    .addOption(new Option("--profile <name>", "profile of the profile file to use").env("SYNCLINE_PROFILE"))
    .option("--token <token>", "identity token (prefer SYNCLINE_TOKEN or the profile: flags show in `ps`)")
    .option("--secrets-address <host:port>", "secrets service (SYNCLINE_SECRETS_ADDRESS; 127.0.0.1:50051)")
    .option("--connections-address <host:port>", "connections service (SYNCLINE_CONNECTIONS_ADDRESS; :50052)")
    .option("--orchestrator-address <host:port>", "sync orchestrator (SYNCLINE_ORCHESTRATOR_ADDRESS; :50053)")
    .option("-p, --project <id|name>", "the project commands address (SYNCLINE_PROJECT)")
    .addOption(new Option("-o, --output <mode>", "table, json, yaml or id (SYNCLINE_OUTPUT)"))
    .option("--tls-ca-file <file>", "CA the services' certificates are checked against (SYNCLINE_TLS_CA_FILE)")
    .option("--tls-client-cert-file <file>", "client certificate for mutual TLS (SYNCLINE_TLS_CLIENT_CERT_FILE)")
    .option("--tls-client-key-file <file>", "its private key (SYNCLINE_TLS_CLIENT_KEY_FILE)")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  for (const register of [registerProjects, registerEnvs, registerFolders, registerImports]) register(program);
  const secrets = registerSecrets(program);
  registerSecretVersions(secrets);
  registerSecretFiles(secrets);
  registerConnections(program);
  registerApps(program);
  registerSyncActions(registerSyncs(program));
  registerNotifications(program);
  for (const register of [registerIdentities, registerTokens, registerMembers, registerAudit, registerWhoami]) {
    register(program);
  }
  registerCall(program);
  registerProfile(program);
  registerCompletion(program);
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code; failures
 * are one line on stderr (see exit-codes.ts).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the problem (or the help) already.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const { line, exitCode } = describeFailure(error);
    process.stderr.write(`${line}\n`);
    return exitCode;
  }
}
