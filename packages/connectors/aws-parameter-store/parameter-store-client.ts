import {
  AddTagsToResourceCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParametersByPathCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
  type ParameterStringFilter,
} from "@aws-sdk/client-ssm";
import type { AwsClientConfig, AwsSession } from "../aws/aws-session.ts";

/** A parameter as described: its name and tier (no value). */
export interface DescribedParameter {
  readonly name: string;
  readonly tier: string;
}

/** What one PutParameter writes. */
export interface ParameterWrite {
  readonly name: string;
  readonly value: string;
  readonly type: "SecureString" | "String";
  readonly kmsKeyId: string;
  readonly tier: "Standard" | "Advanced";
  /** true for an existing parameter (then no tags: AWS refuses tags with Overwrite). */
  readonly overwrite: boolean;
  readonly tags: ReadonlyMap<string, string>;
}

/** The Parameter Store calls the connector makes, each one request through the session's gate. */
export interface ParameterStoreClientApi {
  /**
   * Every parameter directly under `path`, optionally only those carrying tag `tag.key`: with
   * `tag.value`, only those whose tag has that value; without, whatever its value.
   */
  describe(path: string, tag?: { readonly key: string; readonly value?: string }): Promise<DescribedParameter[]>;
  /** Every parameter directly under `path`, decrypted, by full name. */
  valuesUnder(path: string): Promise<Map<string, string>>;
  put(write: ParameterWrite): Promise<void>;
  /** The tags of one parameter. */
  tagsOf(name: string): Promise<Map<string, string>>;
  /** Adds or replaces tags of one parameter. */
  addTags(name: string, tags: ReadonlyMap<string, string>): Promise<void>;
  /** Deletes up to 10 names in one call; returns the names AWS deleted. */
  deleteBatch(names: readonly string[]): Promise<string[]>;
}

/** Names per DeleteParameters (AWS's maximum). */
export const DELETE_PARAMETERS_MAX = 10;
const service = "Parameter Store";
const makeClient = (config: AwsClientConfig) => new SSMClient(config);

/** Parameter Store through the real SDK (`@aws-sdk/client-ssm`), paging with NextToken. */
export function createParameterStoreClient(session: AwsSession): ParameterStoreClientApi {
  const call = <T>(
    operation: string,
    resource: string | undefined,
    send: (c: SSMClient, s: AbortSignal) => Promise<T>,
    secrets: readonly string[] = [],
  ) => session.call(makeClient, { service, operation, ...(resource ? { resource } : {}), secrets }, send);

  return {
    async describe(path, tag) {
      const filters: ParameterStringFilter[] = [{ Key: "Path", Option: "OneLevel", Values: [path] }];
      if (tag) filters.push({ Key: `tag:${tag.key}`, ...(tag.value === undefined ? {} : { Values: [tag.value] }) });
      const described: DescribedParameter[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await call("DescribeParameters", path, (client, abortSignal) =>
          client.send(
            new DescribeParametersCommand({
              ParameterFilters: filters,
              MaxResults: 50,
              ...(token ? { NextToken: token } : {}),
            }),
            {
              abortSignal,
            },
          ),
        );
        for (const p of page.Parameters ?? []) if (p.Name) described.push({ name: p.Name, tier: p.Tier ?? "Standard" });
        nextToken = page.NextToken;
      } while (nextToken);
      return described;
    },

    async valuesUnder(path) {
      const values = new Map<string, string>();
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await call("GetParametersByPath", path, (client, abortSignal) =>
          client.send(
            new GetParametersByPathCommand({
              Path: path,
              Recursive: false,
              WithDecryption: true,
              MaxResults: 10,
              ...(token ? { NextToken: token } : {}),
            }),
            { abortSignal },
          ),
        );
        for (const p of page.Parameters ?? []) if (p.Name && typeof p.Value === "string") values.set(p.Name, p.Value);
        nextToken = page.NextToken;
      } while (nextToken);
      return values;
    },

    async put(write) {
      await call(
        "PutParameter",
        write.name,
        (client, abortSignal) =>
          client.send(
            new PutParameterCommand({
              Name: write.name,
              Value: write.value,
              Type: write.type,
              Tier: write.tier,
              Overwrite: write.overwrite,
              ...(write.type === "SecureString" && write.kmsKeyId ? { KeyId: write.kmsKeyId } : {}),
              ...(!write.overwrite && write.tags.size > 0
                ? { Tags: [...write.tags].map(([Key, Value]) => ({ Key, Value })) }
                : {}),
            }),
            { abortSignal },
          ),
        [write.value],
      );
    },

    async tagsOf(name) {
      const answer = await call("ListTagsForResource", name, (client, abortSignal) =>
        client.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: name }), { abortSignal }),
      );
      return new Map((answer.TagList ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
    },

    async addTags(name, tags) {
      await call("AddTagsToResource", name, (client, abortSignal) =>
        client.send(
          new AddTagsToResourceCommand({
            ResourceType: "Parameter",
            ResourceId: name,
            Tags: [...tags].map(([Key, Value]) => ({ Key, Value })),
          }),
          { abortSignal },
        ),
      );
    },

    async deleteBatch(names) {
      const answer = await call("DeleteParameters", undefined, (client, abortSignal) =>
        client.send(new DeleteParametersCommand({ Names: [...names] }), { abortSignal }),
      );
      return answer.DeletedParameters ?? [];
    },
  };
}
