import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor, LocationOverlap } from "../contract/index.ts";
import { gitlabCiCdLimits, parseGitLabCiCdConfig, type GitLabCiCdConfig } from "./gitlab-ci-cd-config.ts";
import { createGitLabCiCdConnector } from "./gitlab-ci-cd-connector.ts";
import { gitlabCiCdConfigFields, gitlabCiCdDocs } from "./gitlab-ci-cd-docs.ts";
import { createGitLabClient } from "./gitlab-client.ts";

import { parseGitLabCredentials, type GitLabConnectionCredentials } from "./gitlab-credentials.ts";

/** Separates the project or group from the environment scope in a location. */
const SCOPE_MARK = ":env:";

/**
 * GitLab CI/CD variables of a project or group, in one environment scope, as a destination.
 * Values are read back (hidden ones excepted), one request per variable, so no batch writes.
 */
export const gitlabCiCdDestination: DestinationDescriptor<GitLabCiCdConfig, GitLabConnectionCredentials, "gitlabCiCd"> =
  {
    destination: Destination.GITLAB_CI_CD,
    configCase: "gitlabCiCd",
    name: "GitLab CI/CD variables",
    app: App.GITLAB,
    capabilities: {
      readBack: true,
      keySchema: true,
      deletionControl: true,
      removeOnDelete: true,
      batchWrites: false,
    },
    limits: gitlabCiCdLimits,
    configFields: gitlabCiCdConfigFields,
    parseConfig: parseGitLabCiCdConfig,
    location: gitlabCiCdLocation,
    locationOverlap: environmentScopeOverlap(),
    parseCredentials: parseGitLabCredentials,
    create({ config, credentials, signal, endpointGuard, calls, owner }) {
      const client = createGitLabClient({
        ...credentials,
        ...(signal ? { signal } : {}),
        ...(endpointGuard ? { endpointGuard } : {}),
        ...(calls ? { calls } : {}),
      });
      return createGitLabCiCdConnector(client, config, owner);
    },
    docs: gitlabCiCdDocs,
  };

/**
 * One project's or group's variables of one environment scope: GitLab keys variables by (key,
 * environment scope) and ignores case in paths, not in environment names.
 */
function gitlabCiCdLocation(config: GitLabCiCdConfig): string {
  return `gitlab-ci-cd:${config.scope}:${config.path.toLowerCase()}${SCOPE_MARK}${config.environmentScope}`;
}

/**
 * Two syncs of one project or group overlap when their environment scopes can select one
 * environment: equal scopes, or a wildcard scope (`*`, `review/*`) that matches the other. A job in
 * environment `production` sees both `*` and `production` variables, so both syncs would own
 * what it reads.
 */
function environmentScopeOverlap(): LocationOverlap {
  const scopeStart = (location: string) => location.lastIndexOf(SCOPE_MARK) + SCOPE_MARK.length;
  return {
    area: (location) => location.slice(0, scopeStart(location)),
    overlaps(a, b) {
      const [first, second] = [a.slice(scopeStart(a)), b.slice(scopeStart(b))];
      return scopeMatches(first, second) || scopeMatches(second, first);
    },
  };
}

/** Does GitLab's environment scope `pattern` (`*` matches any run of characters) select `scope`? */
export function scopeMatches(pattern: string, scope: string): boolean {
  const expression = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${expression}$`).test(scope);
}
