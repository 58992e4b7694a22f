/** True when `error` (or its cause, as drizzle wraps driver errors) is a PostgreSQL unique violation. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const candidate = current as { code?: string; constraint_name?: string; constraint?: string };
    if (candidate.code === "23505") {
      return (
        constraint === undefined || candidate.constraint_name === constraint || candidate.constraint === constraint
      );
    }
  }
  return false;
}
