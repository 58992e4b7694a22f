import { assertValid, type FieldViolation } from "@syncline/rpc";

/**
 * Collects field violations for one request and throws them together as INVALID_ARGUMENT, so a
 * caller learns every problem at once.
 */
export function createChecks() {
  const violations: FieldViolation[] = [];
  return {
    check(field: string, problem: string | undefined) {
      if (problem) violations.push({ field, description: problem });
    },
    add(found: readonly FieldViolation[]) {
      violations.push(...found);
    },
    done() {
      assertValid(violations);
    },
  };
}

/** The checks of one request. */
export type Checks = ReturnType<typeof createChecks>;
