export { awsApp } from "./aws-app.ts";
export {
  checkAwsCredentials,
  parseAwsCredentials,
  DEFAULT_AWS_SESSION_NAME,
  type AwsConnectionCredentials,
  type AwsAuth,
  type AwsAccessKey,
} from "./aws-credentials.ts";
export { createAwsSession, DEFAULT_AWS_TIMEOUT_MS, type AwsSession, type AwsClientConfig } from "./aws-session.ts";
export { classifyAwsFailure, awsFailureOf, type AwsFailure, type AwsCallTarget } from "./aws-errors.ts";
