import { BlockList, isIP } from "node:net";
import { unbracket } from "./special-addresses.ts";

/** The environment variable an operator sets to let connectors reach private endpoints. */
export const ENDPOINT_ALLOWLIST_VARIABLE = "SYNCLINE_ENDPOINT_ALLOWLIST";

/** Splits the comma-separated `SYNCLINE_ENDPOINT_ALLOWLIST` value into entries (empty entries dropped). */
export function splitEndpointAllowlist(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
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

/** Parses allowlist entries into addresses (CIDRs) and exact host names; throws naming every bad entry. */
export function parseAllowlist(entries: readonly string[]): { addresses: BlockList; hosts: Set<string> } {
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
