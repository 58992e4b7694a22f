import { randomUUID } from "node:crypto";

/** One Secrets Manager secret as the fake holds it. Values are secret: assert on them, never print them. */
export interface FakeSecret {
  readonly arn: string;
  readonly name: string;
  kmsKeyId: string | undefined;
  readonly tags: Map<string, string>;
  /** Oldest first; the last is AWSCURRENT. */
  readonly versions: { readonly versionId: string; readonly value: string }[];
  /** When it is scheduled to be deleted (ms since epoch); undefined when not. */
  deletionDate: number | undefined;
  readonly createdAt: number;
  changedAt: number;
}

/** An AWS JSON protocol answer: 200 with a body, or an error code and message. */
export type AwsJsonAnswer =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string };

/** What a Secrets Manager write did, for listeners and the write log. */
export interface FakeSecretWrite {
  readonly name: string;
  readonly action: "create" | "put" | "delete" | "restore";
}

/** Secrets Manager's documented limits the fake enforces. */
export const secretsManagerLimits = {
  maxValueBytes: 65_536,
  maxNameChars: 512,
  maxTags: 50,
  maxListResults: 100,
  maxBatchGetIds: 20,
  minRecoveryDays: 7,
  maxRecoveryDays: 30,
} as const;

const namePattern = /^[A-Za-z0-9/_+=.@-]+$/;

const fail = (code: string, message: string, status = 400): AwsJsonAnswer => ({ ok: false, status, code, message });
const ok = (body: Record<string, unknown>): AwsJsonAnswer => ({ ok: true, body });
const seconds = (ms: number) => ms / 1000;

/**
 * The Secrets Manager operations the connector uses, on an in-memory store, with AWS's request
 * validation, error codes and messages: ListSecrets (paging, filters, planned deletions),
 * BatchGetSecretValue, GetSecretValue, CreateSecret, PutSecretValue (ClientRequestToken
 * idempotency), DeleteSecret (recovery window or forced), RestoreSecret, TagResource, DescribeSecret.
 */
