import { describe, expect, it } from "vitest";
import { ConnectorError } from "./connector-error.ts";
import {
  createEndpointGuard,
  EndpointRefusedError,
  endpointAllowlistField,
  endpointCheckOnce,
  type HostLookup,
} from "./endpoint-guard.ts";

async function refusal(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

/** A resolver answering from a table, so no test depends on real DNS. */
function table(answers: Record<string, string[]>): HostLookup {
  return async (host) => {
    const addresses = answers[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

const guard = createEndpointGuard({ lookup: table({}) });

describe("endpoint guard", () => {
  it.each([
    ["loopback", "http://127.0.0.1:8200"],
    ["loopback, elsewhere in 127/8", "http://127.8.9.10"],
    ["loopback, decimal form", "http://2130706433/"],
    ["10/8", "https://10.0.0.5"],
    ["172.16/12", "https://172.31.255.1"],
    ["192.168/16", "https://192.168.1.1"],
    ["CGNAT 100.64/10", "https://100.100.100.200"],
    ["cloud metadata", "http://169.254.169.254/latest/meta-data"],
    ["link-local", "http://169.254.1.1"],
    ["unspecified", "http://0.0.0.0:8200"],
    ["multicast", "http://224.0.0.1"],
    ["broadcast", "http://255.255.255.255"],
    ["IPv6 loopback", "http://[::1]:8200"],
    ["IPv6 unspecified", "http://[::]"],
    ["IPv6 link-local", "http://[fe80::1]"],
    ["IPv6 unique-local", "http://[fd12:3456::1]"],
    ["IPv6 multicast", "http://[ff02::1]"],
    ["IPv4-mapped loopback", "http://[::ffff:127.0.0.1]"],
    ["IPv4-mapped metadata", "http://[::ffff:169.254.169.254]"],
    ["IPv4-mapped private", "http://[::ffff:10.0.0.1]"],
    ["benchmarking 198.18/15", "https://198.18.0.1"],
    ["benchmarking 198.18/15, upper half", "https://198.19.255.254"],
    ["IETF protocol assignments 192.0.0/24", "https://192.0.0.8"],
    ["documentation TEST-NET-1", "https://192.0.2.10"],
    ["documentation TEST-NET-3", "https://203.0.113.7"],
    ["NAT64 of cloud metadata", "http://[64:ff9b::169.254.169.254]"],
    ["NAT64 of loopback, hex form", "http://[64:ff9b::7f00:1]"],
    ["6to4 of a private address", "http://[2002:a00:1::1]"],
    ["6to4 of cloud metadata", "http://[2002:a9fe:a9fe::]"],
    ["IPv4-compatible (deprecated)", "http://[::127.0.0.1]"],
    ["Teredo", "http://[2001::1]"],
    ["IPv6 documentation", "http://[2001:db8::1]"],
    ["IPv6 site-local (deprecated)", "http://[fec0::1]"],
    ["IPv6 discard-only", "http://[100::1]"],
    ["NAT64 local-use prefix", "http://[64:ff9b:1::a00:1]"],
  ])("refuses %s (%s) with invalid_config naming the host and the allowlist", async (_, url) => {
    const error = await refusal(guard.check(url));
    expect(error.kind).toBe("invalid_config");
    expect(error.message).toContain(new URL(url).hostname.replace(/^\[|\]$/g, ""));
    expect(error.message).toContain("SYNCLINE_ENDPOINT_ALLOWLIST");
  });

  it.each([
    "https://8.8.8.8",
    "https://140.82.112.6/api/v3",
    "https://[2606:4700::1111]",
    "https://[::ffff:8.8.8.8]",
    "https://172.32.0.1",
    "https://100.128.0.1",
    "https://198.20.0.1",
    "https://192.0.1.1",
    "https://[64:ff9b::8.8.8.8]",
    "https://[2002:808:808::1]",
    "https://[2001:4860:4860::8888]",
  ])("lets a public address through (%s)", async (url) => {
    await expect(guard.check(url)).resolves.toBeUndefined();
  });

  it("refuses a host name when any of its addresses is internal, naming host and address", async () => {
    const resolving = createEndpointGuard({
      lookup: table({ "vault.example.com": ["8.8.8.8", "10.1.2.3"], "api.example.com": ["140.82.112.6"] }),
    });
    const error = await refusal(resolving.check("https://vault.example.com:8200"));
    expect(error.kind).toBe("invalid_config");
    expect(error.message).toContain("vault.example.com resolves to 10.1.2.3");
    await expect(resolving.check("https://api.example.com")).resolves.toBeUndefined();
  });

  it("resolves localhost through the system resolver and refuses it", async () => {
    const real = createEndpointGuard();
    expect((await refusal(real.check("http://localhost:8200"))).kind).toBe("invalid_config");
  });

  it("passes allowlisted CIDRs, addresses and host names, and only those", async () => {
    const allowing = createEndpointGuard({
      allowlist: ["127.0.0.0/8", "10.1.2.0/24", "fd00::/8", "169.254.169.254", "vault.internal"],
      lookup: table({ "vault.internal": ["10.9.9.9"], "other.internal": ["10.9.9.9"] }),
    });
    for (const url of [
      "http://127.0.0.1:8200",
      "http://[::ffff:127.0.0.1]",
      "https://10.1.2.77",
      "https://[fd00::5]",
      "http://169.254.169.254",
      "https://vault.internal:8200",
      "https://VAULT.internal.",
    ]) {
      await expect(allowing.check(url), url).resolves.toBeUndefined();
    }
    for (const url of ["https://10.1.3.1", "http://[::1]", "http://169.254.169.253", "https://other.internal"]) {
      expect((await refusal(allowing.check(url))).kind, url).toBe("invalid_config");
    }
  });

  it("resolve: every answer checked at connect time, all returned, allowlisted names exempt", async () => {
    const resolving = createEndpointGuard({
      allowlist: ["vault.internal"],
      lookup: table({
        "api.example.com": ["140.82.112.6", "2606:4700::1111"],
        "mixed.example.com": ["140.82.112.6", "::ffff:169.254.169.254"],
        "vault.internal": ["10.9.9.9", "10.9.9.10"],
      }),
    });
    expect(await resolving.resolve("api.example.com")).toEqual([
      { address: "140.82.112.6", family: 4 },
      { address: "2606:4700::1111", family: 6 },
    ]);
    const error = await refusal(resolving.resolve("mixed.example.com"));
    expect(error).toBeInstanceOf(EndpointRefusedError);
    expect(error.message).toContain("mixed.example.com resolves to ::ffff:169.254.169.254");
    expect((await resolving.resolve("vault.internal")).map((a) => a.address)).toEqual(["10.9.9.9", "10.9.9.10"]);
    expect(await resolving.resolve("[2606:4700::1111]")).toEqual([{ address: "2606:4700::1111", family: 6 }]);
    await expect(resolving.resolve("nowhere.example")).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  it("refuses schemes other than http and https", async () => {
    for (const url of ["file:///etc/passwd", "ftp://8.8.8.8/", "gopher://8.8.8.8/"]) {
      expect((await refusal(guard.check(url))).kind, url).toBe("invalid_config");
    }
  });

  it("reports a host that does not resolve as transient (DNS may come back)", async () => {
    const error = await refusal(guard.check("https://nowhere.example"));
    expect(error.kind).toBe("transient");
    expect(error.message).toContain("nowhere.example");
  });

  it("checks once per client and re-checks after a failed check", async () => {
    let calls = 0;
    let answer = ["8.8.8.8"];
    const counting = createEndpointGuard({
      lookup: async () => {
        calls++;
        return answer.map((address) => ({ address, family: 4 }));
      },
    });
    const check = endpointCheckOnce(counting, "https://vault.example.com");
    await check();
    await check();
    expect(calls).toBe(1);
    answer = ["10.0.0.1"];
    const fresh = endpointCheckOnce(counting, "https://vault.example.com");
    expect((await refusal(fresh())).kind).toBe("invalid_config");
    expect((await refusal(fresh())).kind).toBe("invalid_config");
    expect(calls).toBe(3);
  });

  it("rejects a malformed allowlist at start-up, naming each bad entry", () => {
    const field = endpointAllowlistField();
    expect(field.variable).toBe("SYNCLINE_ENDPOINT_ALLOWLIST");
    expect(field.parse(" 127.0.0.0/8 , vault.internal,,")).toEqual(["127.0.0.0/8", "vault.internal"]);
    expect(field.parse(undefined)).toEqual([]);
    expect(() => field.parse("10.0.0.0/33,not a host,fd00::/8")).toThrow(/"10\.0\.0\.0\/33".*"not a host"/);
    expect(() => createEndpointGuard({ allowlist: ["10.0.0.0/abc"] })).toThrow(/10\.0\.0\.0\/abc/);
  });
});
