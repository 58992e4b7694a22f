/**
 * A failure the CLI itself detects (a bad argument, a file it cannot read, a run that failed): the
 * message is printed as one line, with the fix when known, and the process exits with `exitCode`.
 */
export class CliError extends Error {
  readonly exitCode: number;
  readonly fix: string | undefined;

  constructor(message: string, exitCode: number, fix?: string) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.fix = fix;
  }
}
