import { Code, RpcError } from "@syncline/rpc";
import { expect } from "vitest";

/** Awaits a call that must fail, and returns its RpcError. */
export async function rpcFailure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call was expected to fail").toBeInstanceOf(RpcError);
  return error as RpcError;
}

/** Awaits a call that must fail with INVALID_ARGUMENT naming exactly `fields`. */
export async function expectInvalid(promise: Promise<unknown>, fields: readonly string[]): Promise<RpcError> {
  const error = await rpcFailure(promise);
  expect({ code: error.code, fields: error.violations.map((v) => v.field).sort() }).toEqual({
    code: Code.INVALID_ARGUMENT,
    fields: [...fields].sort(),
  });
  return error;
}
