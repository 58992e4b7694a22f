import { create } from "@bufbuild/protobuf";
import { DestinationConfigSchema, GithubSecretScope } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationConfigField, DestinationDocs } from "../contract/index.ts";

/** The fields of `destination_config.github_actions`, for ListDestinations and the docs page. */
export const githubActionsConfigFields: readonly DestinationConfigField[] = [
  {
    name: "github_actions.scope",
    description:
      "Where the secrets live: REPOSITORY, ENVIRONMENT (a deployment environment of a repository) or ORGANIZATION.",
    required: true,
    rules: "One of REPOSITORY, ENVIRONMENT or ORGANIZATION.",
  },
  {
    name: "github_actions.owner",
    description: "The user or organization that owns the repository, or the organization itself, e.g. `acme`.",
    required: true,
    rules: "Letters, digits, `-` and `_`, starting with a letter or digit; at most 100 characters.",
  },
  {
    name: "github_actions.repository",
    description: "Repository name for the REPOSITORY and ENVIRONMENT scopes, e.g. `api`; empty otherwise.",
    required: false,
    rules:
      "Required for REPOSITORY and ENVIRONMENT, empty for ORGANIZATION. Letters, digits, `-`, `_` and `.`, " +
      "not `.` or `..`; at most 100 characters.",
  },
  {
    name: "github_actions.environment",
    description:
      "Deployment environment for the ENVIRONMENT scope, e.g. `production`; it must already exist in the repository.",
    required: false,
    rules: "Required for ENVIRONMENT, empty otherwise. At most 255 characters, no control characters.",
  },
  {
    name: "github_actions.visibility",
    description: "ORGANIZATION scope only: which repositories may use the secrets, ALL, PRIVATE or SELECTED.",
    required: false,
    rules: "Required for ORGANIZATION, unset otherwise.",
  },
  {
    name: "github_actions.selected_repository_ids",
    description: "ORGANIZATION scope with SELECTED visibility: ids of the repositories that may use the secrets.",
    required: false,
    rules: "Only with visibility SELECTED; positive ids; duplicates count once.",
  },
];

/** The text of docs/destinations/github-actions.md. */
export const githubActionsDocs: DestinationDocs = {
  slug: "github-actions",
  summary:
    "A sync owns Actions secrets of one scope: a repository, one deployment environment of a repository, or an " +
    "organization (every secret written gets the configured visibility). GitHub never gives secret values back, " +
    "so the destination is write-only: names can be listed, values cannot, so there is no import, no drift check, " +
    "and every owned secret is rewritten on each run. Secrets the key schema does not own stay as they are.",
  sections: [
    {
      title: "Writes",
      body:
        "Values are sealed with libsodium's `crypto_box_seal` to the scope's public key, fetched once per apply. " +
        "Secrets are written one request at a time, as GitHub asks; the run's fence is checked every 20 writes and " +
        "before the deletes. A failure part-way leaves earlier writes in place and the run reports them; the next " +
        "run rewrites everything it owns. Redirects (a renamed repository) are refused, never followed with the token.",
    },
    {
      title: "Key names",
      body:
        "GitHub stores names upper-cased and ignores case, so the connector writes and reports the upper-case form: " +
        "`db_url` and `DB_URL` are one secret, and both in one sync are refused. The key schema must produce names " +
        "of letters, digits and `_` (so `APP_{{secretKey}}`, not `app-{{secretKey}}`).",
    },
    {
      title: "Secrets per scope",
      body:
        "GitHub allows 100 secrets per repository or environment and 1,000 per organization. The limit above is the " +
        "organization's; the connector checks the configured scope's own limit before any write.",
    },
    {
      title: "Permissions",
      body:
        "Repository and environment scopes: write access to the repository's Actions secrets (classic token: " +
        '`repo`; fine-grained token or GitHub App: repository permission "Secrets", plus "Environments" for the ' +
        "environment scope). Organization scope: administer the organization's secrets (classic token: " +
        '`admin:org`; fine-grained token or GitHub App: organization permission "Secrets" with write access).',
    },
    {
      title: "Duplicate destinations",
      body:
        "Two syncs overlap when they write the same scope (owner and repository compared without case) through the " +
        "same API URL and their key schemas, compared without case, can produce the same name; the second is refused.",
    },
  ],
  exampleConfig: create(DestinationConfigSchema, {
    destination: {
      case: "githubActions",
      value: { scope: GithubSecretScope.ENVIRONMENT, owner: "acme", repository: "api", environment: "production" },
    },
  }),
  exampleKeySchema: "APP_{{secretKey}}",
};
