import { create } from "@bufbuild/protobuf";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationConfigField, DestinationDocs } from "../contract/index.ts";

/** The fields of `destination_config.kubernetes_secret`, for ListDestinations and the docs page. */
export const kubernetesSecretConfigFields: readonly DestinationConfigField[] = [
  {
    name: "kubernetes_secret.namespace",
    description: "The namespace of the Secret, e.g. `apps`. It must exist.",
    required: true,
    rules:
      "A DNS-1123 label: lower-case letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.",
  },
  {
    name: "kubernetes_secret.name",
    description: "The name of the Secret that holds the sync's keys, e.g. `api-env`. Created when missing.",
    required: true,
    rules:
      "A DNS-1123 subdomain: lower-case letters, digits, `-` and `.`, each part starting and ending with a letter or digit, at most 253 characters.",
  },
];

/** The text of docs/destinations/kubernetes-secret.md. */
export const kubernetesSecretDocs: DestinationDocs = {
  slug: "kubernetes-secret",
  summary:
    "A sync owns keys of the `data` of one Secret (`namespace`/`name`) in a Kubernetes cluster. Every change reads " +
    "the Secret, merges the sync's keys into it and writes it whole with the `resourceVersion` it read, so a " +
    "concurrent writer's change is never lost: the API server answers 409 Conflict and the connector re-reads and " +
    "retries (3 attempts in all), then reports a conflict that the run retries. The Secret (type `Opaque`, label " +
    "`app.kubernetes.io/managed-by: syncline`) is created when missing. Values are stored base64-encoded as " +
    "Kubernetes requires; they are read back as UTF-8 text.",
  sections: [
    {
      title: "Ownership",
      body:
        "Several syncs may own different keys of one Secret. The annotation `syncline.dev/owners` records, as JSON " +
        '`{ "<sync id>": { "projectId": "…", "keys": ["…"] } }`, which sync wrote which keys. A sync reads ' +
        "back (and imports) only its own keys; removal deletes only its own keys and never a key another sync or " +
        "nobody owns; a write of a key another sync owns is refused naming both. Keys written by others without " +
        "Syncline stay as they are. When removal leaves the Secret with no key at all and Syncline created it (the " +
        "`managed-by` label), the Secret is deleted (with the `resourceVersion` read as a precondition).",
    },
    {
      title: "Limits",
      body:
        "Keys follow Kubernetes' rule for Secret and ConfigMap keys: `[-._a-zA-Z0-9]+`, at most 253 characters, not " +
        "`.` or `..`. The API server refuses a Secret whose values exceed 1 MiB together, so a value may be at most " +
        "1,000,000 bytes and the whole Secret is checked before any write, naming every key at fault.",
    },
    {
      title: "Access",
      body:
        "The service account needs `get`, `create`, `update` and `delete` on `secrets` in the namespace (a Role " +
        "and RoleBinding there). Checking the destination asks the API server with a SelfSubjectAccessReview per " +
        "verb and names the verbs missing. Calls go through `@kubernetes/client-node` (`CoreV1Api`, no retries of " +
        "its own), each through the worker's call gate and in a CLIENT span (`syncline.connectors.kubernetes`) " +
        "carrying only the method, path and status.",
    },
    {
      title: "Duplicate destinations",
      body:
        "Two syncs overlap when they write the same namespace and name on the same API server and their key " +
        "schemas can produce the same key; the second is refused.",
    },
  ],
  exampleConfig: create(DestinationConfigSchema, {
    destination: { case: "kubernetesSecret", value: { namespace: "apps", name: "api-env" } },
  }),
  exampleKeySchema: "{{environment}}_{{secretKey}}",
};
