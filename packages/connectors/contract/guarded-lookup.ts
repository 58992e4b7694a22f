import type { LookupAddress, LookupOptions } from "node:dns";
import { isIP } from "node:net";
import type { EndpointGuard } from "./endpoint-guard.ts";
import { unbracket } from "./special-addresses.ts";

/** Node's `lookup` option of `net.connect`/`tls.connect`/`http.Agent` (what `dns.lookup` looks like). */
export type SocketLookup = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/**
 * A socket `lookup` that resolves through `guard.resolve`: every address of the answer is checked
 * and the socket only ever connects to a checked one, so a DNS answer that changed since the
 * client's first `check` (rebinding) cannot reach a refused address. A refusal fails the connection
 * with `EndpointRefusedError`; Node skips `lookup` for IP literals, so transports check those
 * themselves with `refusedLiteral`.
 */
export function guardedLookup(guard: EndpointGuard): SocketLookup {
  return (hostname, options, callback) => {
    guard.resolve(hostname).then(
      (answers) => {
        const wanted = familyNumber(options.family);
        const usable = answers
          .filter((answer) => wanted === 0 || answer.family === wanted)
          .map(({ address, family }) => ({ address, family }));
        const first = usable[0];
        if (first === undefined) callback(notFound(hostname), "");
        else if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}

function familyNumber(family: LookupOptions["family"]): 0 | 4 | 6 {
  if (family === 4 || family === "IPv4") return 4;
  if (family === 6 || family === "IPv6") return 6;
  return 0;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
}

/**
 * The refusal for an IP-literal host, which never goes through `lookup`; undefined for a host name
 * or an allowed address. Async like a connection attempt, so callers fail the connection with it.
 */
export async function refusedLiteral(guard: EndpointGuard, host: string): Promise<Error | undefined> {
  if (isIP(unbracket(host)) === 0) return undefined;
  return guard.resolve(host).then(
    () => undefined,
    (error: Error) => error,
  );
}
