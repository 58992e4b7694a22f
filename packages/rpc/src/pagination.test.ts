import { isDomainError } from "@syncline/errors";
import { describe, expect, it } from "vitest";
import { decodePageToken, encodePageToken, isPageToken, paginate, pageSize, readPageRequest } from "./pagination.ts";

describe("page tokens", () => {
  it("carry a position of the list that issued them, and nothing else", () => {
    const token = encodePageToken("runs:a", "42");
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken("runs:a", token)).toBe("42");
    expect(decodePageToken("runs:b", token)).toBeUndefined();
    expect(isPageToken(token)).toBe(true);
  });

  it("refuses what this format never issues", () => {
    const b64 = (text: string) => Buffer.from(text).toString("base64url");
    for (const forged of ["not/a+token==", "%%%", "zz", b64("../x"), b64("0"), b64('["a"]'), b64('["a", 1]')]) {
      expect(isPageToken(forged), forged).toBe(false);
      expect(decodePageToken("a", forged), forged).toBeUndefined();
    }
    expect(isPageToken("")).toBe(true);
  });
});

describe("pages", () => {
  it("serve the default size for 0 and cut one extra row into the next token", () => {
    expect(pageSize(0, 100)).toBe(100);
    expect(pageSize(7, 100)).toBe(7);
    const { page, nextPageToken } = paginate("n", [1, 2, 3], 2, (n) => n);
    expect(page).toEqual([1, 2]);
    expect(decodePageToken("n", nextPageToken)).toBe("2");
    expect(paginate("n", [1, 2], 2, (n) => n).nextPageToken).toBe("");
  });

  it("reads a request's page and refuses a token of another list naming page_token", () => {
    expect(readPageRequest("n", { pageSize: 0, pageToken: "" }, 50)).toEqual({ size: 50, after: undefined });
    const token = encodePageToken("n", "x");
    expect(readPageRequest("n", { pageSize: 5, pageToken: token }, 50)).toEqual({ size: 5, after: "x" });
    for (const [list, isPosition] of [
      ["other", () => true],
      ["n", (p: string) => /^\d+$/.test(p)],
    ] as const) {
      let thrown: unknown;
      try {
        readPageRequest(list, { pageSize: 0, pageToken: token }, 50, isPosition);
      } catch (error) {
        thrown = error;
      }
      expect(isDomainError(thrown, "invalid_argument")).toBe(true);
      expect((thrown as { violations: unknown }).violations).toEqual([
        { field: "page_token", description: "is not a token of this list; start without one" },
      ]);
    }
  });
});
