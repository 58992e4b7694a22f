import { isUniqueViolation, traced } from "@syncline/db";
import { alreadyExists, notFound } from "@syncline/errors";
import * as store from "../store/source-store.ts";
import { auditTarget, recordAudit, type Actor } from "./audit-log.ts";
import { recordChange, recordChanges, SourceChangeKind } from "./change-recorder.ts";
import type { SecretSealer } from "./secret-sealer.ts";
import {
  createWriteRunner,
  existingEnvironment,
  lockedEnvironment,
  lockProject,
  type WriteDeps,
} from "./write-transaction.ts";

/**
 * Projects and environments: create, rename, delete, list. Deleting publishes PROJECT_DELETED (one
 * event per environment) or ENVIRONMENT_DELETED through the outbox, in the deleting transaction,
 * so syncs whose source disappeared fail clearly instead of emptying their destination.
 */
export function createProjectService(deps: WriteDeps & { sealer: SecretSealer }) {
  const { db, sealer } = deps;
  const write = createWriteRunner(deps);

  const renameConflict = <T>(name: string, run: () => Promise<T>) =>
    run().catch((error: unknown) => {
      if (isUniqueViolation(error)) throw alreadyExists(`project "${name}"`);
      throw error;
    });

  return {
    async createProject(actor: Actor, name: string) {
      return renameConflict(name, () =>
        write("projects.insert", async (tx) => {
          const row = await store.insertProject(tx, name);
          await sealer.forProjectWrite(tx, row.id);
          await recordAudit(tx, {
            projectId: row.id,
            actor,
            action: "project.create",
            target: auditTarget.project(row.id),
            details: { name },
          });
          return row;
        }),
      );
    },

    async getProject(projectId: string) {
      const row = await traced("projects.get", () => store.findProject(db, projectId));
      if (!row) throw notFound(`project ${projectId}`);
      return row;
    },

    /** Projects in name order after `afterName`; only `onlyIds` when given (an identity's projects). */
    async listProjects(afterName: string, limit: number, onlyIds?: readonly string[]) {
      return traced("projects.list", () => store.listProjectsAfter(db, afterName, limit, onlyIds));
    },

    async updateProject(actor: Actor, projectId: string, name: string) {
      return renameConflict(name, () =>
        write("projects.update", async (tx) => {
          await lockProject(tx, projectId);
          const before = (await store.findProject(tx, projectId))!;
          const row = await store.renameProject(tx, projectId, name);
          await recordAudit(tx, {
            projectId,
            actor,
            action: "project.rename",
            target: auditTarget.project(projectId),
            details: { from: before.name, to: name },
          });
          return row!;
        }),
      );
    },

    async deleteProject(actor: Actor, projectId: string): Promise<void> {
      await write("projects.delete", async (tx) => {
        const revision = await lockProject(tx, projectId);
        const project = (await store.findProject(tx, projectId))!;
        const envs = await store.listProjectEnvironments(tx, projectId);
        const folders = envs.map((environment) => ({
          environment: environment.slug,
          path: "/",
          changes: [],
          kind: SourceChangeKind.PROJECT_DELETED,
        }));
        if (folders.length > 0) await recordChanges(tx, { projectId, revision, folders });
        await recordAudit(tx, {
          projectId,
          actor,
          action: "project.delete",
          target: auditTarget.project(projectId),
          details: { name: project.name, environments: String(envs.length), revision: String(revision) },
        });
        await store.deleteProject(tx, projectId);
      });
      sealer.forget(projectId);
    },

    async createEnvironment(actor: Actor, projectId: string, slug: string, name: string) {
      return write("environments.insert", async (tx) => {
        await lockProject(tx, projectId);
        if (await store.findEnvironment(tx, projectId, slug)) throw alreadyExists(`environment "${slug}"`);
        const environment = await store.insertEnvironment(tx, { projectId, slug, name: name || slug });
        await store.ensureFolders(tx, environment, ["/"]);
        await recordAudit(tx, {
          projectId,
          actor,
          action: "environment.create",
          target: auditTarget.environment(slug),
          details: { name: environment.name },
        });
        return environment;
      });
    },

    /** The project's environments in slug order after `afterSlug`; NOT_FOUND for an unknown project. */
    async listEnvironments(projectId: string, afterSlug: string, limit: number) {
      return traced("environments.list", async () => {
        if (!(await store.findProject(db, projectId))) throw notFound(`project ${projectId}`);
        return store.listEnvironmentsAfter(db, projectId, afterSlug, limit);
      });
    },

    /** Changes the display name; the slug never changes (syncs and event subjects name it). */
    async updateEnvironment(actor: Actor, projectId: string, slug: string, name: string) {
      return write("environments.update", async (tx) => {
        const { environment } = await lockedEnvironment(tx, projectId, slug);
        const row = await store.renameEnvironment(tx, environment.id, name);
        await recordAudit(tx, {
          projectId,
          actor,
          action: "environment.update",
          target: auditTarget.environment(slug),
          details: { from: environment.name, to: name },
        });
        return row!;
      });
    },

    async deleteEnvironment(actor: Actor, projectId: string, slug: string): Promise<void> {
      await write("environments.delete", async (tx) => {
        const revision = await lockProject(tx, projectId);
        const environment = await existingEnvironment(tx, projectId, slug);
        await recordChange(tx, {
          projectId,
          environment: slug,
          path: "/",
          revision,
          changes: [],
          kind: SourceChangeKind.ENVIRONMENT_DELETED,
        });
        await recordAudit(tx, {
          projectId,
          actor,
          action: "environment.delete",
          target: auditTarget.environment(slug),
          details: { revision: String(revision) },
        });
        await store.deleteEnvironment(tx, environment.id);
      });
    },
  };
}
