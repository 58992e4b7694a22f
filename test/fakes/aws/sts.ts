import { randomBytes } from "node:crypto";
import type { FakeAwsKey } from "./sigv4.ts";

/** A role the fake STS lets callers assume. */
export interface FakeAwsRole {
  readonly arn: string;
  /** The external id the trust policy requires; undefined for none. */
  readonly externalId?: string;
  /** Access key ids allowed to assume it; default every long-term key. */
  readonly trustedKeyIds?: readonly string[];
}

/** An STS answer: XML with its status. */
export interface StsAnswer {
  readonly status: number;
  readonly xml: string;
}

const ns = "https://sts.amazonaws.com/doc/2011-06-15/";

/**
 * STS over the query protocol (form-encoded `Action=…&Version=2011-06-15`, XML answers):
 * `GetCallerIdentity` and `AssumeRole` with external id, session name and duration checks;
 * issued temporary keys (with session tokens) are added to `keys` and expire for real.
 */
export function createSts(account: string, roles: readonly FakeAwsRole[], keys: Map<string, FakeAwsKey>) {
  let issued = 0;
  return {
    /** How many temporary credentials AssumeRole has issued. */
    get issued() {
      return issued;
    },
    /** Lifetime of issued credentials in seconds; tests shorten it. Default: the requested duration. */
    lifetimeSeconds: undefined as number | undefined,
    handle(form: URLSearchParams, caller: FakeAwsKey, requestId: string): StsAnswer {
      const action = form.get("Action");
      if (form.get("Version") !== "2011-06-15")
        return error(400, "InvalidAction", "Could not find operation for version", requestId);
      if (action === "GetCallerIdentity") {
        const userId = caller.sessionToken ? `AROAFAKE:${caller.arn.split("/").at(-1)}` : caller.accessKeyId;
        return result(
          "GetCallerIdentity",
          `<Arn>${xmlText(caller.arn)}</Arn><UserId>${xmlText(userId)}</UserId><Account>${account}</Account>`,
          requestId,
        );
      }
      if (action !== "AssumeRole")
        return error(
          400,
          "InvalidAction",
          `Could not find operation ${action ?? ""} for version 2011-06-15`,
          requestId,
        );
      const roleArn = form.get("RoleArn") ?? "";
      const sessionName = form.get("RoleSessionName") ?? "";
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
        return error(
          400,
          "ValidationError",
          "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint",
          requestId,
        );
      }
      const duration = Number(form.get("DurationSeconds") ?? "3600");
      if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
        return error(
          400,
          "ValidationError",
          "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint",
          requestId,
        );
      }
      const role = roles.find((r) => r.arn === roleArn);
      const trusted =
        role && !caller.sessionToken && (role.trustedKeyIds ?? [caller.accessKeyId]).includes(caller.accessKeyId);
      const externalId = form.get("ExternalId") ?? undefined;
      if (!role || !trusted || role.externalId !== externalId) {
        return error(
          403,
          "AccessDenied",
          `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          requestId,
        );
      }
      issued++;
      const lifetime = this.lifetimeSeconds ?? duration;
      const key: FakeAwsKey = {
        accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString("base64"),
        sessionToken: randomBytes(48).toString("base64"),
        arn: `arn:aws:sts::${account}:assumed-role/${roleArn.split("/").at(-1)}/${sessionName}`,
        expiresAt: Date.now() + lifetime * 1000,
      };
      keys.set(key.accessKeyId, key);
      return result(
        "AssumeRole",
        `<Credentials><AccessKeyId>${key.accessKeyId}</AccessKeyId><SecretAccessKey>${xmlText(key.secretAccessKey)}</SecretAccessKey>` +
          `<SessionToken>${xmlText(key.sessionToken ?? "")}</SessionToken><Expiration>${new Date(key.expiresAt ?? 0).toISOString()}</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROAFAKE:${xmlText(sessionName)}</AssumedRoleId><Arn>${xmlText(key.arn)}</Arn></AssumedRoleUser>`,
        requestId,
      );
    },
  };
}

/** STS's XML error body (`ErrorResponse`), also used for signature failures on STS calls. */
export function stsError(status: number, code: string, message: string, requestId: string): StsAnswer {
  return error(status, code, message, requestId);
}

function result(action: string, inner: string, requestId: string): StsAnswer {
  return {
    status: 200,
    xml: `<${action}Response xmlns="${ns}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

function error(status: number, code: string, message: string, requestId: string): StsAnswer {
  return {
    status,
    xml: `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function xmlText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
