import { randomUUID } from "node:crypto";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  type Tag,
} from "@aws-sdk/client-secrets-manager";
import type { AwsClientConfig, AwsSession } from "../aws/aws-session.ts";
import type { SecretsManagerDeletion } from "./secrets-manager-config.ts";

/** A secret as listed: its name, tags and whether it is scheduled for deletion (no value). */
export interface ListedSecret {
  readonly name: string;
  readonly tags: ReadonlyMap<string, string>;
  readonly scheduledForDeletion: boolean;
}

/** The Secrets Manager calls the connector makes, each one request through the session's gate. */
export interface SecretsManagerClientApi {
  /** Every secret, including those scheduled for deletion; `namePrefix` narrows by AWS's name filter. */
  listSecrets(namePrefix?: string): Promise<ListedSecret[]>;
  /** Current string values of up to 20 secrets by name; secrets without a string value are left out. */
  getValues(names: readonly string[]): Promise<Map<string, string>>;
  createSecret(
    name: string,
    value: string,
    options: { kmsKeyId: string; tags: ReadonlyMap<string, string> },
  ): Promise<void>;
  putValue(name: string, value: string): Promise<void>;
  tag(name: string, tags: ReadonlyMap<string, string>): Promise<void>;
  restore(name: string): Promise<void>;
  /** Returns false when the secret did not exist. */
  deleteSecret(name: string, deletion: SecretsManagerDeletion): Promise<boolean>;
}

/** Names per BatchGetSecretValue (AWS's maximum). */
export const BATCH_GET_MAX = 20;
const service = "Secrets Manager";
const makeClient = (config: AwsClientConfig) => new SecretsManagerClient(config);
const tagList = (tags: ReadonlyMap<string, string>): Tag[] => [...tags].map(([Key, Value]) => ({ Key, Value }));

/**
 * Secrets Manager through the real SDK (`@aws-sdk/client-secrets-manager`). Writes carry a fresh
 * `ClientRequestToken`, so AWS treats a request it already applied as the same version.
 */
export function createSecretsManagerClient(session: AwsSession): SecretsManagerClientApi {
  const call = <T>(
    operation: string,
    resource: string | undefined,
    send: (c: SecretsManagerClient, s: AbortSignal) => Promise<T>,
    secrets: readonly string[] = [],
  ) => session.call(makeClient, { service, operation, ...(resource ? { resource } : {}), secrets }, send);

  return {
    async listSecrets(namePrefix) {
      const listed: ListedSecret[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await call("ListSecrets", undefined, (client, abortSignal) =>
          client.send(
            new ListSecretsCommand({
              MaxResults: 100,
              IncludePlannedDeletion: true,
              ...(namePrefix ? { Filters: [{ Key: "name", Values: [namePrefix] }] } : {}),
              ...(token ? { NextToken: token } : {}),
            }),
            { abortSignal },
          ),
        );
        for (const entry of page.SecretList ?? []) {
          if (!entry.Name) continue;
          listed.push({
            name: entry.Name,
            tags: new Map((entry.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
            scheduledForDeletion: entry.DeletedDate !== undefined,
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return listed;
    },

    async getValues(names) {
      const values = new Map<string, string>();
      if (names.length === 0) return values;
      const answer = await call("BatchGetSecretValue", undefined, (client, abortSignal) =>
        client.send(new BatchGetSecretValueCommand({ SecretIdList: [...names] }), { abortSignal }),
      );
      for (const secret of answer.SecretValues ?? []) {
        if (secret.Name && typeof secret.SecretString === "string") values.set(secret.Name, secret.SecretString);
      }
      return values;
    },

    async createSecret(name, value, { kmsKeyId, tags }) {
      await call(
        "CreateSecret",
        name,
        (client, abortSignal) =>
          client.send(
            new CreateSecretCommand({
              Name: name,
              SecretString: value,
              ClientRequestToken: randomUUID(),
              ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
              ...(tags.size > 0 ? { Tags: tagList(tags) } : {}),
            }),
            { abortSignal },
          ),
        [value],
      );
    },

    async putValue(name, value) {
      await call(
        "PutSecretValue",
        name,
        (client, abortSignal) =>
          client.send(
            new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: randomUUID() }),
            { abortSignal },
          ),
        [value],
      );
    },

    async tag(name, tags) {
      if (tags.size === 0) return;
      await call("TagResource", name, (client, abortSignal) =>
        client.send(new TagResourceCommand({ SecretId: name, Tags: tagList(tags) }), { abortSignal }),
      );
    },

    async restore(name) {
      await call("RestoreSecret", name, (client, abortSignal) =>
        client.send(new RestoreSecretCommand({ SecretId: name }), { abortSignal }),
      );
    },

    async deleteSecret(name, deletion) {
      await call("DeleteSecret", name, (client, abortSignal) =>
        client.send(
          new DeleteSecretCommand({
            SecretId: name,
            ...(deletion.force
              ? { ForceDeleteWithoutRecovery: true }
              : deletion.recoveryWindowDays !== undefined
                ? { RecoveryWindowInDays: deletion.recoveryWindowDays }
                : {}),
          }),
          { abortSignal },
        ),
      );
      return true;
    },
  };
}
