import { DomainError } from "@syncline/errors";
import { CliError } from "./cli-error.ts";
import { ExitCode, exitCodeOf } from "./exit-codes.ts";
import { CallFailure } from "./call-failure.ts";

/** gRPC status names by code, so errors read `INVALID_ARGUMENT`, never `error 3`. */
const statusNames = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** The name of a gRPC status code. */
export function statusName(code: number): string {
  return statusNames[code] ?? `STATUS_${code}`;
}

const tokenSources =
  "after `bash deploy/local/up.sh` it is SYNCLINE_TOKEN in .syncline/local.env " +
  "(`set -a; . .syncline/local.env; set +a`); or save one with `syncline profile set --token <token>`, " +
  "or set SYNCLINE_TOKEN";

const addressFlags: Record<string, string> = {
  SecretsService: "secrets",
  IdentityService: "secrets",
  ConnectionsService: "connections",
  SecretSyncsService: "orchestrator",
};

/** The fix for a failed call, where one is known. */
function fixOf(failure: CallFailure): string | undefined {
  switch (failure.error.kind) {
    case "unauthenticated":
      return failure.tokenGiven
        ? `the token is unknown, expired or revoked: get a new one (${tokenSources})`
        : `no token was given: ${tokenSources}`;
    case "permission_denied":
      return "ask a project admin for a role (`syncline members set <identity> <role>`) or use another token";
    case "unavailable": {
      const which = addressFlags[failure.service] ?? "secrets";
      return (
        `is Syncline running there (\`bash deploy/local/up.sh\`)? set the address with --${which}-address, ` +
        `SYNCLINE_${which.toUpperCase()}_ADDRESS or \`syncline profile set --${which}-address <host:port>\``
      );
    }
    default:
      return undefined;
  }
}

/** Any text on one line (newlines of a server message folded). */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();

/**
 * Turns any failure into one line for stderr and the exit code: the status name, the message, every
 * field violation and the fix where known. Unexpected errors print their message only (no stack trace).
 */
export function describeFailure(error: unknown): { line: string; exitCode: number } {
  if (error instanceof CallFailure) {
    const rpc = error.error;
    const where = rpc.kind === "unavailable" ? ` (tried ${error.service} at ${error.address})` : "";
    const violations = rpc.violations.map((v) => `${v.field}: ${v.description}`).join("; ");
    const fix = fixOf(error);
    const message = oneLine(rpc.message).replace(/\s*Resolution note:\s*$/, "");
    const parts = [`${statusName(rpc.code)}: ${message}${where}`];
    if (violations) parts.push(oneLine(violations));
    if (fix) parts.push(`fix: ${fix}`);
    return { line: `syncline: ${parts.join(" — ")}`, exitCode: exitCodeOf(rpc) };
  }
  if (error instanceof CliError) {
    const fix = error.fix ? ` — fix: ${error.fix}` : "";
    return { line: `syncline: ${oneLine(error.message)}${fix}`, exitCode: error.exitCode };
  }
  if (error instanceof DomainError) return { line: `syncline: ${oneLine(error.message)}`, exitCode: exitCodeOf(error) };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `syncline: ${oneLine(message)}`, exitCode: ExitCode.error };
}
