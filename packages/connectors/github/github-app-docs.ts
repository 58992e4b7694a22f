import { create } from "@bufbuild/protobuf";
import { AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDocs } from "../contract/index.ts";
import { MAX_GITHUB_TOKEN_CHARS } from "./github-credentials.ts";

/** The credentials part of the GitHub docs page. */
export const githubAppDocs: AppDocs = {
  summary:
    "A connection reaches github.com or a GitHub Enterprise Server through its REST API with a token. Creating or " +
    "changing it proves the token live with `GET /user` (an installation token, which GitHub refuses there as " +
    '"not accessible by integration", passes). Only the API URL is ever shown back. An API URL that is or ' +
    "resolves to an internal network is refused unless `SYNCLINE_ENDPOINT_ALLOWLIST` allows it.",
  authMethods: [
    {
      method: AuthMethod.GITHUB_TOKEN,
      description:
        "A classic or fine-grained personal access token, or a GitHub App installation token, allowed to write the " +
        "Actions secrets of the scopes its syncs use.",
      fields: [
        {
          name: "credentials.github.token.token",
          description: `The token, at most ${MAX_GITHUB_TOKEN_CHARS} printable ASCII characters without spaces.`,
          required: true,
          secret: true,
        },
      ],
    },
  ],
  credentialFields: [
    {
      name: "credentials.github.api_url",
      description:
        "The REST API URL: empty for `https://api.github.com`, `https://HOST/api/v3` for GitHub Enterprise Server. " +
        "https only (plain http only for a loopback host); no user name, password, query or fragment.",
      required: false,
      secret: false,
    },
  ],
  exampleCredentials: create(ConnectionCredentialsSchema, {
    app: { case: "github", value: { apiUrl: "", method: { case: "token", value: { token: "ghp_example_token" } } } },
  }),
};
