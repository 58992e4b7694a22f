import { request as httpRequest, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEndpointGuard,
  createGuardedAgents,
  DEFAULT_MAX_RESPONSE_BYTES,
  EndpointRefusedError,
  guardedFetch,
  ResponseTooLargeError,
  transportRefusal,
  type ConnectorError,
  type HostLookup,
} from "../../packages/connectors/contract/index.ts";
import { endlessBodyServer, rebindingLookup } from "./transport-fixtures.ts";

/** What a request through a guarded transport failed with, as a connector would report it. */
async function refusalOf(operation: Promise<unknown>): Promise<ConnectorError | undefined> {
  const error = await operation.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the request should have failed").toBeDefined();
  return transportRefusal(error);
}

/** GET through node's http module with `agent`; resolves with the status, rejects with the request's error. */
function getThrough(agent: ReturnType<typeof createGuardedAgents>["httpAgent"], url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("guarded transports (connect-time endpoint guard)", () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      if (req.url === "/to-metadata") {
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
        return res.end();
      }
      if (req.url === "/to-loopback-literal") {
        res.writeHead(307, { location: `http://127.0.0.1:${port}/ok` });
        return res.end();
      }
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("fetch: a name checked as public that resolves to loopback at connect time is refused, nothing sent", async () => {
    hits.length = 0;
    const rebinding = rebindingLookup("rebind.example", "127.0.0.1");
    const guard = createEndpointGuard({ lookup: rebinding.lookup });
    await guard.check(`http://rebind.example:${port}/`);
    const refusal = await refusalOf(guardedFetch(guard)(`http://rebind.example:${port}/ok`));
    expect(refusal).toBeInstanceOf(EndpointRefusedError);
    expect(refusal?.kind).toBe("invalid_config");
    expect(refusal?.message).toContain("rebind.example resolves to 127.0.0.1");
    expect(rebinding.answers()).toBe(2);
    expect(hits).toEqual([]);
  });

  it("fetch: IP literals and IPv4-mapped IPv6 literals are checked too (they skip DNS)", async () => {
    const guard = createEndpointGuard({ lookup: rebindingLookup("unused.example", "127.0.0.1").lookup });
    for (const url of [`http://127.0.0.1:${port}/ok`, `http://[::ffff:127.0.0.1]:${port}/ok`]) {
      expect((await refusalOf(guardedFetch(guard)(url)))?.kind, url).toBe("invalid_config");
    }
    expect(hits).toEqual([]);
  });

  it("fetch: an allowlisted name resolves through the guard's resolver and connects", async () => {
    const lookup: HostLookup = async () => [{ address: "127.0.0.1", family: 4 }];
    const guard = createEndpointGuard({ allowlist: ["127.0.0.0/8"], lookup });
    const response = await guardedFetch(guard)(`http://fake-provider.invalid:${port}/ok`);
    expect(await response.text()).toBe("ok");
  });

  it("fetch: every redirect hop is checked at connect time", async () => {
    hits.length = 0;
    const lookup: HostLookup = async () => [{ address: "127.0.0.1", family: 4 }];
    const byName = createEndpointGuard({ allowlist: ["provider.invalid"], lookup });
    const toMetadata = await refusalOf(guardedFetch(byName)(`http://provider.invalid:${port}/to-metadata`));
    expect(toMetadata?.message).toContain("169.254.169.254");
    // The name is allowlisted, the loopback address it redirects to is not.
    const toLiteral = await refusalOf(guardedFetch(byName)(`http://provider.invalid:${port}/to-loopback-literal`));
    expect(toLiteral?.kind).toBe("invalid_config");
    expect(hits).toEqual(["/to-metadata", "/to-loopback-literal"]);
  });

  it("node http agent (AWS SDK, Azure pipeline): rebinding and refused literals fail the request", async () => {
    hits.length = 0;
    const rebinding = rebindingLookup("rebind.example", "127.0.0.1");
    const guard = createEndpointGuard({ lookup: rebinding.lookup });
    await guard.check(`http://rebind.example:${port}/`);
    const { httpAgent } = createGuardedAgents(guard);
    const rebound = await refusalOf(getThrough(httpAgent, `http://rebind.example:${port}/ok`));
    expect(rebound?.message).toContain("rebind.example resolves to 127.0.0.1");
    expect((await refusalOf(getThrough(httpAgent, `http://127.0.0.1:${port}/ok`)))?.kind).toBe("invalid_config");
    expect(hits).toEqual([]);

    const allowing = createEndpointGuard({ allowlist: ["127.0.0.0/8"], lookup: rebinding.lookup });
    const agents = createGuardedAgents(allowing, { keepAlive: false });
    expect(await getThrough(agents.httpAgent, `http://rebind.example:${port}/ok`)).toBe(200);
    expect(await getThrough(agents.httpAgent, `http://127.0.0.1:${port}/ok`)).toBe(200);
  });
});

describe("response body cap (guarded fetch)", () => {
  const guard = createEndpointGuard({ allowlist: ["127.0.0.0/8"] });

  it("an endless body fails with ResponseTooLargeError and the connection is dropped", async () => {
    const endless = await endlessBodyServer();
    try {
      const refusal = await refusalOf(guardedFetch(guard)(`${endless.url}/`).then((r) => r.text()));
      expect(refusal).toBeInstanceOf(ResponseTooLargeError);
      expect(refusal?.kind).toBe("unsupported");
      expect(refusal?.message).toContain("larger than 10 MiB");
      // The client stopped reading at the cap: the server saw the connection close after the cap
      // plus what socket buffers hold, not after an unbounded amount.
      const written = await endless.closedAfter;
      expect(written).toBeGreaterThan(DEFAULT_MAX_RESPONSE_BYTES);
      expect(written).toBeLessThan(3 * DEFAULT_MAX_RESPONSE_BYTES);
    } finally {
      await endless.close();
    }
  });

  it("an announced content-length above the cap fails before the body is read", async () => {
    const endless = await endlessBodyServer({ announce: 64 * 1024 * 1024 });
    try {
      const refusal = await refusalOf(guardedFetch(guard)(`${endless.url}/`).then((r) => r.text()));
      expect(refusal).toBeInstanceOf(ResponseTooLargeError);
      expect(await endless.closedAfter).toBeLessThan(DEFAULT_MAX_RESPONSE_BYTES);
    } finally {
      await endless.close();
    }
  });
});
