import { create } from "@bufbuild/protobuf";
import {
  App,
  AuthMethod,
  RedactedCredentialsSchema,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDescriptor, EndpointGuard } from "../contract/index.ts";
import { gitlabAppDocs } from "./gitlab-app-docs.ts";
import { createGitLabClient } from "./gitlab-client.ts";
import { checkGitLabCredentials, DEFAULT_GITLAB_URL, parseGitLabCredentials } from "./gitlab-credentials.ts";

/**
 * GitLab (gitlab.com or self-managed) as an app connections can reach: a personal, project or
 * group access token against an instance URL. Only the instance URL is ever shown back.
 */
export const gitlabApp: AppDescriptor<"gitlab"> = {
  app: App.GITLAB,
  credentialsCase: "gitlab",
  name: "GitLab",
  providerWords: ["GitLab"],
  checkCredentials: checkGitLabCredentials,

  methodOf(credentials: ConnectionCredentials): AuthMethod {
    return credentials.app.case === "gitlab" && credentials.app.value.method.case === "token"
      ? AuthMethod.GITLAB_TOKEN
      : AuthMethod.UNSPECIFIED;
  },

  /** The instance URL as given, or gitlab.com's when empty. */
  redact(credentials: ConnectionCredentials): RedactedCredentials {
    if (credentials.app.case !== "gitlab") return create(RedactedCredentialsSchema);
    const instanceUrl = credentials.app.value.instanceUrl.trim() || DEFAULT_GITLAB_URL;
    return create(RedactedCredentialsSchema, { app: { case: "gitlab", value: { instanceUrl } } });
  },

  /** The instance URL, lower-cased without a trailing slash (gitlab.com's when empty): one GitLab instance. */
  instanceOf(view) {
    return view.instanceUrl.trim().toLowerCase().replace(/\/+$/, "") || DEFAULT_GITLAB_URL;
  },

  /** Proves the token with GET /personal_access_tokens/self: 401 is `auth`, a refused address `invalid_config`, no answer `transient`. */
  async validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void> {
    const parsed = parseGitLabCredentials(credentials);
    await createGitLabClient({
      ...parsed,
      ...(signal ? { signal } : {}),
      ...(guard ? { endpointGuard: guard } : {}),
    }).tokenCheck();
  },

  docs: gitlabAppDocs,
};
