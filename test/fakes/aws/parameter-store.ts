import { parameterFilters, underPath } from "./parameter-filters.ts";
import type { AwsJsonAnswer } from "./secrets-manager.ts";

/** One Parameter Store parameter as the fake holds it. Values are secret: assert on them, never print them. */
export interface FakeParameter {
  readonly name: string;
  value: string;
  type: "String" | "StringList" | "SecureString";
  keyId: string | undefined;
  tier: "Standard" | "Advanced";
  version: number;
  readonly tags: Map<string, string>;
  modifiedAt: number;
}

/** What a Parameter Store write did, for the write log. */
export interface FakeParameterWrite {
  readonly name: string;
  readonly action: "put" | "delete";
}

/** Parameter Store's documented limits the fake enforces. */
export const parameterStoreLimits = {
  standardValueBytes: 4_096,
  advancedValueBytes: 8_192,
  maxNameChars: 1_011,
  maxDepth: 15,
  maxByPathResults: 10,
  maxDescribeResults: 50,
  maxDeleteNames: 10,
  maxTags: 50,
  maxVersions: 100,
} as const;

const fail = (code: string, message: string, status = 400): AwsJsonAnswer => ({ ok: false, status, code, message });
const ok = (body: Record<string, unknown>): AwsJsonAnswer => ({ ok: true, body });
const namePattern = /^[A-Za-z0-9_.\-/]+$/;

/**
 * The Parameter Store operations the connector uses (SSM awsJson1.1, `AmazonSSM.<Operation>`):
 * PutParameter (Overwrite, tiers and their value limits, no downgrade from Advanced, tags only on
 * create, SecureString with a KMS key), GetParametersByPath (one level or recursive, 10 a page),
 * DescribeParameters (`ParameterFilters` checked and matched as SSM does, 50 a page), DeleteParameters (10 names a call),
 * AddTagsToResource and ListTagsForResource.
 */
