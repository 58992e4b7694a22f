import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { checkComment, checkEnvironmentName, checkEnvironmentSlug, checkId, checkProjectName, checkSecretKey, checkSecretValue } from "../domain/source-rules.ts";
import type { SourceService } from "../service/source-service.ts";
import { createChecks, readAddress } from "./request-checks.ts";
import { environmentMessage, folderMessage, projectMessage, secretMessage } from "./to-proto.ts";

const MAX_PAGE = 1000;

/** The public SecretsService: validates every request, then calls the source service. */
export function secretsHandlers(source: SourceService): ServiceHandlers<typeof SecretsService> {
  return {
    async createProject(request) {
      const checks = createChecks();
      checks.check("name", checkProjectName(request.name));
      checks.done();
      return { project: projectMessage(await source.createProject(request.name)) };
    },

    async getProject(request) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.done();
      return { project: projectMessage(await source.getProject(request.projectId)) };
    },

    async listProjects(request) {
      const checks = createChecks();
      checks.check("page_size", request.pageSize > MAX_PAGE ? `must be at most ${MAX_PAGE}` : undefined);
      const after = decodePageToken(request.pageToken);
      checks.check("page_token", after === undefined ? "is not a token this service issued" : undefined);
      checks.done();
      const size = request.pageSize || 100;
      const rows = await source.listProjects(after ?? "", size + 1);
      const page = rows.slice(0, size);
      const nextPageToken = rows.length > size ? Buffer.from(page[page.length - 1]!.name).toString("base64url") : "";
      return { projects: page.map(projectMessage), nextPageToken };
    },

    async createEnvironment(request) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("slug", checkEnvironmentSlug(request.slug));
      checks.check("name", checkEnvironmentName(request.name));
      checks.done();
      return { environment: environmentMessage(await source.createEnvironment(request.projectId, request.slug, request.name)) };
    },

    async listEnvironments(request) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.done();
      return { environments: (await source.listEnvironments(request.projectId)).map(environmentMessage) };
    },

    async createFolder(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.done();
      return { folder: folderMessage(await source.createFolder(address.projectId, address.environment, address.path), address.environment) };
    },

    async listFolders(request) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("environment", checkEnvironmentSlug(request.environment));
      checks.done();
      return { folders: (await source.listFolders(request.projectId, request.environment)).map((row) => folderMessage(row, request.environment)) };
    },

    async createSecret(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      checks.check("value", checkSecretValue(request.value));
      checks.check("comment", checkComment(request.comment));
      checks.done();
      return { secret: secretMessage(await source.createSecret(address, request.key, request.value, request.comment)) };
    },

    async updateSecret(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      if (request.value !== undefined) checks.check("value", checkSecretValue(request.value));
      if (request.comment !== undefined) checks.check("comment", checkComment(request.comment));
      checks.check("value", request.value === undefined && request.comment === undefined ? "set value or comment (nothing to update)" : undefined);
      const expected = request.expectedVersion;
      checks.check("expected_version", expected !== undefined && (expected < 1n || expected > 2n ** 31n) ? "must be a version this secret can have (≥ 1)" : undefined);
      checks.done();
      const patch = {
        ...(request.value !== undefined ? { value: request.value } : {}),
        ...(request.comment !== undefined ? { comment: request.comment } : {}),
        ...(expected !== undefined ? { expectedVersion: Number(expected) } : {}),
      };
      return { secret: secretMessage(await source.updateSecret(address, request.key, patch)) };
    },

    async deleteSecret(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      checks.done();
      return { revision: await source.deleteSecret(address, request.key) };
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
  };
}

function decodePageToken(token: string): string | undefined {
  if (token === "") return "";
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  return Buffer.from(decoded).toString("base64url") === token ? decoded : undefined;
}
