import { beforeAll } from "vitest";
import type { SyncingSystem } from "../../support/starter.ts";
import { createWorkerTestProject, type WorkerTestProject } from "./worker-system.ts";

/**
 * The file's worker test project (environment `dev`, a token connection to the fake Vault),
 * created in a `beforeAll` once the system has started; its fields are set from then on.
 */
export function useWorkerTestProject(system: SyncingSystem, name: string): WorkerTestProject {
  const project = { projectId: "", environment: "", connectionId: "" };
  beforeAll(async () => {
    Object.assign(project, await createWorkerTestProject(system, name));
  });
  return project;
}
