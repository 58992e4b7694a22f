import { createHash } from "node:crypto";
import { ConnectorError, destinationOfConfig } from "@syncline/connectors";
import type { FieldViolation } from "@syncline/errors";
import type { DestinationConfig, SyncSource } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { normaliseFolderPath } from "@syncline/source-path";

/**
 * The rules of a sync that are not field rules. Field rules (names, ids, key schema, drift interval,
 * destination config shapes) are `buf.validate` annotations in `proto/syncline/syncs/v1/*.proto`,
 * applied at the RPC edge; capability rules are in `capability-rules.ts`. What stays here needs the
 * connector registry or a whole message at once.
 */

/** A sync needs a source: a missing one names both of its fields, as a present but empty one would. */
export function sourceViolations(source: SyncSource | undefined): FieldViolation[] {
  return source
    ? []
    : [
        { field: "source.environment", description: "is required" },
        { field: "source.path", description: "is required (use / for the root folder)" },
      ];
}

/** The source as the service keeps it: its folder path normalised (`//api/` → `/api`). */
export function normalisedSource(source: SyncSource): { environment: string; path: string; recursive: boolean } {
  const path = normaliseFolderPath(source.path);
  return {
    environment: source.environment,
    path: "path" in path ? path.path : source.path,
    recursive: source.recursive,
  };
}

/**
 * What the destination's connector refuses in a config beyond the proto's field rules (rules that
 * depend on several fields, like a scope that decides which other fields apply). Its errors come as "field: problem".
 */
export function destinationConfigViolations(config: DestinationConfig): FieldViolation[] {
  const descriptor = destinationOfConfig(config);
  if (descriptor === undefined)
    return [{ field: "destination_config", description: "must set exactly one destination" }];
  try {
    descriptor.parseConfig(config);
    return [];
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    return error.message.split("; ").map((problem) => {
      const match = /^([a-z_.]+): (.*)$/s.exec(problem);
      return { field: match?.[1] ?? "destination_config", description: match?.[2] ?? problem };
    });
  }
}

/**
 * The run id a change event yields for a sync: derived from both ids, so a redelivered event maps
 * to the same run (no duplicate run rows) and its republished request is deduplicated by the stream.
 */
export function runIdForEvent(eventId: string, syncId: string): string {
  const hex = createHash("sha256").update(`${eventId}/${syncId}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Run messages are for people: bounded so a status never grows without limit. */
export function boundMessage(message: string, max = 1000): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}
