import type { RpcError } from "@syncline/rpc/client";

/**
 * A failed call with where it went: the error line says which address was tried and whether a
 * token was sent. (Kept apart from the session so that it loads without the gRPC stack.)
 */
export class CallFailure extends Error {
  readonly error: RpcError;
  readonly service: string;
  readonly address: string;
  readonly tokenGiven: boolean;

  constructor(error: RpcError, service: string, address: string, tokenGiven: boolean) {
    super(error.message);
    this.name = "CallFailure";
    this.error = error;
    this.service = service;
    this.address = address;
    this.tokenGiven = tokenGiven;
  }
}
