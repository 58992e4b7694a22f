import { create } from "@bufbuild/protobuf";
import { AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDocs } from "../contract/index.ts";
import { MAX_GITLAB_TOKEN_CHARS } from "./gitlab-credentials.ts";

/** The credentials part of the GitLab docs page. */
export const gitlabAppDocs: AppDocs = {
  summary:
    "A connection reaches gitlab.com or a self-managed GitLab through its REST API v4 with an access token. Creating " +
    "or changing it proves the token live with `GET /api/v4/personal_access_tokens/self` (`GET /api/v4/user` on " +
    "instances without that route), and says whether authentication, permission or the network failed. Only the " +
    "instance URL is ever shown back. An instance URL that is or resolves to an internal network is refused unless " +
    "`SYNCLINE_ENDPOINT_ALLOWLIST` allows it.",
  authMethods: [
    {
      method: AuthMethod.GITLAB_TOKEN,
      description:
        "A personal, project or group access token with the `api` scope, sent as `PRIVATE-TOKEN`; its user needs the " +
        "Maintainer role on the projects and the Owner role on the groups its syncs write.",
      fields: [
        {
          name: "credentials.gitlab.token.token",
          description: `The access token, at most ${MAX_GITLAB_TOKEN_CHARS} printable ASCII characters without spaces.`,
          required: true,
          secret: true,
        },
      ],
    },
  ],
  credentialFields: [
    {
      name: "credentials.gitlab.instance_url",
      description:
        "The instance URL: empty for `https://gitlab.com`, e.g. `https://gitlab.example.com` for a self-managed " +
        "instance (without `/api/v4`). https only (plain http only for a loopback host); no user name, password, " +
        "query or fragment.",
      required: false,
      secret: false,
    },
  ],
  exampleCredentials: create(ConnectionCredentialsSchema, {
    app: {
      case: "gitlab",
      value: { instanceUrl: "", method: { case: "token", value: { token: "glpat-example-token" } } },
    },
  }),
};
