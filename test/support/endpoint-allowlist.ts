/**
 * Vitest setup file: every fake provider listens on loopback, which the connectors' endpoint guard
 * refuses by default. In-process code that builds connectors without an explicit guard (worker
 * unit tests, `defaultEndpointGuard()`) reads this allowlist; tests of the guard itself pass their
 * own `createEndpointGuard(...)` and do not depend on it. Services started as child processes get
 * the same value from `test/support/system-services.ts`.
 */
process.env.SYNCLINE_ENDPOINT_ALLOWLIST ??= "127.0.0.0/8,::1";
