import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { HostLookup } from "../../packages/connectors/contract/index.ts";

/** An address that is public (example.com's); tests only ever let a client *check* it, never connect to it. */
export const PUBLIC_ADDRESS = "93.184.216.34";

/**
 * A DNS rebinding attacker's resolver for `name`: the first answer is a public address (what the
 * client's early `check` sees), every later one is `internal` (what a connection would reach).
 * Other names do not resolve. `answers()` counts lookups of `name`.
 */
export function rebindingLookup(name: string, internal: string): { lookup: HostLookup; answers: () => number } {
  let answers = 0;
  const lookup: HostLookup = async (host) => {
    if (host !== name) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    answers++;
    const address = answers === 1 ? PUBLIC_ADDRESS : internal;
    return [{ address, family: address.includes(":") ? 6 : 4 }];
  };
  return { lookup, answers: () => answers };
}

/** A provider gone wrong: answers every request with 200 and a body that never ends. */
export interface EndlessBodyServer {
  /** `http(s)://127.0.0.1:PORT`. */
  readonly url: string;
  /** Resolves, once the client dropped the first response's connection, with the bytes written until then. */
  readonly closedAfter: Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts an endless-body server on loopback (https with `tls` key and certificate). With
 * `announce`, the response claims that `content-length` (and still never ends).
 */
export async function endlessBodyServer(
  options: { readonly announce?: number; readonly tls?: { key: string; cert: string } } = {},
): Promise<EndlessBodyServer> {
  let reportClosed: (written: number) => void = () => undefined;
  const closedAfter = new Promise<number>((resolve) => {
    reportClosed = resolve;
  });
  const chunk = Buffer.alloc(64 * 1024, " ");
  const handler = (_req: IncomingMessage, res: ServerResponse) => {
    let written = 0;
    res.writeHead(200, {
      "content-type": "application/json",
      ...(options.announce ? { "content-length": String(options.announce) } : {}),
    });
    res.write("{");
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) written += chunk.length;
    };
    res.on("drain", () => {
      written += chunk.length;
      pump();
    });
    res.on("close", () => reportClosed(written));
    pump();
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    closedAfter,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
