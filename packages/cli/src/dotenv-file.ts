import dotenv from "dotenv";
import { CliError } from "./cli-error.ts";
import { ExitCode } from "./exit-codes.ts";

/** Keys a dotenv file can hold (what the `dotenv` parser reads as a key). */
const dotenvKey = /^[\w.-]+$/;
/** Values written without quotes: nothing the parser would trim, treat as a comment or unquote. */
const bare = /^[A-Za-z0-9_./:@+,=%^~-]+$/;

/**
 * Parses a dotenv file as the `dotenv` package does (comments, `export`, single, double and
 * backtick quotes, multi-line values), so a file written by `export` reads back exactly.
 */
export function parseDotenv(text: string): Record<string, string> {
  return dotenv.parse(text);
}

/**
 * One `KEY=value` line the `dotenv` parser reads back as exactly `value`: bare when safe, else in
 * single quotes (taken literally, newlines included), else backticks, else unquoted when it has no
 * `#`, line break or surrounding space, else double quotes (where the parser turns `\n` into a newline). A value no quoting can carry exactly is refused, naming the key,
 * rather than written wrong.
 */
export function dotenvLine(key: string, value: string): string {
  if (!dotenvKey.test(key)) {
    throw new CliError(`secret ${key} cannot be written to a dotenv file (keys are letters, digits, _ . -)`, 1);
  }
  if (value === "" || bare.test(value)) return `${key}=${value}`;
  // The parser reads a closing quote preceded by a backslash as escaped, and turns "\r\n" into "\n".
  const literal = !value.endsWith("\\") && !value.includes("\r");
  if (literal && !value.includes("'")) return `${key}='${value}'`;
  if (literal && !value.includes("`")) return `${key}=\`${value}\``;
  // Unquoted, the parser keeps everything up to a `#` or the line's end, trimmed.
  if (!/[#\r\n]/.test(value) && value.trim() === value && !/^['"`]/.test(value)) return `${key}=${value}`;
  if (!value.includes('"') && !/\\[nr]/.test(value) && !value.endsWith("\\")) {
    return `${key}="${value.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
  }
  throw new CliError(
    `the value of ${key} cannot be written to a dotenv file exactly (it holds ', " and \` together, ` +
      "or a carriage return or a trailing backslash beside them)",
    ExitCode.error,
    "export it with `-o json` instead",
  );
}

/** A dotenv file of `secrets` in key order. */
export function formatDotenv(secrets: ReadonlyArray<{ key: string; value: string }>): string {
  return [...secrets]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((s) => `${dotenvLine(s.key, s.value)}\n`)
    .join("");
}
