/** Where variables live: a project or a group, by full path. */
export type FakeGitLabPlace = { readonly project: string } | { readonly group: string };

/** One CI/CD variable as the fake holds it (the value even when hidden). */
export interface FakeVariable {
  key: string;
  value: string;
  environmentScope: string;
  description: string;
  protected: boolean;
  masked: boolean;
  hidden: boolean;
  raw: boolean;
  variableType: "env_var" | "file";
}

/** A project or group and its variables. */
export interface FakeNamespace {
  readonly kind: "project" | "group";
  readonly id: number;
  readonly fullPath: string;
  readonly variables: FakeVariable[];
}

/** GitLab's limits as the fake enforces them (GitLab.com defaults). */
export interface FakeGitLabLimits {
  readonly projectVariables: number;
  readonly groupVariables: number;
  readonly valueChars: number;
}

export const DEFAULT_FAKE_GITLAB_LIMITS: FakeGitLabLimits = {
  projectVariables: 8_000,
  groupVariables: 30_000,
  valueChars: 10_000,
};

/** GitLab's key rule. */
export const keyPattern = /^[A-Za-z0-9_]{1,255}$/;

/** Whether GitLab can mask `value`: Base64 alphabet plus `@:.~-`, at least 8; raw: any 8+ non-space characters. */
export function maskable(value: string, raw: boolean): boolean {
  return raw ? /^\S{8,}$/.test(value) : /^[A-Za-z0-9_+=/@:.~-]{8,}$/.test(value);
}

/** The store of every project and group the fake serves. */
export interface FakeVariableStore {
  /** A namespace by numeric id or full path (case-insensitive, as GitLab resolves routes). */
  find(kind: "project" | "group", id: string): FakeNamespace | undefined;
  place(place: FakeGitLabPlace): FakeNamespace;
  readonly all: readonly FakeNamespace[];
}

/** Creates a store with the given projects and groups (ids assigned in order from 1, projects from 100). */
export function createVariableStore(projects: readonly string[], groups: readonly string[]): FakeVariableStore {
  const all: FakeNamespace[] = [
    ...groups.map((fullPath, i) => ({ kind: "group" as const, id: i + 1, fullPath, variables: [] })),
    ...projects.map((fullPath, i) => ({ kind: "project" as const, id: i + 100, fullPath, variables: [] })),
  ];
  const find = (kind: "project" | "group", id: string) =>
    all.find(
      (n) =>
        n.kind === kind && (/^\d+$/.test(id) ? n.id === Number(id) : n.fullPath.toLowerCase() === id.toLowerCase()),
    );
  return {
    all,
    find,
    place(place) {
      const found = "project" in place ? find("project", place.project) : find("group", place.group);
      if (!found) throw new Error(`fake gitlab: no such place ${JSON.stringify(place)}`);
      return found;
    },
  };
}
