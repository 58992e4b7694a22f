import { folderPath } from "../domain/source-rules.ts";
import type { SecretAddress } from "../service/source-service.ts";

/** The (project_id, environment, path) of a folder or secret request, its path normalised. */
export function addressOf(request: { projectId: string; environment: string; path: string }): SecretAddress {
  return { projectId: request.projectId, environment: request.environment, path: folderPath("path", request.path) };
}

/** A metadata map as a plain object (protobuf maps may carry a prototype-less object). */
export function metadataOf(entries: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries));
}

/** An optional version (`expected_version`), already within the proto's range, as a JS number. */
export function versionOf(value: bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
