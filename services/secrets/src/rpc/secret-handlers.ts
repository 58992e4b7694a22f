import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { assertValid } from "@syncline/errors";
import { actorOf, paginate, readPageRequest, type ServiceHandlers } from "@syncline/rpc";
import { updateViolations } from "../domain/source-rules.ts";
import type { SourceService } from "../service/source-service.ts";
import { addressOf, metadataOf, versionOf } from "./source-address.ts";
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

/** Secrets a page of ListSecrets holds when the request asks for 0. */
const DEFAULT_PAGE_SIZE = 100;

/** Secrets and their versions of SecretsService: the protos' field rules hold when these run. */
export function secretHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, SecretMethods> {
  return {
    async createSecret(request, context) {
      const secret = await source.createSecret(actorOf(context.principal), addressOf(request), {
        key: request.key,
        value: request.value,
        comment: request.comment,
        metadata: metadataOf(request.metadata),
      });
      return { secret: secretMessage(secret) };
    },

    async updateSecret(request, context) {
      const address = addressOf(request);
      assertValid(updateViolations(request));
      const expectedVersion = versionOf(request.expectedVersion);
      const patch = {
        ...(request.value !== undefined ? { value: request.value } : {}),
        ...(request.comment !== undefined ? { comment: request.comment } : {}),
        ...(request.metadata ? { metadata: metadataOf(request.metadata.entries) } : {}),
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      };
      return {
        secret: secretMessage(await source.updateSecret(actorOf(context.principal), address, request.key, patch)),
      };
    },

    async deleteSecret(request, context) {
      const revision = await source.deleteSecret(
        actorOf(context.principal),
        addressOf(request),
        request.key,
        versionOf(request.expectedVersion),
      );
      return { revision };
    },

    async getSecret(request) {
      return { secret: secretMessage(await source.getSecret(addressOf(request), request.key)) };
    },

    async listSecrets(request) {
      const address = addressOf(request);
      const list = `secrets:${request.projectId}:${request.environment}:${address.path}`;
      const { size, after } = readPageRequest(list, request, DEFAULT_PAGE_SIZE);
      const rows = await source.listSecrets(address, request.includeValues, { after, limit: size + 1 });
      const { page, nextPageToken } = paginate(list, rows, size, (s) => s.key);
      return { secrets: page.map(secretMessage), nextPageToken };
    },

    async listSecretVersions(request) {
      const address = addressOf(request);
      const list = `versions:${request.projectId}:${request.environment}:${address.path}:${request.key}`;
      const { size, after } = readPageRequest(list, request, 50, (position) => /^[1-9][0-9]{0,9}$/.test(position));
      const rows = await source.listSecretVersions(address, request.key, {
        includeValues: request.includeValues,
        limit: size + 1,
        ...(after ? { beforeVersion: Number(after) } : {}),
      });
      const { page, nextPageToken } = paginate(list, rows, size, (v) => v.version);
      return { versions: page.map(secretVersionMessage), nextPageToken };
    },

    async getSecretVersion(request) {
      const version = Number(request.version);
      return { version: secretVersionMessage(await source.getSecretVersion(addressOf(request), request.key, version)) };
    },

    async rollbackSecret(request, context) {
      const secret = await source.rollbackSecret(
        actorOf(context.principal),
        addressOf(request),
        request.key,
        Number(request.version),
        versionOf(request.expectedVersion),
      );
      return { secret: secretMessage(secret) };
    },
  };
}
