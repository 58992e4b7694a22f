import { describe, expect, it } from "vitest";
import { createLogger, loggableError } from "./index.ts";

class FakeQueryError extends Error {
  query = "insert into secrets values ($1)";
  params = ["plaintext-canary"];
  constructor(cause: Error) {
    super("Failed query: insert into secrets values ($1)\nparams: plaintext-canary", { cause });
  }
}

describe("loggable errors", () => {
  it("keeps type, code and cause but never query parameters", () => {
    const cause = Object.assign(new Error("duplicate key"), { code: "23505" });
    const logged = JSON.stringify(loggableError(new FakeQueryError(cause)));
    expect(logged).not.toContain("plaintext-canary");
    expect(logged).toContain("failed query: insert into secrets");
    expect(logged).toContain("23505");
  });

  it("is what the logger does with `err`", () => {
    const lines: string[] = [];
    const logger = createLogger("test", "info", { write: (line: string) => void lines.push(line) });
    logger.error({ err: new FakeQueryError(new Error("x")) }, "boom");
    expect(lines.join("")).toContain("failed query");
    expect(lines.join("")).not.toContain("plaintext-canary");
  });
});
