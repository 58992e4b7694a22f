import type { Logger } from "@syncline/telemetry";

/** Exit code of a process that stops on an uncaught error (Node's own code for one). */
export const UNCAUGHT_EXIT_CODE = 1;

/** A stack frame inside the postgres.js package (`src/` or `cjs/src/`), on any platform. */
const DRIVER_FRAME = /[\\/]node_modules[\\/]postgres[\\/](?:cjs[\\/])?src[\\/]/;

/**
 * True when `error` was thrown inside the PostgreSQL driver itself (its first stack frame is in
 * postgres.js): e.g. postgres.js 3.4.9 writing to a socket it already dropped after a lost
 * connection (porsager/postgres#1154, #1208), which escapes every await as an uncaught exception.
 */
export function isDatabaseDriverFault(error: unknown): boolean {
  if (!(error instanceof Error) || typeof error.stack !== "string") return false;
  const firstFrame = error.stack.split("\n").find((line) => line.trimStart().startsWith("at "));
  return firstFrame !== undefined && DRIVER_FRAME.test(firstFrame);
}

/**
 * Replaces Node's default for uncaught exceptions (a raw stack trace on stderr) with one structured
 * fatal log line, then exits with code 1 so the supervisor (Kubernetes, systemd, compose) restarts
 * the process. A fault of the PostgreSQL driver is named as such: its connection state cannot be
 * trusted afterwards, so exiting is the recovery, and the line says so instead of dumping the driver's
 * internals. Unhandled promise rejections reach this handler too (Node's default `throw` mode).
 */
export function exitOnUncaughtError(logger: Logger, beforeExit: () => Promise<void>): void {
  let exiting = false;
  process.on("uncaughtException", (error) => {
    if (exiting) return;
    exiting = true;
    if (isDatabaseDriverFault(error)) {
      const message = error instanceof Error ? error.message : String(error);
      logger.fatal(
        { driver: "postgres", reason: message },
        "PostgreSQL driver failed after a lost database connection; exiting for a restart",
      );
    } else {
      logger.fatal({ err: error }, "uncaught exception; exiting for a restart");
    }
    // Bounded: a hung span exporter must not keep a broken process alive.
    const timer = setTimeout(() => process.exit(UNCAUGHT_EXIT_CODE), 2_000);
    timer.unref();
    void beforeExit()
      .catch(() => undefined)
      .finally(() => process.exit(UNCAUGHT_EXIT_CODE));
  });
}