export function createSecretsManager(account: string, region: string) {
  const secrets = new Map<string, FakeSecret>();
  const tokens = new Map<string, { name: string; value: string; versionId: string }>();

  function find(id: unknown): FakeSecret | undefined {
    if (typeof id !== "string") return undefined;
    const byName = secrets.get(id);
    if (byName) return byName;
    return [...secrets.values()].find((s) => s.arn === id);
  }

  function live(id: unknown): FakeSecret | AwsJsonAnswer {
    const secret = find(id);
    if (!secret) return fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    if (secret.deletionDate !== undefined) {
      return fail(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  function checkValue(value: unknown): AwsJsonAnswer | undefined {
    if (typeof value !== "string")
      return fail("InvalidRequestException", "You must provide either SecretString or SecretBinary.");
    if (Buffer.byteLength(value, "utf8") > secretsManagerLimits.maxValueBytes) {
      return fail(
        "ValidationException",
        "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
      );
    }
    return undefined;
  }

  function checkToken(token: unknown): AwsJsonAnswer | undefined {
    if (token === undefined) return undefined;
    if (typeof token !== "string" || token.length < 32 || token.length > 64) {
      return fail(
        "ValidationException",
        "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64",
      );
    }
    return undefined;
  }

  function addVersion(secret: FakeSecret, value: string, token: string | undefined): string | AwsJsonAnswer {
    if (token !== undefined) {
      const seen = tokens.get(token);
      if (seen && seen.name === secret.name) {
        if (seen.value !== value) {
          return fail("ResourceExistsException", "A resource with the ID you requested already exists.");
        }
        return seen.versionId;
      }
    }
    const versionId = token ?? randomUUID();
    secret.versions.push({ versionId, value });
    secret.changedAt = Date.now();
    if (token !== undefined) tokens.set(token, { name: secret.name, value, versionId });
    return versionId;
  }

  function tagsOf(raw: unknown): Map<string, string> | AwsJsonAnswer {
    const tags = new Map<string, string>();
    for (const tag of Array.isArray(raw) ? raw : []) {
      const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
      if (
        typeof Key !== "string" ||
        Key.length < 1 ||
        Key.length > 128 ||
        typeof Value !== "string" ||
        Value.length > 256
      ) {
        return fail("ValidationException", "1 validation error detected: Value at 'tags' failed to satisfy constraint");
      }
      if (Key.toLowerCase().startsWith("aws:"))
        return fail("InvalidParameterException", "Tag keys can't start with aws:");
      tags.set(Key, Value);
    }
    return tags;
  }

  function listEntry(secret: FakeSecret): Record<string, unknown> {
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.kmsKeyId ? { KmsKeyId: secret.kmsKeyId } : {}),
      Tags: [...secret.tags].map(([Key, Value]) => ({ Key, Value })),
      CreatedDate: seconds(secret.createdAt),
      LastChangedDate: seconds(secret.changedAt),
      ...(secret.deletionDate !== undefined ? { DeletedDate: seconds(secret.deletionDate) } : {}),
    };
  }

  function page<T>(
    items: readonly T[],
    rawToken: unknown,
    rawMax: unknown,
    cap: number,
  ): { items: T[]; next?: string } | AwsJsonAnswer {
    const max = rawMax === undefined ? cap : Number(rawMax);
    if (!Number.isInteger(max) || max < 1 || max > cap) {
      return fail(
        "ValidationException",
        `1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${cap}`,
      );
    }
    let start = 0;
    if (rawToken !== undefined) {
      const decoded =
        typeof rawToken === "string"
          ? Number(
              Buffer.from(rawToken, "base64url")
                .toString("utf8")
                .replace(/^page:/, ""),
            )
          : Number.NaN;
      if (!Number.isInteger(decoded) || decoded < 0)
        return fail("InvalidNextTokenException", "The NextToken value is invalid.");
      start = decoded;
    }
    const slice = items.slice(start, start + max);
    const nextStart = start + slice.length;
    return nextStart < items.length
      ? { items: slice, next: Buffer.from(`page:${nextStart}`).toString("base64url") }
      : { items: slice };
  }

  function matchesFilters(secret: FakeSecret, filters: unknown): boolean {
    for (const filter of Array.isArray(filters) ? filters : []) {
      const { Key, Values } = (filter ?? {}) as { Key?: string; Values?: string[] };
      const values = Values ?? [];
      const test = (candidates: string[]) =>
        values.some((v) =>
          v.startsWith("!")
            ? !candidates.some((c) => c.startsWith(v.slice(1)))
            : candidates.some((c) => c.startsWith(v)),
        );
      if (Key === "name" && !test([secret.name])) return false;
      if (Key === "tag-key" && !test([...secret.tags.keys()])) return false;
      if (Key === "tag-value" && !test([...secret.tags.values()])) return false;
    }
    return true;
  }

  const operations: Record<
    string,
    (input: Record<string, unknown>, onWrite: (w: FakeSecretWrite) => void) => AwsJsonAnswer
  > = {
    ListSecrets(input) {
      const all = [...secrets.values()]
        .filter((s) => input.IncludePlannedDeletion === true || s.deletionDate === undefined)
        .filter((s) => matchesFilters(s, input.Filters))
        .sort(
          (a, b) =>
            (input.SortOrder === "asc" ? a.createdAt - b.createdAt : b.createdAt - a.createdAt) ||
            a.name.localeCompare(b.name),
        );
      const result = page(all, input.NextToken, input.MaxResults, secretsManagerLimits.maxListResults);
      if ("ok" in result) return result;
      return ok({ SecretList: result.items.map(listEntry), ...(result.next ? { NextToken: result.next } : {}) });
    },

    DescribeSecret(input) {
      const secret = find(input.SecretId);
      if (!secret) return fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
      return ok(listEntry(secret));
    },

    GetSecretValue(input) {
      const secret = live(input.SecretId);
      if ("ok" in secret) return secret;
      const current = secret.versions.at(-1);
      if (!current)
        return fail(
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
        );
      return ok({
        ARN: secret.arn,
        Name: secret.name,
        VersionId: current.versionId,
        SecretString: current.value,
        VersionStages: ["AWSCURRENT"],
        CreatedDate: seconds(secret.changedAt),
      });
    },

    BatchGetSecretValue(input) {
      const ids = input.SecretIdList;
      if (!Array.isArray(ids) || input.Filters !== undefined) {
        return fail("InvalidParameterException", "The fake supports SecretIdList only.");
      }
      if (ids.length > secretsManagerLimits.maxBatchGetIds) {
        return fail(
          "ValidationException",
          "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20",
        );
      }
      const values: Record<string, unknown>[] = [];
      const errors: Record<string, unknown>[] = [];
      for (const id of ids) {
        const secret = live(id);
        const current = "ok" in secret ? undefined : secret.versions.at(-1);
        if ("ok" in secret || !current) {
          const code = "ok" in secret && !secret.ok ? secret.code : "ResourceNotFoundException";
          const message =
            "ok" in secret && !secret.ok ? secret.message : "Secrets Manager can't find the specified secret.";
          errors.push({ SecretId: id, ErrorCode: code, Message: message });
          continue;
        }
        values.push({
          ARN: secret.arn,
          Name: secret.name,
          VersionId: current.versionId,
          SecretString: current.value,
          VersionStages: ["AWSCURRENT"],
          CreatedDate: seconds(secret.changedAt),
        });
      }
      return ok({ SecretValues: values, Errors: errors });
    },

    CreateSecret(input, onWrite) {
      const name = input.Name;
      if (
        typeof name !== "string" ||
        name.length < 1 ||
        name.length > secretsManagerLimits.maxNameChars ||
        !namePattern.test(name)
      ) {
        return fail(
          "ValidationException",
          "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        );
      }
      const problem = checkValue(input.SecretString) ?? checkToken(input.ClientRequestToken);
      if (problem) return problem;
      const tags = tagsOf(input.Tags);
      if ("ok" in tags) return tags;
      if (tags.size > secretsManagerLimits.maxTags)
        return fail("ValidationException", "Number of tags exceeds the limit of 50.");
      const existing = secrets.get(name);
      if (existing?.deletionDate !== undefined) {
        return fail(
          "InvalidRequestException",
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        );
      }
      if (existing) {
        const token = input.ClientRequestToken as string | undefined;
        const seen = token ? tokens.get(token) : undefined;
        if (seen?.name === name && seen.value === input.SecretString)
          return ok({ ARN: existing.arn, Name: name, VersionId: seen.versionId });
        return fail("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
      }
      const now = Date.now();
      const secret: FakeSecret = {
        arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomUUID().slice(0, 6)}`,
        name,
        kmsKeyId: typeof input.KmsKeyId === "string" && input.KmsKeyId !== "" ? input.KmsKeyId : undefined,
        tags,
        versions: [],
        deletionDate: undefined,
        createdAt: now,
        changedAt: now,
      };
      secrets.set(name, secret);
      const versionId = addVersion(
        secret,
        input.SecretString as string,
        input.ClientRequestToken as string | undefined,
      );
      onWrite({ name, action: "create" });
      return ok({ ARN: secret.arn, Name: name, VersionId: versionId });
    },

    PutSecretValue(input, onWrite) {
      const secret = live(input.SecretId);
      if ("ok" in secret) return secret;
      const problem = checkValue(input.SecretString) ?? checkToken(input.ClientRequestToken);
      if (problem) return problem;
      const versionId = addVersion(
        secret,
        input.SecretString as string,
        input.ClientRequestToken as string | undefined,
      );
      if (typeof versionId !== "string") return versionId;
      onWrite({ name: secret.name, action: "put" });
      return ok({ ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: ["AWSCURRENT"] });
    },

    DeleteSecret(input, onWrite) {
      const secret = find(input.SecretId);
      if (!secret) return fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
      const force = input.ForceDeleteWithoutRecovery === true;
      const window = input.RecoveryWindowInDays;
      if (force && window !== undefined) {
        return fail(
          "InvalidParameterException",
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        );
      }
      const days = window === undefined ? 30 : Number(window);
      if (
        !Number.isInteger(days) ||
        days < secretsManagerLimits.minRecoveryDays ||
        days > secretsManagerLimits.maxRecoveryDays
      ) {
        return fail(
          "InvalidParameterException",
          "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        );
      }
      if (secret.deletionDate !== undefined && !force) {
        return fail(
          "InvalidRequestException",
          "You can't perform this operation on the secret because it was marked for deletion.",
        );
      }
      const deletionDate = force ? Date.now() : Date.now() + days * 86_400_000;
      if (force) secrets.delete(secret.name);
      else secret.deletionDate = deletionDate;
      onWrite({ name: secret.name, action: "delete" });
      return ok({ ARN: secret.arn, Name: secret.name, DeletionDate: seconds(deletionDate) });
    },

    RestoreSecret(input, onWrite) {
      const secret = find(input.SecretId);
      if (!secret) return fail("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
      secret.deletionDate = undefined;
      onWrite({ name: secret.name, action: "restore" });
      return ok({ ARN: secret.arn, Name: secret.name });
    },

    TagResource(input) {
      const secret = live(input.SecretId);
      if ("ok" in secret) return secret;
      const tags = tagsOf(input.Tags);
      if ("ok" in tags) return tags;
      const merged = new Map([...secret.tags, ...tags]);
      if (merged.size > secretsManagerLimits.maxTags)
        return fail("ValidationException", "Number of tags exceeds the limit of 50.");
      for (const [k, v] of tags) secret.tags.set(k, v);
      return ok({});
    },
  };

  return {
    secrets,
    /** Runs one operation; unknown targets answer `UnknownOperationException` as AWS does. */
    handle(
      operation: string,
      input: Record<string, unknown>,
      onWrite: (write: FakeSecretWrite) => void,
    ): AwsJsonAnswer {
      const run = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      return run ? run(input, onWrite) : fail("UnknownOperationException", "");
    },
    /** Writes or replaces a secret directly (no API, no write log). */
    seed(name: string, value: string, tags: Readonly<Record<string, string>> = {}): void {
      const existing = secrets.get(name);
      if (existing) {
        existing.deletionDate = undefined;
        existing.versions.push({ versionId: randomUUID(), value });
        for (const [k, v] of Object.entries(tags)) existing.tags.set(k, v);
        return;
      }
      const now = Date.now();
      secrets.set(name, {
        arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomUUID().slice(0, 6)}`,
        name,
        kmsKeyId: undefined,
        tags: new Map(Object.entries(tags)),
        versions: [{ versionId: randomUUID(), value }],
        deletionDate: undefined,
        createdAt: now,
        changedAt: now,
      });
    },
  };
}

/** The fake's Secrets Manager service. */
export type FakeSecretsManagerService = ReturnType<typeof createSecretsManager>;
