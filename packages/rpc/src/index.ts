export { createRpcServer, type RpcServer } from "./server.ts";
export { createRpcClient, type RpcClient, type ClientOptions, type CallOptions } from "./client.ts";
export { RpcError, notYetServed, toRpcError, type RpcErrorOptions } from "./rpc-error.ts";
export { statusOfKind, kindOfStatus } from "./status-table.ts";
export { encodeStatus, decodeStatus, ERROR_DOMAIN } from "./status-details.ts";
export type { ServerCall, ServerInterceptor, ServerNext } from "./interceptor.ts";
export type { CallObserver, CallOutcome } from "./interceptors/metrics.ts";
export type { CallContext, ServiceHandlers, UnaryHandler, ServerStreamingHandler } from "./handlers.ts";
export type { HealthService } from "./health.ts";
export { status as Code } from "@grpc/grpc-js";
export { reportedViolations, requestViolations, validateRequest } from "./request-validation.ts";
export {
  decodePageToken,
  encodePageToken,
  pageSize,
  paginate,
  readPageRequest,
  type PageRequest,
} from "./pagination.ts";
export {
  ANONYMOUS,
  BOOTSTRAP,
  actorOf,
  projectRoles,
  roleCovers,
  roleIn,
  serviceNames,
  type AnonymousPrincipal,
  type Principal,
  type BootstrapPrincipal,
  type IdentityPrincipal,
  type ProjectRole,
  type ServiceName,
  type ServicePrincipal,
} from "./principal.ts";
export {
  authorizeCall,
  everyMethod,
  type IdentityRule,
  type MethodAccess,
  type ProjectOf,
  type ServiceAccess,
} from "./method-access.ts";
export type { Authenticator } from "./authenticator.ts";
export { auditActor, type AuditActor } from "./audit-actor.ts";
export {
  RUN_GRANT_AUDIENCE,
  RUN_GRANT_METADATA,
  createRunGrantSigner,
  createRunGrantVerifier,
  keyFingerprint,
  peekRunGrant,
  runGrantActions,
  type RunGrant,
  type RunGrantAction,
  type RunGrantSigner,
  type RunGrantVerifier,
  type VerifiedRunGrant,
} from "./run-grant.ts";
export {
  grantAllowsImport,
  grantCoversSource,
  isConnectorWorker,
  isServiceCaller,
  requireWorkerGrant,
  runGrantOf,
  type CallerPrincipal,
  type SourceScope,
} from "./run-grant-check.ts";
export { createAuthenticator, type AuthenticatorOptions } from "./create-authenticator.ts";
export type { IdentityVerifier, VerifiedIdentity } from "./identity-verifier.ts";
export { createCachedVerifier, type TokenCacheOptions } from "./cached-verifier.ts";
export { createRemoteAuthenticator, type RemoteAuthenticatorOptions } from "./remote-authenticator.ts";
export {
  createRemoteIdentityVerifier,
  verifiedIdentityOf,
  type RemoteIdentityVerifier,
} from "./remote-identity-verifier.ts";
export {
  formatPeerServiceDigests,
  parsePeerServiceDigests,
  serviceTokenDigest,
  type PeerServiceDigests,
} from "./service-credentials.ts";
export {
  IDENTITY_TOKEN_PREFIX,
  identityTokenPrefix,
  isIdentityTokenId,
  issueIdentityToken,
  looksLikeIdentityToken,
  parseIdentityToken,
  secretMatches,
  type IdentityTokenParts,
  type IssuedIdentityToken,
} from "./identity-token.ts";
export { projectRoleFromProto, projectRoleToProto } from "./project-role-proto.ts";
export {
  channelCredentials,
  serverTransport,
  type ServerTransport,
  DEFAULT_CERTIFICATE_REFRESH_MS,
  type ClientTls,
  type ServerTls,
} from "./tls.ts";
export { DEFAULT_SERVER_KEEPALIVE, type ServerKeepalive } from "./keepalive.ts";
export { boundedPerCaller, type StreamSlotLimit } from "./stream-slots.ts";
