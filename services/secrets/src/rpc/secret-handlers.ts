import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { checkComment, checkSecretKey, checkSecretValue } from "../domain/source-rules.ts";
import type { SourceService } from "../service/source-service.ts";
import { decodeNumericPageToken, pageSize, paginate } from "./page-token.ts";
import { createChecks, readAddress } from "./request-checks.ts";
import { secretMessage, secretVersionMessage } from "./to-proto.ts";

type SecretMethods =
  | "createSecret"
  | "updateSecret"
  | "deleteSecret"
  | "getSecret"
  | "listSecrets"
  | "listSecretVersions"
  | "getSecretVersion"
  | "rollbackSecret";

const MAX_VERSION_PAGE = 500;

/** Secrets and their versions of SecretsService: validate, then call the source service. */
export function secretHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, SecretMethods> {
  return {
    async createSecret(request, context) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      checks.check("value", checkSecretValue(request.value));
      checks.check("comment", checkComment(request.comment));
      const metadata = checks.metadata("metadata", request.metadata);
      checks.done();
      const secret = await source.createSecret(context.principal, address, {
        key: request.key,
        value: request.value,
        comment: request.comment,
        metadata,
      });
      return { secret: secretMessage(secret) };
    },

    async updateSecret(request, context) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      if (request.value !== undefined) checks.check("value", checkSecretValue(request.value));
      if (request.comment !== undefined) checks.check("comment", checkComment(request.comment));
      const metadata = request.metadata && checks.metadata("metadata.entries", request.metadata.entries);
      const nothing = request.value === undefined && request.comment === undefined && request.metadata === undefined;
      checks.check("value", nothing ? "set value, comment or metadata (nothing to update)" : undefined);
      const expectedVersion = checks.version("expected_version", request.expectedVersion);
      checks.done();
      const patch = {
        ...(request.value !== undefined ? { value: request.value } : {}),
        ...(request.comment !== undefined ? { comment: request.comment } : {}),
        ...(metadata ? { metadata } : {}),
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      };
      return { secret: secretMessage(await source.updateSecret(context.principal, address, request.key, patch)) };
    },

    async deleteSecret(request, context) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      const expectedVersion = checks.version("expected_version", request.expectedVersion);
      checks.done();
      return { revision: await source.deleteSecret(context.principal, address, request.key, expectedVersion) };
    },

    async getSecret(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      checks.done();
      return { secret: secretMessage(await source.getSecret(address, request.key)) };
    },

    async listSecrets(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.done();
      return { secrets: (await source.listSecrets(address, request.includeValues)).map(secretMessage) };
    },

    async listSecretVersions(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      const { size, problem } = pageSize(request.pageSize, MAX_VERSION_PAGE, 50);
      checks.check("page_size", problem);
      const before = decodeNumericPageToken(request.pageToken);
      checks.check("page_token", before === null ? "is not a token this service issued" : undefined);
      checks.done();
      const rows = await source.listSecretVersions(address, request.key, {
        includeValues: request.includeValues,
        limit: size + 1,
        ...(before ? { beforeVersion: Number(before) } : {}),
      });
      const { page, nextPageToken } = paginate(rows, size, (v) => v.version);
      return { versions: page.map(secretVersionMessage), nextPageToken };
    },

    async getSecretVersion(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      const version = checks.version("version", request.version);
      checks.done();
      return { version: secretVersionMessage(await source.getSecretVersion(address, request.key, version!)) };
    },

    async rollbackSecret(request, context) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      const version = checks.version("version", request.version);
      const expectedVersion = checks.version("expected_version", request.expectedVersion);
      checks.done();
      return {
        secret: secretMessage(
          await source.rollbackSecret(context.principal, address, request.key, version!, expectedVersion),
        ),
      };
    },
  };
}
