import { create } from "@bufbuild/protobuf";
import { GitlabVariableScope } from "@syncline/gen/syncline/syncs/v1/gitlab_destination_pb.js";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationConfigField, DestinationDocs } from "../contract/index.ts";

/** The fields of `destination_config.gitlab_ci_cd`, for ListDestinations and the docs page. */
export const gitlabCiCdConfigFields: readonly DestinationConfigField[] = [
  {
    name: "gitlab_ci_cd.scope",
    description: "Whose variables: PROJECT or GROUP.",
    required: true,
    rules: "One of PROJECT or GROUP.",
  },
  {
    name: "gitlab_ci_cd.path",
    description: "The project or group: its numeric id (`42`) or its full path (`acme/platform/api`).",
    required: true,
    rules:
      "A numeric id, or path segments of letters, digits, `_`, `-` and `.` separated by `/`; at most 1,024 characters. " +
      "An id and a path naming the same project are different places for the duplicate-destination check: use one form.",
  },
  {
    name: "gitlab_ci_cd.environment_scope",
    description: "The environment scope of every variable written: `*` (every environment) or an environment name.",
    required: false,
    rules: "Empty means `*`. At most 255 characters, no control characters.",
  },
  {
    name: "gitlab_ci_cd.protected",
    description: "Export the variables only to pipelines on protected branches and tags.",
    required: false,
  },
  {
    name: "gitlab_ci_cd.masked",
    description:
      "Mask the values in job logs. Every value must then follow GitLab's masking rules, checked before writing.",
    required: false,
    rules:
      "Masked values: at least 8 characters of letters, digits and `_ + = / @ : . ~ -`; masked raw values: at least 8 " +
      "characters without whitespace.",
  },
  {
    name: "gitlab_ci_cd.raw",
    description: "Do not expand `$OTHER` references in the values.",
    required: false,
  },
  {
    name: "gitlab_ci_cd.hidden",
    description:
      "Masked and hidden: GitLab never shows or returns the values again (so they cannot be imported or compared; " +
      "they are rewritten on every run).",
    required: false,
    rules: "Requires masked. Applies when a variable is created; GitLab cannot un-hide a variable.",
  },
];

/** The text of docs/destinations/gitlab-ci-cd.md. */
export const gitlabCiCdDocs: DestinationDocs = {
  slug: "gitlab-ci-cd",
  summary:
    "A sync owns CI/CD variables of one GitLab project or group in one environment scope (`*` or an environment " +
    "name); every variable it writes gets the configured protected, masked, raw and hidden flags. Values are read " +
    "back (except hidden ones), so imports and drift checks work. Variables the key schema does not own, and " +
    "variables of other environment scopes, stay as they are.",
  sections: [
    {
      title: "Writes",
      body:
        "GitLab's REST API v4 is called with `fetch` (no client-side retries; the worker's failure policy decides), " +
        "one request per variable. An apply first lists the place (100 variables a page) and then creates a missing " +
        "variable (`POST`) or updates an existing one (`PUT` with `filter[environment_scope]`), so the outcome is what " +
        "GitLab actually did. The run's fence is checked every 20 writes and before the deletes; a failure part-way " +
        "leaves earlier writes in place and the run reports them. Redirects are refused, never followed with the token.",
    },
    {
      title: "Ownership",
      body:
        "Every variable a sync writes carries `Managed by Syncline sync <id> (project <id>)` in its description. A " +
        "sync never overwrites a variable whose description names another sync (the run fails with a conflict before " +
        "writing), and deletes only variables whose description names itself, so removal never touches variables " +
        "someone else created. An existing variable without a Syncline description is adopted when the sync writes it.",
    },
    {
      title: "Masking",
      body:
        "With `masked`, GitLab refuses values it cannot mask. The run checks every value first and fails naming every " +
        "key whose value breaks the rule, before writing anything: at least 8 characters from letters, digits and " +
        "`_ + = / @ : . ~ -` on one line, or with `raw` any 8 or more characters without whitespace. Hidden variables " +
        "(`masked_and_hidden`) never give their value back: they are not imported, and they are rewritten every run.",
    },
    {
      title: "Limits",
      body:
        "Keys are letters, digits and `_`, 1 to 255 characters. Values: at most 10,000 characters on GitLab.com; the " +
        "connector counts 10,000 UTF-8 bytes, which is stricter for non-ASCII values. GitLab.com allows 8,000 variables " +
        "per project and 30,000 per group (all environment scopes together); the connector checks the scope's own limit " +
        "before writing.",
    },
    {
      title: "Permissions",
      body:
        "A personal, project or group access token with the `api` scope; project variables need the Maintainer role, " +
        "group variables the Owner role.",
    },
    {
      title: "Duplicate destinations",
      body:
        "GitLab keys variables by key and environment scope. Two syncs overlap when they write the same project or " +
        "group (path compared without case) through the same instance in environment scopes that can select one " +
        "environment — equal scopes, or a wildcard scope (`*`, `review/*`) matching the other — and their key " +
        "schemas can produce the same key; the second is refused. `production` and `staging` do not overlap; `*` " +
        "overlaps both, because a job in `production` reads the variables of both scopes. A group " +
        "holding one key in several environment scopes needs GitLab 16.9 or later (`filter[environment_scope]` on " +
        "group variable updates).",
    },
  ],
  exampleConfig: create(DestinationConfigSchema, {
    destination: {
      case: "gitlabCiCd",
      value: {
        scope: GitlabVariableScope.PROJECT,
        path: "acme/api",
        environmentScope: "production",
        protected: true,
        masked: true,
      },
    },
  }),
  exampleKeySchema: "APP_{{secretKey}}",
};
