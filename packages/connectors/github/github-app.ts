import { create } from "@bufbuild/protobuf";
import {
  App,
  AuthMethod,
  RedactedCredentialsSchema,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDescriptor, EndpointGuard } from "../contract/index.ts";
import { githubAppDocs } from "./github-app-docs.ts";
import { createGitHubClient } from "./github-client.ts";
import { checkGitHubCredentials, DEFAULT_GITHUB_API_URL, parseGitHubCredentials } from "./github-credentials.ts";

/**
 * GitHub (github.com or Enterprise Server) as an app connections can reach: a personal access or
 * installation token against a REST API URL. Only the API URL is ever shown back.
 */
export const githubApp: AppDescriptor<"github"> = {
  app: App.GITHUB,
  credentialsCase: "github",
  name: "GitHub",
  providerWords: ["GitHub"],
  checkCredentials: checkGitHubCredentials,

  methodOf(credentials: ConnectionCredentials): AuthMethod {
    return credentials.app.case === "github" && credentials.app.value.method.case === "token"
      ? AuthMethod.GITHUB_TOKEN
      : AuthMethod.UNSPECIFIED;
  },

  /** The API URL as given, or github.com's when empty, so callers see where the connection points. */
  redact(credentials: ConnectionCredentials): RedactedCredentials {
    if (credentials.app.case !== "github") return create(RedactedCredentialsSchema);
    const apiUrl = credentials.app.value.apiUrl.trim() || DEFAULT_GITHUB_API_URL;
    return create(RedactedCredentialsSchema, { app: { case: "github", value: { apiUrl } } });
  },

  /** The API URL, lower-cased without a trailing slash (github.com's when empty): one GitHub instance. */
  instanceOf(view) {
    return view.apiUrl.trim().toLowerCase().replace(/\/+$/, "") || DEFAULT_GITHUB_API_URL;
  },

  /** Proves the token is live with GET /user (an installation token, refused there with 403 "not accessible by integration", passes). */
  async validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void> {
    const parsed = parseGitHubCredentials(credentials);
    await createGitHubClient({
      ...parsed,
      ...(signal ? { signal } : {}),
      ...(guard ? { endpointGuard: guard } : {}),
    }).authenticatedUser();
  },

  docs: githubAppDocs,
};
