import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { actorOf, paginate, readPageRequest, type ServiceHandlers } from "@syncline/rpc";
import { checkEnvironmentSlug } from "../domain/source-rules.ts";
import type { SourceService } from "../service/source-service.ts";
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

/**
 * Projects and environments of SecretsService. Field rules are the protos' (checked at the RPC
 * edge before these run); the handlers call the source service.
 */
export function projectHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, ProjectMethods> {
  return {
    async createProject(request, context) {
      return { project: projectMessage(await source.createProject(actorOf(context.principal), request.name)) };
    },

    async getProject(request) {
      return { project: projectMessage(await source.getProject(request.projectId)) };
    },

    async listProjects(request) {
      const { size, after } = readPageRequest("projects", request, 100);
      const rows = await source.listProjects(after ?? "", size + 1);
      const { page, nextPageToken } = paginate("projects", rows, size, (p) => p.name);
      return { projects: page.map(projectMessage), nextPageToken };
    },

    async updateProject(request, context) {
      return {
        project: projectMessage(
          await source.updateProject(actorOf(context.principal), request.projectId, request.name),
        ),
      };
    },

    async deleteProject(request, context) {
      await source.deleteProject(actorOf(context.principal), request.projectId);
      return {};
    },

    async createEnvironment(request, context) {
      return {
        environment: environmentMessage(
          await source.createEnvironment(actorOf(context.principal), request.projectId, request.slug, request.name),
        ),
      };
    },

    async listEnvironments(request) {
      const list = `environments:${request.projectId}`;
      const { size, after } = readPageRequest(list, request, 100, (slug) => !checkEnvironmentSlug(slug));
      const rows = await source.listEnvironments(request.projectId, after ?? "", size + 1);
      const { page, nextPageToken } = paginate(list, rows, size, (e) => e.slug);
      return { environments: page.map(environmentMessage), nextPageToken };
    },

    async updateEnvironment(request, context) {
      return {
        environment: environmentMessage(
          await source.updateEnvironment(
            actorOf(context.principal),
            request.projectId,
            request.environment,
            request.name,
          ),
        ),
      };
    },

    async deleteEnvironment(request, context) {
      await source.deleteEnvironment(actorOf(context.principal), request.projectId, request.environment);
      return {};
    },
  };
}
