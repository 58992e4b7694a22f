import { BlockList, isIP } from "node:net";

/**
 * The address ranges a connector must never reach unless an operator allowlists them, from the IANA
 * IPv4 and IPv6 special-purpose address registries (RFC 6890 and its updates): everything that is
 * not globally reachable unicast. IPv6 outside global unicast (2000::/3) is refused as a whole
 * (reserved/unassigned), except the NAT64 well-known prefix whose embedded IPv4 address decides.
 */
const REFUSED_IPV4: readonly (readonly [string, number])[] = [
  ["0.0.0.0", 8], // "this network", incl. unspecified 0.0.0.0
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT (shared address space)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, incl. cloud metadata 169.254.169.254
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments (DS-Lite, NAT64 discovery, …)
  ["192.0.2.0", 24], // documentation TEST-NET-1
  ["192.88.99.0", 24], // deprecated 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation TEST-NET-2
  ["203.0.113.0", 24], // documentation TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. limited broadcast 255.255.255.255
];

const REFUSED_IPV6_IN_GLOBAL_UNICAST: readonly (readonly [string, number])[] = [
  ["2001::", 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID, …
  ["2001:db8::", 32], // documentation
  ["3fff::", 20], // documentation (RFC 9637)
];

const refusedV4 = new BlockList();
for (const [network, prefix] of REFUSED_IPV4) refusedV4.addSubnet(network, prefix, "ipv4");
const refusedV6 = new BlockList();
for (const [network, prefix] of REFUSED_IPV6_IN_GLOBAL_UNICAST) refusedV6.addSubnet(network, prefix, "ipv6");
const globalUnicastV6 = new BlockList();
globalUnicastV6.addSubnet("2000::", 3, "ipv6");

/** The CIDRs refused, for documentation and error messages (IPv6: everything outside 2000::/3 too). */
export const REFUSED_RANGES: readonly string[] = [
  ...REFUSED_IPV4.map(([network, prefix]) => `${network}/${prefix}`),
  ...REFUSED_IPV6_IN_GLOBAL_UNICAST.map(([network, prefix]) => `${network}/${prefix}`),
  "::/128",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
];

/**
 * The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`, the same host),
 * NAT64 well-known prefix (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`, reached through a
 * relay). Undefined for every other address.
 */
export function embeddedIPv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words) return undefined;
  const zero = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  if (zero(0, 5) && words[5] === 0xffff) return v4(words[6] ?? 0, words[7] ?? 0);
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6)) return v4(words[6] ?? 0, words[7] ?? 0);
  if (words[0] === 0x2002) return v4(words[1] ?? 0, words[2] ?? 0);
  return undefined;
}

/** Whether `address` (an IP literal, brackets allowed) is refused by default; non-IP text counts as refused. */
export function isSpecialPurposeAddress(raw: string): boolean {
  const address = unbracket(raw);
  const version = isIP(address);
  if (version === 4) return refusedV4.check(address, "ipv4");
  if (version !== 6) return true;
  const inner = embeddedIPv4(address);
  if (inner !== undefined) return refusedV4.check(inner, "ipv4");
  if (!globalUnicastV6.check(address, "ipv6")) return true;
  return refusedV6.check(address, "ipv6");
}

/** The form an address is connected as: IPv4-mapped IPv6 becomes the IPv4 address, brackets dropped. */
export function canonicalAddress(raw: string): string {
  const address = unbracket(raw);
  if (isIP(address) !== 6) return address;
  const words = ipv6Words(address) ?? [];
  const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
  return mapped ? (embeddedIPv4(address) ?? address) : address;
}

/** Drops the brackets of an IPv6 URL host. */
export function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** The eight 16-bit words of an IPv6 literal (zone id dropped, dotted-quad tail expanded). */
function ipv6Words(raw: string): number[] | undefined {
  const address = unbracket(raw).split("%")[0] ?? "";
  if (isIP(address) !== 6) return undefined;
  const [head = "", tail] = address.split("::");
  const parse = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
