import type { Command } from "commander";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { CliError } from "../cli-error.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Options } from "../command-context.ts";
import { durationSeconds, enumChoices, enumValue, parseJsonArgument } from "../json-input.ts";
import { SecretSyncsService } from "../service-registry.ts";

const create = SecretSyncsService.method.createSecretSync.input;
/** The destination kinds: the cases of `DestinationConfig`'s oneof, from the protos. */
const destinationCases = create.field.destinationConfig!.message!.oneofs[0]!.fields;
const initialEnum = create.field.initialSyncBehavior!.enum!;

/** Every destination kind as typed on the command line (`vault-kv`, `github-actions`, …). */
export const destinationKinds = destinationCases.map((f) => f.name.replace(/_/g, "-"));

/** The options shared by `syncs create` and `syncs update`. */
export function withSyncOptions(command: Command): Command {
  return command
    .option("--connection <id>", "the app connection to reach the destination with")
    .option("-e, --env <slug>", "source environment")
    .option("--path <path>", "source folder")
    .option("--recursive", "the whole subtree of the folder, flattened")
    .option("--destination <kind>", `destination kind: ${destinationKinds.join(", ")}`)
    .option(
      "--config <json>",
      'the destination\'s config as JSON (@file, - for stdin), e.g. \'{"mount":"secret","path":"apps/api"}\'',
    )
    .option("--key-schema <template>", "destination key names, e.g. APP_{{secretKey}}")
    .option("--description <text>", "description")
    .option("--manual", "run only when triggered (auto_sync off)")
    .option("--auto", "run on every source change (auto_sync on, the default)")
    .option("--keep-deleted", "never delete keys at the destination (disable_secret_deletion)")
    .option("--initial <behavior>", `first push: ${enumChoices(initialEnum).join(", ")}`)
    .option("--drift-check <duration>", "compare the destination with the source this often (1m to 7d; 0s off)");
}

/** The destination oneof case a person named. */
function destinationCase(kind: string) {
  const wanted = kind.trim().replace(/-/g, "_").toLowerCase();
  const found = destinationCases.find(
    (f) => f.name === wanted || f.jsonName.toLowerCase() === wanted.replace(/_/g, ""),
  );
  if (!found) {
    throw new CliError(`--destination must be one of ${destinationKinds.join(", ")} (got "${kind}")`, ExitCode.usage);
  }
  return found;
}

/**
 * The JSON of a create or update request's sync fields from the options given (`currentKind` is
 * the sync's destination kind, for an update giving `--config` alone).
 */
export function syncFields(options: Options, currentKind?: string): JsonObject {
  const json: Record<string, JsonValue> = {};
  if (options.connection !== undefined) json.connectionId = options.connection as string;
  if (options.env !== undefined || options.path !== undefined || options.recursive !== undefined) {
    json.source = {
      environment: (options.env as string | undefined) ?? "",
      path: (options.path as string | undefined) ?? "/",
      recursive: Boolean(options.recursive),
    };
  }
  if (options.config !== undefined) {
    const kind = (options.destination as string | undefined) ?? currentKind;
    if (!kind) throw new CliError("--config needs --destination <kind>", ExitCode.usage);
    json.destinationConfig = {
      [destinationCase(kind).jsonName]: parseJsonArgument(options.config as string, "--config"),
    };
  } else if (options.destination !== undefined) {
    throw new CliError("--destination needs --config <json> (the destination's settings)", ExitCode.usage);
  }
  if (options.keySchema !== undefined) json.keySchema = options.keySchema as string;
  if (options.description !== undefined) json.description = options.description as string;
  if (options.manual && options.auto) throw new CliError("give --manual or --auto, not both", ExitCode.usage);
  if (options.manual) json.autoSync = false;
  if (options.auto) json.autoSync = true;
  if (options.keepDeleted) json.disableSecretDeletion = true;
  if (options.initial !== undefined) {
    const value = enumValue(initialEnum, options.initial as string, "--initial");
    json.initialSyncBehavior = initialEnum.values.find((v) => v.number === value)!.name;
  }
  if (options.driftCheck !== undefined)
    json.driftCheckInterval = `${durationSeconds(options.driftCheck as string, "--drift-check")}s`;
  return json;
}
