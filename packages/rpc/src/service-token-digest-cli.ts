/**
 * Prints the digest of a service token, as a peer's SYNCLINE_PEER_SERVICE_DIGESTS lists it:
 * `node packages/rpc/src/service-token-digest-cli.ts <token>` (or the token on standard input, so it
 * stays out of the shell history: `... service-token-digest-cli.ts - < token-file`).
 */
import { readFileSync } from "node:fs";
import { serviceTokenDigest } from "./service-credentials.ts";

const argument = process.argv[2];
const token = argument === undefined || argument === "-" ? readFileSync(0, "utf8").trim() : argument;
if (!token) {
  process.stderr.write("usage: service-token-digest-cli.ts <token> | - (read the token from stdin)\n");
  process.exit(2);
}
process.stdout.write(`${serviceTokenDigest(token)}\n`);
