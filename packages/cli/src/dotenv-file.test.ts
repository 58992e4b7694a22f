import { describe, expect, it } from "vitest";
import { dotenvLine, formatDotenv, parseDotenv } from "./dotenv-file.ts";

/** Values a dotenv export must carry exactly: quotes, newlines, `#`, `=`, spaces, backslashes. */
const tricky: Record<string, string> = {
  PLAIN: "abc123",
  EMPTY: "",
  EQUALS: "a=b=c",
  HASH: "pass#word",
  SPACES: "  padded value  ",
  SINGLE: "it's",
  DOUBLE: 'say "hi"',
  BOTH: `it's "quoted"`,
  ALL_THREE: 'it\'s "quoted" `cmd`',
  NEWLINES: "line 1\nline 2\n",
  PEM: "-----BEGIN KEY-----\nabc\n-----END KEY-----",
  BACKSLASH_N: "C:\\new\\table",
  DOLLAR: "${NOT_EXPANDED}",
  UNICODE: "héllo ☃",
  TRAILING_BACKSLASH: "ends with \\",
};

describe("dotenv export", () => {
  it("writes every value so the dotenv parser reads it back exactly", () => {
    const secrets = Object.entries(tricky).map(([key, value]) => ({ key, value }));
    expect(parseDotenv(formatDotenv(secrets))).toEqual(tricky);
  });

  it("refuses a value it cannot carry exactly instead of writing it wrong", () => {
    expect(() => dotenvLine("K", "a 'b' \"c\" `d` # e")).toThrow(/cannot be written to a dotenv file exactly/);
    expect(() => dotenvLine("K", "crlf\r\nand 'both' \"kinds\" `of` quotes")).toThrow(/K/);
  });

  it("reads comments, export prefixes and quoted values as dotenv does", () => {
    const text = "# comment\nexport A=1\nB='x # y'\nC=\"multi\nline\"\nD=value # trailing comment\n";
    expect(parseDotenv(text)).toEqual({ A: "1", B: "x # y", C: "multi\nline", D: "value" });
  });
});
