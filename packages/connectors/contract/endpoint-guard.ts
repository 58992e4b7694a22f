import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ConnectorError } from "./connector-error.ts";
import { ENDPOINT_ALLOWLIST_VARIABLE, parseAllowlist, splitEndpointAllowlist } from "./endpoint-allowlist.ts";
import { canonicalAddress, isSpecialPurposeAddress, unbracket } from "./special-addresses.ts";

export { ENDPOINT_ALLOWLIST_VARIABLE, endpointAllowlistField, splitEndpointAllowlist } from "./endpoint-allowlist.ts";

/**
 * Decides whether a connector may call a user-supplied endpoint (Vault address, GitHub Enterprise
 * API URL, AWS endpoint override, Kubernetes API server, …). Addresses in the IANA special-purpose
 * registries (loopback, private, CGNAT, link-local incl. cloud metadata, unique-local, documentation,
 * benchmarking, multicast, reserved; IPv4-mapped, NAT64 and 6to4 forms by their embedded IPv4) are
 * refused unless the operator allowlisted the address or the host name, so a connection cannot be
 * used to probe the network Syncline runs in (server-side request forgery).
 *
 * `check` is the early, friendly verdict before a client's first call; `resolve` is the one that
 * counts: the guarded transports (`guarded-dispatcher.ts`, `guarded-agent.ts`) call it from the
 * socket's DNS lookup, so the address actually connected to is the address checked (no DNS
 * rebinding between check and connect), on every connection and every redirect hop.
 */
export interface EndpointGuard {
  /**
   * Resolves `url`'s host and throws `EndpointRefusedError` (`invalid_config`) if it may not be
   * called (`transient` if DNS fails).
   */
  check(url: string | URL): Promise<void>;
  /** Whether a single resolved IP address may be connected to. */
  allowsAddress(address: string): boolean;
  /**
   * Every address `host` resolves to (an IP literal: itself), each checked: throws
   * `EndpointRefusedError` when any is refused, or the resolver's own error (with its `code`,
   * e.g. `ENOTFOUND`) when DNS fails, so a transport reports that as a network failure.
   */
  resolve(host: string): Promise<readonly ResolvedAddress[]>;
}

/** One answer of a host lookup, as `dns.lookup(host, { all: true })` gives it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host to every address, as `dns.lookup(host, { all: true })` does; injectable for tests. */
export type HostLookup = (host: string) => Promise<readonly ResolvedAddress[]>;

/** Options of `createEndpointGuard`: the operator's allowlist and, for tests, the resolver. */
export interface EndpointGuardOptions {
  /** CIDRs (`10.1.2.0/24`, `fd00::/8`), single addresses or exact host names (`vault.internal`). */
  readonly allowlist?: readonly string[];
  /** The resolver `check` and the connect-time `resolve` use (a test seam: no global `dns` patch). */
  readonly lookup?: HostLookup;
}

/** The `code` of an `EndpointRefusedError`, kept when an SDK re-wraps the error (Azure's RestError). */
export const ENDPOINT_REFUSED_CODE = "SYNCLINE_ENDPOINT_REFUSED";

/** An endpoint the guard refuses: `invalid_config`, never retried; the message names host, address and the variable. */
export class EndpointRefusedError extends ConnectorError {
  readonly code = ENDPOINT_REFUSED_CODE;
  /** The message as first written (SDKs may append to `message`). */
  readonly detail: string;
  constructor(message: string) {
    super("invalid_config", message);
    this.name = "EndpointRefusedError";
    this.detail = message;
  }
}

const defaultLookup: HostLookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Builds a guard; throws `Error` naming each allowlist entry that is neither a CIDR, an address nor a host name. */
export function createEndpointGuard(options: EndpointGuardOptions = {}): EndpointGuard {
  const { addresses, hosts } = parseAllowlist(options.allowlist ?? []);
  const lookup = options.lookup ?? defaultLookup;

  function allowsAddress(raw: string): boolean {
    const address = canonicalAddress(raw);
    const version = isIP(address);
    if (version !== 0 && addresses.check(address, version === 6 ? "ipv6" : "ipv4")) return true;
    return !isSpecialPurposeAddress(address);
  }

  async function resolve(rawHost: string): Promise<readonly ResolvedAddress[]> {
    const host = unbracket(rawHost).toLowerCase().replace(/\.$/, "");
    const version = isIP(host);
    const resolved = version !== 0 ? [{ address: host, family: version }] : await lookup(host);
    if (resolved.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    if (hosts.has(host)) return resolved;
    const blocked = resolved.find((answer) => !allowsAddress(answer.address));
    if (blocked === undefined) return resolved;
    const what = version !== 0 ? `${host} is` : `${host} resolves to ${blocked.address}, which is`;
    throw new EndpointRefusedError(
      `endpoint ${what} a private, loopback, link-local or otherwise internal address; Syncline refuses it to prevent request forgery. ` +
        `An operator can allow it by adding "${host}" or a CIDR containing ${blocked.address} to ${ENDPOINT_ALLOWLIST_VARIABLE} (comma-separated)`,
    );
  }

  return {
    allowsAddress,
    resolve,
    async check(url) {
      const parsed = typeof url === "string" ? parseUrl(url) : url;
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw new ConnectorError(
          "invalid_config",
          `endpoint ${parsed.protocol}//${parsed.hostname}: only http and https endpoints are allowed`,
        );
      }
      try {
        await resolve(parsed.hostname);
      } catch (error) {
        if (error instanceof ConnectorError) throw error;
        const code = (error as { code?: unknown }).code;
        throw new ConnectorError(
          "transient",
          `endpoint ${unbracket(parsed.hostname)} could not be resolved (${typeof code === "string" ? code : "DNS error"})`,
          { cause: error },
        );
      }
    },
  };
}

let configured: EndpointGuard | undefined;

/**
 * The process-wide guard connectors use when none is passed: built once from
 * `SYNCLINE_ENDPOINT_ALLOWLIST` on first use. Unset means nothing internal is allowed (secure by
 * default). Services validate the variable at start-up through their config.
 */
export function defaultEndpointGuard(): EndpointGuard {
  configured ??= createEndpointGuard({ allowlist: splitEndpointAllowlist(process.env[ENDPOINT_ALLOWLIST_VARIABLE]) });
  return configured;
}

/**
 * A once-per-client gate: the first call checks `url` with the guard, later calls reuse the
 * verdict. A failed check (e.g. DNS down) is retried by the next call rather than remembered.
 */
export function endpointCheckOnce(guard: EndpointGuard | undefined, url: string): () => Promise<void> {
  let passed: Promise<void> | undefined;
  return () => {
    passed ??= (guard ?? defaultEndpointGuard()).check(url).catch((error: unknown) => {
      passed = undefined;
      throw error;
    });
    return passed;
  };
}

function parseUrl(url: string): URL {
  if (!URL.canParse(url)) throw new ConnectorError("invalid_config", "endpoint is not an absolute URL");
  return new URL(url);
}
