import type { DestinationDescriptor } from "@syncline/connectors";
import { createKeySchema } from "@syncline/connectors/sync";
import { InitialSyncBehavior } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { FieldViolation } from "@syncline/errors";

/** The options of a sync a destination kind may not support; undefined fields are not checked. */
export interface SyncOptionsToCheck {
  readonly initialSyncBehavior?: InitialSyncBehavior;
  /** A template that already passed `checkKeySchema`. */
  readonly keySchema?: string;
  readonly disableSecretDeletion?: boolean;
  /** The source environment, to try the key schema on. */
  readonly environment: string;
}

/**
 * What the destination kind cannot do of what the options ask, as INVALID_ARGUMENT violations:
 * an import where the destination cannot be read back, a key schema where keys are fixed, deletion
 * control where deletions cannot be held back, and a key schema producing keys the destination
 * refuses (tried on a sample key, so a schema like `app-{{secretKey}}` fails early for GitHub).
 */
export function capabilityViolations(
  descriptor: Pick<DestinationDescriptor, "name" | "capabilities" | "limits">,
  options: SyncOptionsToCheck,
): FieldViolation[] {
  const { name, capabilities, limits } = descriptor;
  const violations: FieldViolation[] = [];
  const imports =
    options.initialSyncBehavior === InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE ||
    options.initialSyncBehavior === InitialSyncBehavior.IMPORT_PRIORITIZE_DESTINATION;
  if (imports && !capabilities.readBack) {
    violations.push({
      field: "initial_sync_behavior",
      description: `${name} cannot be read back, so nothing can be imported: use INITIAL_SYNC_BEHAVIOR_OVERWRITE_DESTINATION`,
    });
  }
  if (options.keySchema) {
    if (!capabilities.keySchema) {
      violations.push({ field: "key_schema", description: `${name} does not support key schemas; leave it empty` });
    } else {
      const sample = createKeySchema(options.keySchema, options.environment).toDestination("SECRET_KEY");
      const stored = limits.upperCasesKeys ? sample.toUpperCase() : sample;
      if (!limits.keyPattern.test(stored)) {
        violations.push({
          field: "key_schema",
          description: `produces destination keys such as "${stored.slice(0, 100)}" that ${name} refuses (${limits.keyRule})`,
        });
      }
    }
  }
  if (options.disableSecretDeletion && !capabilities.deletionControl) {
    violations.push({
      field: "disable_secret_deletion",
      description: `${name} cannot hold deletions back; leave it false`,
    });
  }
  return violations;
}
