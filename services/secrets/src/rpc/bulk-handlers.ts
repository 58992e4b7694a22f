import {
  SecretWriteOperation,
  type SecretsService,
  type SecretWrite,
} from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { assertValid, permissionDenied, type FieldViolation } from "@syncline/errors";
import {
  auditActor,
  grantAllowsImport,
  isServiceCaller,
  reportedViolations,
  requireWorkerGrant,
  type RunGrantVerifier,
  type ServiceHandlers,
} from "@syncline/rpc";
import { bulkWriteViolations, folderPath } from "../domain/source-rules.ts";
import type { BulkWrite } from "../service/bulk-write.ts";
import type { SourceService } from "../service/source-service.ts";
import { metadataOf, versionOf } from "./source-address.ts";
import { secretMessage } from "./to-proto.ts";

const operations: Record<number, BulkWrite["operation"]> = {
  [SecretWriteOperation.CREATE]: "create",
  [SecretWriteOperation.UPDATE]: "update",
  [SecretWriteOperation.DELETE]: "delete",
  [SecretWriteOperation.UPSERT]: "upsert",
};

/**
 * BulkWriteSecrets: every write keeps the protos' field rules when this runs; here each write is
 * checked against its operation and a key may appear once per folder (naming `writes[i].field`),
 * then all are applied or none. A service caller must be a connector worker whose run grant lets
 * its run write into its own source (an import, or a first sync that imports), and every write must
 * stay inside that source — PERMISSION_DENIED otherwise, before anything is written.
 */
export function bulkHandlers(
  source: SourceService,
  grants: RunGrantVerifier,
): Pick<ServiceHandlers<typeof SecretsService>, "bulkWriteSecrets"> {
  return {
    async bulkWriteSecrets(request, context) {
      const grant = isServiceCaller(context.principal)
        ? await requireWorkerGrant(grants, context, "BulkWriteSecrets")
        : undefined;
      const violations: FieldViolation[] = [];
      const writes: BulkWrite[] = [];
      const seen = new Map<string, number>();
      request.writes.forEach((write, index) => {
        const parsed = readWrite(write, index);
        const field = (name: string) => `writes[${index}].${name}`;
        const found = bulkWriteViolations(parsed, field);
        const id = `${parsed.environment}\u0000${parsed.path}\u0000${parsed.key}`;
        const first = seen.get(id);
        if (first !== undefined)
          found.push({
            field: field("key"),
            description: `writes[${first}] already writes "${parsed.key}" in ${parsed.environment}:${parsed.path} (a key may appear once per folder)`,
          });
        else seen.set(id, index);
        violations.push(...found);
        writes.push(parsed);
      });
      assertValid(reportedViolations(violations));
      if (grant && !grantAllowsImport(grant, request.projectId, writes)) {
        throw permissionDenied(
          `a ${grant.action} run grant does not let the run write these secrets; workers write only an import ` +
            "into their sync's own source",
        );
      }
      const result = await source.bulkWriteSecrets(auditActor(context.principal), request.projectId, writes);
      return { revision: result.revision, secrets: result.secrets.map(secretMessage) };
    },
  };
}

/** One write as the service takes it, its path normalised. */
function readWrite(write: SecretWrite, index: number): BulkWrite {
  const expectedVersion = versionOf(write.expectedVersion);
  return {
    index,
    operation: operations[write.operation]!,
    environment: write.environment,
    path: folderPath(`writes[${index}].path`, write.path),
    key: write.key,
    ...(write.value !== undefined ? { value: write.value } : {}),
    ...(write.comment !== undefined ? { comment: write.comment } : {}),
    ...(write.metadata ? { metadata: metadataOf(write.metadata.entries) } : {}),
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  };
}
