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
        const wanted =
          options.family === 4 || options.family === "IPv4"
            ? 4
            : options.family === 6 || options.family === "IPv6"
              ? 6
              : 0;
        const usable = answers.filter((answer) => wanted === 0 || answer.family === wanted);
        const first = usable[0];
        if (first === undefined) {
          const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
            code: "ENOTFOUND",
          });
          callback(error, "");
        } else if (options.all)
          callback(
            null,
            usable.map(({ address, family }) => ({ address, family })),
          );
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
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
