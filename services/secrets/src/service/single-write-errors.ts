import { alreadyExists, conflict, notFound, type DomainError } from "@syncline/errors";
import type { SecretAddress } from "./write-transaction.ts";

/*
 * The errors of CreateSecret, UpdateSecret, DeleteSecret and RollbackSecret, worded in one place:
 * a write gets the same one whether it runs alone or in a commit group.
 */

/** NOT_FOUND: no secret `key` in the folder at `address`. */
export const secretNotFound = (address: Omit<SecretAddress, "projectId">, key: string): DomainError =>
  notFound(`secret "${key}" in ${address.environment}:${address.path}`);

/** ALREADY_EXISTS: a create of a key the folder already holds. */
export const secretExists = (address: Omit<SecretAddress, "projectId">, key: string): DomainError =>
  alreadyExists(`secret "${key}" in ${address.environment}:${address.path}`);

/** ABORTED: the secret is not at the version the caller expected. */
export const versionConflict = (key: string, current: number, expected: number): DomainError =>
  conflict(`secret "${key}" is at version ${current}, not ${expected}; read it again and retry`);

/** Refuses a write whose `expected_version` is not the secret's version: ABORTED, nothing written. */
export function checkExpectedVersion(key: string, current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) throw versionConflict(key, current, expected);
}
