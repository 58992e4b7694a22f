import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type CredentialViolation } from "../contract/index.ts";

/** An IAM access key (long-term, or temporary with a session token). */
export interface AwsAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Empty for a long-term key. */
  readonly sessionToken: string;
}

/** How a connection signs its AWS requests. */
export type AwsAuth =
  | { readonly kind: "access_key"; readonly key: AwsAccessKey }
  | {
      readonly kind: "assume_role";
      readonly base: AwsAccessKey;
      readonly roleArn: string;
      /** Empty for none. */
      readonly externalId: string;
      readonly sessionName: string;
    };

/** Decrypted AWS connection credentials, checked and normalised. */
export interface AwsConnectionCredentials {
  readonly region: string;
  /** Endpoint override without a trailing slash; empty for AWS's own endpoints. */
  readonly endpointUrl: string;
  readonly auth: AwsAuth;
}

/** The role session name when the connection names none. */
export const DEFAULT_AWS_SESSION_NAME = "syncline";

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const accessKeyIdPattern = /^[A-Z0-9]{16,128}$/;
const printable = /^[!-~]+$/;
const roleArnPattern = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
const externalIdPattern = /^[A-Za-z0-9+=,.@:/_-]{2,1224}$/;
const sessionNamePattern = /^[A-Za-z0-9+=,.@_-]{2,64}$/;

/** Shape checks of AWS credentials (no I/O), each naming the request field at fault. */
export function checkAwsCredentials(credentials: ConnectionCredentials | undefined): CredentialViolation[] {
  if (credentials?.app.case !== "aws")
    return [{ field: "credentials.aws", description: "AWS credentials are required" }];
  const aws = credentials.app.value;
  const violations: CredentialViolation[] = [];
  if (!regionPattern.test(aws.region.trim())) {
    violations.push({ field: "credentials.aws.region", description: "must be an AWS region such as eu-west-1" });
  }
  const endpointProblem = endpointUrlProblem(aws.endpointUrl);
  if (endpointProblem) violations.push({ field: "credentials.aws.endpoint_url", description: endpointProblem });
  const method = aws.method;
  if (method.case === "accessKey") {
    violations.push(...keyViolations("credentials.aws.access_key", method.value));
  } else if (method.case === "assumeRole") {
    const role = method.value;
    if (!role.base)
      violations.push({
        field: "credentials.aws.assume_role.base",
        description: "is required (the key that may call sts:AssumeRole)",
      });
    else violations.push(...keyViolations("credentials.aws.assume_role.base", role.base));
    if (!roleArnPattern.test(role.roleArn.trim())) {
      violations.push({
        field: "credentials.aws.assume_role.role_arn",
        description: "must be an IAM role ARN such as arn:aws:iam::123456789012:role/syncline",
      });
    }
    if (role.externalId !== "" && !externalIdPattern.test(role.externalId)) {
      violations.push({
        field: "credentials.aws.assume_role.external_id",
        description: "must be 2 to 1224 letters, digits and +=,.@:/-",
      });
    }
    if (role.sessionName !== "" && !sessionNamePattern.test(role.sessionName)) {
      violations.push({
        field: "credentials.aws.assume_role.session_name",
        description: "must be 2 to 64 letters, digits and +=,.@_-",
      });
    }
  } else {
    violations.push({ field: "credentials.aws.method", description: "an access key or an assumed role is required" });
  }
  return violations;
}

/** Checked, normalised credentials; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseAwsCredentials(credentials: ConnectionCredentials | undefined): AwsConnectionCredentials {
  const violations = checkAwsCredentials(credentials);
  if (violations.length > 0 || credentials?.app.case !== "aws") {
    throw new ConnectorError("invalid_config", violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  const aws = credentials.app.value;
  const key = (k: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): AwsAccessKey => ({
    accessKeyId: k.accessKeyId,
    secretAccessKey: k.secretAccessKey,
    sessionToken: k.sessionToken,
  });
  const method = aws.method;
  const auth: AwsAuth =
    method.case === "accessKey"
      ? { kind: "access_key", key: key(method.value) }
      : {
          kind: "assume_role",
          base: key(method.value!.base!),
          roleArn: method.value!.roleArn.trim(),
          externalId: method.value!.externalId,
          sessionName: method.value!.sessionName || DEFAULT_AWS_SESSION_NAME,
        };
  return { region: aws.region.trim(), endpointUrl: aws.endpointUrl.trim().replace(/\/+$/, ""), auth };
}

function keyViolations(
  field: string,
  key: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
): CredentialViolation[] {
  const violations: CredentialViolation[] = [];
  if (!accessKeyIdPattern.test(key.accessKeyId)) {
    violations.push({
      field: `${field}.access_key_id`,
      description: "must be 16 to 128 upper-case letters and digits",
    });
  }
  if (key.secretAccessKey === "") violations.push({ field: `${field}.secret_access_key`, description: "is required" });
  else if (key.secretAccessKey.length > 128 || !printable.test(key.secretAccessKey)) {
    violations.push({
      field: `${field}.secret_access_key`,
      description: "must be at most 128 printable ASCII characters",
    });
  }
  if (key.sessionToken !== "" && (key.sessionToken.length > 4096 || !printable.test(key.sessionToken))) {
    violations.push({
      field: `${field}.session_token`,
      description: "must be at most 4096 printable ASCII characters",
    });
  }
  return violations;
}

function endpointUrlProblem(raw: string): string | undefined {
  const value = raw.trim();
  if (value === "") return undefined;
  if (!URL.canParse(value))
    return "must be an absolute URL such as https://vpce-1234.secretsmanager.eu-west-1.vpce.amazonaws.com";
  const url = new URL(value);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    return "must use https (http only for localhost)";
  if (url.username || url.password) return "must not contain a user name or password";
  if (value.includes("?") || value.includes("#")) return "must not contain a query or fragment";
  return undefined;
}
