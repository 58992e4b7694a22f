import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { ConnectorError } from "./connector-error.ts";

/** The environment variable an operator sets to let connectors reach private endpoints. */
export const ENDPOINT_ALLOWLIST_VARIABLE = "SYNCLINE_ENDPOINT_ALLOWLIST";

/**
 * Decides whether a connector may call a user-supplied endpoint (Vault address, GitHub Enterprise
 * API URL). Endpoints that resolve to loopback, private, CGNAT, link-local (cloud metadata),
 * unique-local, unspecified, multicast or reserved addresses are refused unless the operator
 * allowlisted the address or the host name, so a connection cannot be used to probe the network
 * Syncline runs in (server-side request forgery).
 *
 * Known gap (DNS rebinding): `check` resolves the host and the HTTP client resolves it again when
 * it connects, so a name whose DNS answer changes between the two can still reach a refused
 * address. Closing it needs a connect-time `lookup` (undici `Agent({ connect: { lookup } })` as
 * fetch's `dispatcher`); `undici` is not a dependency yet, so clients check before their first
 * request only.
 */
export interface EndpointGuard {
  /** Resolves `url`'s host and throws `ConnectorError("invalid_config")` if it may not be called (`transient` if DNS fails). */
  check(url: string | URL): Promise<void>;
  /** Whether a single resolved IP address may be connected to (for a connect-time lookup hook). */
  allowsAddress(address: string): boolean;
}

/** Resolves a host to every address, as `dns.lookup(host, { all: true })` does; injectable for tests. */
export type HostLookup = (host: string) => Promise<readonly { readonly address: string; readonly family: number }[]>;

/** Options of `createEndpointGuard`: the operator's allowlist and, for tests, the resolver. */
export interface EndpointGuardOptions {
  /** CIDRs (`10.1.2.0/24`, `fd00::/8`), single addresses or exact host names (`vault.internal`). */
  readonly allowlist?: readonly string[];
  readonly lookup?: HostLookup;
}

const refused = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network", incl. unspecified 0.0.0.0
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, incl. cloud metadata 169.254.169.254
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. broadcast 255.255.255.255
] as const)
  refused.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128],
  ["fe80::", 10], // link-local
  ["fc00::", 7], // unique-local
  ["ff00::", 8], // multicast
] as const)
  refused.addSubnet(network, prefix, "ipv6");

const defaultLookup: HostLookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Builds a guard; throws `Error` naming each allowlist entry that is neither a CIDR, an address nor a host name. */
export function createEndpointGuard(options: EndpointGuardOptions = {}): EndpointGuard {
  const { addresses, hosts } = parseAllowlist(options.allowlist ?? []);
  const lookup = options.lookup ?? defaultLookup;

  function allowsAddress(raw: string): boolean {
    const address = unbracket(raw);
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    return !refused.check(address, family) || addresses.check(address, family);
  }

  return {
    allowsAddress,
    async check(url) {
      const parsed = typeof url === "string" ? parseUrl(url) : url;
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw new ConnectorError(
          "invalid_config",
          `endpoint ${parsed.protocol}//${parsed.hostname}: only http and https endpoints are allowed`,
        );
      }
      const host = unbracket(parsed.hostname).toLowerCase().replace(/\.$/, "");
      if (hosts.has(host)) return;
      const resolved = isIP(host) ? [host] : await resolve(lookup, host);
      const blocked = resolved.find((address) => !allowsAddress(address));
      if (blocked !== undefined) {
        const what = blocked === host ? `${host} is` : `${host} resolves to ${blocked}, which is`;
        throw new ConnectorError(
          "invalid_config",
          `endpoint ${what} a private, loopback, link-local or otherwise internal address; Syncline refuses it to prevent request forgery. ` +
            `An operator can allow it by adding "${host}" or a CIDR containing ${blocked} to ${ENDPOINT_ALLOWLIST_VARIABLE} (comma-separated)`,
        );
      }
    },
  };
}

/** Splits the comma-separated `SYNCLINE_ENDPOINT_ALLOWLIST` value into entries (empty entries dropped). */
export function splitEndpointAllowlist(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
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

/**
 * A `@syncline/config` field for `SYNCLINE_ENDPOINT_ALLOWLIST`, so a service refuses to start
 * with a malformed allowlist instead of failing on the first connector call.
 */
export function endpointAllowlistField(): {
  readonly variable: string;
  readonly secret: false;
  parse(raw: string | undefined): string[];
} {
  return {
    variable: ENDPOINT_ALLOWLIST_VARIABLE,
    secret: false,
    parse(raw) {
      const entries = splitEndpointAllowlist(raw);
      parseAllowlist(entries);
      return entries;
    },
  };
}

function parseAllowlist(entries: readonly string[]): { addresses: BlockList; hosts: Set<string> } {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  const problems: string[] = [];
  for (const entry of entries) {
    const [rawAddress = "", prefixText, extra] = entry.trim().split("/");
    const address = unbracket(rawAddress);
    const version = isIP(address);
    if (version !== 0) {
      const max = version === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (extra !== undefined || !/^\d+$/.test(prefixText ?? String(max)) || prefix > max)
        problems.push(`"${entry}" has an invalid prefix length`);
      else addresses.addSubnet(address, prefix, version === 4 ? "ipv4" : "ipv6");
    } else if (
      prefixText === undefined &&
      /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(address)
    ) {
      hosts.add(address.toLowerCase().replace(/\.$/, ""));
    } else {
      problems.push(`"${entry}" is neither a CIDR, an IP address nor a host name`);
    }
  }
  if (problems.length > 0) throw new Error(`endpoint allowlist: ${problems.join("; ")}`);
  return { addresses, hosts };
}

async function resolve(lookup: HostLookup, host: string): Promise<string[]> {
  try {
    const answers = await lookup(host);
    if (answers.length === 0) throw Object.assign(new Error("no addresses"), { code: "ENOTFOUND" });
    return answers.map((a) => a.address);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConnectorError(
      "transient",
      `endpoint ${host} could not be resolved (${typeof code === "string" ? code : "DNS error"})`,
      { cause: error },
    );
  }
}

function parseUrl(url: string): URL {
  if (!URL.canParse(url)) throw new ConnectorError("invalid_config", "endpoint is not an absolute URL");
  return new URL(url);
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
