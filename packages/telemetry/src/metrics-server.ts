import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.ts";
import type { MetricsRegistry } from "./metrics.ts";

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the registry for Prometheus: `GET /metrics` answers the exposition format with the
 * registry's (prom-client's) content type, anything else 404. A registry that fails to render
 * answers 500 and logs the error (never the samples).
 */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  registry: MetricsRegistry;
  logger: Logger;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    options.registry.render().then(
      (body) =>
        res
          .writeHead(200, { "content-type": options.registry.contentType })
          .end(req.method === "HEAD" ? undefined : body),
      (error: unknown) => {
        options.logger.error({ err: error }, "could not render metrics");
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("could not render metrics\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