export function createParameterStore(account: string, region: string) {
  const parameters = new Map<string, FakeParameter>();
  const arnOf = (name: string) => `arn:aws:ssm:${region}:${account}:parameter${name.startsWith("/") ? "" : "/"}${name}`;

  function page<T>(
    items: readonly T[],
    token: unknown,
    rawMax: unknown,
    cap: number,
  ): { items: T[]; next?: string } | AwsJsonAnswer {
    const max = rawMax === undefined ? cap : Number(rawMax);
    if (!Number.isInteger(max) || max < 1 || max > cap) {
      return fail(
        "ValidationException",
        `1 validation error detected: Value '${String(rawMax)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${cap}`,
      );
    }
    let start = 0;
    if (token !== undefined) {
      start =
        typeof token === "string"
          ? Number(Buffer.from(token, "base64url").toString("utf8").replace(/^ssm:/, ""))
          : Number.NaN;
      if (!Number.isInteger(start) || start < 0) return fail("InvalidNextToken", "The specified token isn't valid.");
    }
    const slice = items.slice(start, start + max);
    const next = start + slice.length;
    return next < items.length
      ? { items: slice, next: Buffer.from(`ssm:${next}`).toString("base64url") }
      : { items: slice };
  }

  const sorted = () => [...parameters.values()].sort((a, b) => a.name.localeCompare(b.name));

  const operations: Record<
    string,
    (input: Record<string, unknown>, onWrite: (w: FakeParameterWrite) => void) => AwsJsonAnswer
  > = {
    PutParameter(input, onWrite) {
      const name = input.Name;
      if (
        typeof name !== "string" ||
        name.length < 1 ||
        name.length > parameterStoreLimits.maxNameChars ||
        !namePattern.test(name) ||
        name.split("/").length - 1 > parameterStoreLimits.maxDepth
      ) {
        return fail(
          "ValidationException",
          'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.',
        );
      }
      if (/^\/?(aws|ssm)/i.test(name))
        return fail("AccessDeniedException", `No access to reserved parameter name: ${name}`);
      const value = input.Value;
      if (typeof value !== "string" || value === "")
        return fail(
          "ValidationException",
          "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
        );
      const type = input.Type ?? "String";
      if (type !== "String" && type !== "StringList" && type !== "SecureString")
        return fail("ValidationException", "Type is invalid.");
      const existing = parameters.get(name);
      const overwrite = input.Overwrite === true;
      if (existing && !overwrite)
        return fail(
          "ParameterAlreadyExists",
          "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
        );
      const tags = Array.isArray(input.Tags) ? (input.Tags as { Key?: string; Value?: string }[]) : [];
      if (tags.length > 0 && overwrite) {
        return fail(
          "ValidationException",
          "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
        );
      }
      if (tags.length > parameterStoreLimits.maxTags)
        return fail("TooManyTagsError", "The Systems Manager resource can't have more than 50 tags.");
      const requestedTier = input.Tier ?? "Standard";
      if (requestedTier !== "Standard" && requestedTier !== "Advanced")
        return fail("ValidationException", "Tier is invalid.");
      if (existing?.tier === "Advanced" && requestedTier === "Standard") {
        return fail(
          "ValidationException",
          "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
        );
      }
      const bytes = Buffer.byteLength(value, "utf8");
      if (requestedTier === "Standard" && bytes > parameterStoreLimits.standardValueBytes) {
        return fail(
          "ValidationException",
          "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
        );
      }
      if (bytes > parameterStoreLimits.advancedValueBytes) {
        return fail(
          "ValidationException",
          "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to 8192",
        );
      }
      if (input.KeyId !== undefined && type !== "SecureString")
        return fail("ValidationException", "KeyId is required for SecureString type parameter only.");
      if (existing && existing.version >= parameterStoreLimits.maxVersions) {
        return fail(
          "ParameterMaxVersionLimitExceeded",
          "You attempted to create a new version of " +
            name +
            " by calling the PutParameter API with the overwrite flag.",
        );
      }
      const keyId = type === "SecureString" ? ((input.KeyId as string | undefined) ?? "alias/aws/ssm") : undefined;
      if (existing) {
        Object.assign(existing, {
          value,
          type,
          keyId,
          tier: requestedTier,
          version: existing.version + 1,
          modifiedAt: Date.now(),
        });
      } else {
        parameters.set(name, {
          name,
          value,
          type,
          keyId,
          tier: requestedTier,
          version: 1,
          tags: new Map(tags.map((t) => [t.Key ?? "", t.Value ?? ""])),
          modifiedAt: Date.now(),
        });
      }
      onWrite({ name, action: "put" });
      return ok({ Version: parameters.get(name)?.version, Tier: requestedTier });
    },

    GetParametersByPath(input) {
      const path = input.Path;
      if (typeof path !== "string" || !path.startsWith("/"))
        return fail(
          "ValidationException",
          'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
        );
      const found = sorted().filter((p) => underPath(p.name, path, input.Recursive === true));
      const result = page(found, input.NextToken, input.MaxResults, parameterStoreLimits.maxByPathResults);
      if ("ok" in result) return result;
      const decrypt = input.WithDecryption === true;
      return ok({
        Parameters: result.items.map((p) => ({
          Name: p.name,
          Type: p.type,
          Value: p.type === "SecureString" && !decrypt ? `kms-encrypted:${p.version}` : p.value,
          Version: p.version,
          LastModifiedDate: p.modifiedAt / 1000,
          ARN: arnOf(p.name),
          DataType: "text",
        })),
        ...(result.next ? { NextToken: result.next } : {}),
      });
    },

    DescribeParameters(input) {
      const match = parameterFilters(input.ParameterFilters);
      if (typeof match !== "function") return match;
      const found = sorted().filter(match);
      const result = page(found, input.NextToken, input.MaxResults, parameterStoreLimits.maxDescribeResults);
      if ("ok" in result) return result;
      return ok({
        Parameters: result.items.map((p) => ({
          Name: p.name,
          ARN: arnOf(p.name),
          Type: p.type,
          ...(p.keyId ? { KeyId: p.keyId } : {}),
          Tier: p.tier,
          Version: p.version,
          LastModifiedDate: p.modifiedAt / 1000,
          DataType: "text",
        })),
        ...(result.next ? { NextToken: result.next } : {}),
      });
    },

    AddTagsToResource(input) {
      const parameter = input.ResourceType === "Parameter" ? parameters.get(String(input.ResourceId)) : undefined;
      if (input.ResourceType !== "Parameter") return fail("InvalidResourceType", "The resource type isn't valid.");
      if (!parameter)
        return fail(
          "InvalidResourceId",
          "The resource ID isn't valid. Verify that you entered the correct ID and try again.",
        );
      const tags = Array.isArray(input.Tags) ? (input.Tags as { Key?: string; Value?: string }[]) : [];
      const merged = new Map([...parameter.tags, ...tags.map((t) => [t.Key ?? "", t.Value ?? ""] as const)]);
      if (merged.size > parameterStoreLimits.maxTags)
        return fail("TooManyTagsError", "The Systems Manager resource can't have more than 50 tags.");
      for (const [k, v] of merged) parameter.tags.set(k, v);
      return ok({});
    },

    ListTagsForResource(input) {
      const parameter = input.ResourceType === "Parameter" ? parameters.get(String(input.ResourceId)) : undefined;
      if (!parameter)
        return fail(
          "InvalidResourceId",
          "The resource ID isn't valid. Verify that you entered the correct ID and try again.",
        );
      return ok({ TagList: [...parameter.tags].map(([Key, Value]) => ({ Key, Value })) });
    },

    DeleteParameters(input, onWrite) {
      const names = input.Names;
      if (!Array.isArray(names) || names.length < 1 || names.length > parameterStoreLimits.maxDeleteNames) {
        return fail(
          "ValidationException",
          "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10",
        );
      }
      const deleted: string[] = [];
      const invalid: string[] = [];
      for (const name of names as string[]) {
        if (parameters.delete(name)) {
          deleted.push(name);
          onWrite({ name, action: "delete" });
        } else invalid.push(name);
      }
      return ok({ DeletedParameters: deleted, InvalidParameters: invalid });
    },
  };

  return {
    parameters,
    handle(
      operation: string,
      input: Record<string, unknown>,
      onWrite: (write: FakeParameterWrite) => void,
    ): AwsJsonAnswer {
      const run = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      return run ? run(input, onWrite) : fail("UnknownOperationException", "");
    },
    /** Writes or replaces a parameter directly (no API, no log). */
    seed(name: string, value: string, tags: Readonly<Record<string, string>> = {}): void {
      const existing = parameters.get(name);
      parameters.set(name, {
        name,
        value,
        type: "SecureString",
        keyId: "alias/aws/ssm",
        tier: Buffer.byteLength(value) > parameterStoreLimits.standardValueBytes ? "Advanced" : "Standard",
        version: (existing?.version ?? 0) + 1,
        tags: new Map(Object.entries(tags)),
        modifiedAt: Date.now(),
      });
    },
  };
}
