import { create } from "@bufbuild/protobuf";
import { AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDocs } from "../contract/index.ts";
import { MAX_GCP_KEY_JSON_CHARS } from "./gcp-credentials.ts";

/** A key-shaped example with a placeholder where the private key goes. */
const exampleKey = JSON.stringify({
  type: "service_account",
  project_id: "my-project",
  private_key_id: "0123456789abcdef",
  private_key: "-----BEGIN PRIVATE KEY-----\n…\n-----END PRIVATE KEY-----\n",
  client_email: "syncline@my-project.iam.gserviceaccount.com",
  token_uri: "https://oauth2.googleapis.com/token",
});

/** The credentials part of the GCP docs pages. */
export const gcpAppDocs: AppDocs = {
  summary:
    "A connection holds a service-account key. Syncline signs a JWT with the key (RS256) and exchanges it at the " +
    "key's `token_uri` for an access token, cached until a minute before it expires and fetched again once when " +
    "Google refuses it. Creating or changing the connection proves the token live (the token exchange) and the " +
    "key's project (listing one secret). Only the endpoints, the service account's email and the key's project are " +
    "ever shown back. An endpoint that is or resolves to an internal network is refused unless " +
    "`SYNCLINE_ENDPOINT_ALLOWLIST` allows it.",
  authMethods: [
    {
      method: AuthMethod.GCP_SERVICE_ACCOUNT_KEY,
      description:
        "A service-account key (JSON) whose account has `roles/secretmanager.admin` on the projects of the connection's syncs.",
      fields: [
        {
          name: "credentials.gcp.service_account_key.key_json",
          description: `The service-account key file's JSON (at most ${MAX_GCP_KEY_JSON_CHARS} characters).`,
          required: true,
          secret: true,
        },
      ],
    },
  ],
  credentialFields: [
    {
      name: "credentials.gcp.api_endpoint",
      description:
        "Secret Manager endpoint; empty means `https://secretmanager.googleapis.com` (e.g. a regional endpoint " +
        "`https://secretmanager.europe-west1.rep.googleapis.com`). https, http only for localhost; no path.",
      required: false,
      secret: false,
    },
    {
      name: "credentials.gcp.token_uri",
      description:
        "Token endpoint overriding the key's `token_uri`; empty uses the key's. https, http only for localhost.",
      required: false,
      secret: false,
    },
  ],
  exampleCredentials: create(ConnectionCredentialsSchema, {
    app: {
      case: "gcp",
      value: { apiEndpoint: "", tokenUri: "", method: { case: "serviceAccountKey", value: { keyJson: exampleKey } } },
    },
  }),
};
