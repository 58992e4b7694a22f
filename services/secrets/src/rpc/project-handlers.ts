import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { checkEnvironmentName, checkEnvironmentSlug, checkId, checkProjectName } from "../domain/source-rules.ts";
import type { SourceService } from "../service/source-service.ts";
import { decodePageToken, pageSize, paginate } from "./page-token.ts";
import { createChecks } from "./request-checks.ts";
import { environmentMessage, projectMessage } from "./to-proto.ts";

type ProjectMethods =
  | "createProject"
  | "getProject"
  | "listProjects"
  | "updateProject"
  | "deleteProject"
  | "createEnvironment"
  | "listEnvironments"
  | "updateEnvironment"
  | "deleteEnvironment";

const MAX_PAGE = 1000;

/** Projects and environments of SecretsService: validate, then call the source service. */
export function projectHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, ProjectMethods> {
  return {
    async createProject(request, context) {
      const checks = createChecks();
      checks.check("name", checkProjectName(request.name));
      checks.done();
      return { project: projectMessage(await source.createProject(context.principal, request.name)) };
    },

    async getProject(request) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.done();
      return { project: projectMessage(await source.getProject(request.projectId)) };
    },

    async listProjects(request) {
      const checks = createChecks();
      const { size, problem } = pageSize(request.pageSize, MAX_PAGE, 100);
      checks.check("page_size", problem);
      const after = decodePageToken(request.pageToken);
      checks.check("page_token", after === undefined ? "is not a token this service issued" : undefined);
      checks.done();
      const { page, nextPageToken } = paginate(await source.listProjects(after ?? "", size + 1), size, (p) => p.name);
      return { projects: page.map(projectMessage), nextPageToken };
    },

    async updateProject(request, context) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("name", checkProjectName(request.name));
      checks.done();
      return {
        project: projectMessage(await source.updateProject(context.principal, request.projectId, request.name)),
      };
    },

    async deleteProject(request, context) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.done();
      await source.deleteProject(context.principal, request.projectId);
      return {};
    },

    async createEnvironment(request, context) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("slug", checkEnvironmentSlug(request.slug));
      checks.check("name", checkEnvironmentName(request.name));
      checks.done();
      return {
        environment: environmentMessage(
          await source.createEnvironment(context.principal, request.projectId, request.slug, request.name),
        ),
      };
    },

    async listEnvironments(request) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      const { size, problem } = pageSize(request.pageSize, MAX_PAGE, 100);
      checks.check("page_size", problem);
      const after = decodePageToken(request.pageToken);
      checks.check(
        "page_token",
        after === undefined || (after !== "" && checkEnvironmentSlug(after))
          ? "is not a token this service issued"
          : undefined,
      );
      checks.done();
      const { page, nextPageToken } = paginate(
        await source.listEnvironments(request.projectId, after ?? "", size + 1),
        size,
        (e) => e.slug,
      );
      return { environments: page.map(environmentMessage), nextPageToken };
    },

    async updateEnvironment(request, context) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("environment", checkEnvironmentSlug(request.environment));
      checks.check(
        "name",
        request.name === ""
          ? "is required (the slug never changes; only the display name does)"
          : checkEnvironmentName(request.name),
      );
      checks.done();
      return {
        environment: environmentMessage(
          await source.updateEnvironment(context.principal, request.projectId, request.environment, request.name),
        ),
      };
    },

    async deleteEnvironment(request, context) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("environment", checkEnvironmentSlug(request.environment));
      checks.done();
      await source.deleteEnvironment(context.principal, request.projectId, request.environment);
      return {};
    },
  };
}
