import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { beforeAll, describe, expect, it } from "vitest";
import { startFakeGitLab } from "../fakes/gitlab/fake-gitlab.ts";
import { diffOf, expectConnectorError } from "./conformance.ts";
import { gitlabConnector } from "./gitlab-fixtures.ts";

const badToken = "glpat-not-a-token-known-to-gitlab";

async function listen(server: Server): Promise<{ server: Server; url: string }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("GitLab client", () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });

  it("traces each call as a CLIENT span with method, path and status, never a value or the token", async () => {
    const gitlab = await startFakeGitLab();
    try {
      exporter.reset();
      await gitlabConnector({ url: gitlab.url, token: gitlab.token }).apply(
        diffOf({ create: { A: "span-secret-value" } }),
      );
      await gitlabConnector({ url: gitlab.url, token: badToken })
        .list()
        .catch(() => undefined);
      const spans = exporter.getFinishedSpans();
      expect(
        spans.map((s) => [
          s.attributes["http.request.method"],
          s.attributes["url.path"],
          s.attributes["http.response.status_code"],
        ]),
      ).toEqual([
        ["GET", "/api/v4/projects/acme%2Fapi/variables", 200],
        ["POST", "/api/v4/projects/acme%2Fapi/variables", 201],
        ["GET", "/api/v4/projects/acme%2Fapi/variables", 401],
      ]);
      expect(
        spans.every((s) => s.kind === SpanKind.CLIENT && s.instrumentationScope.name === "syncline.connectors.gitlab"),
      ).toBe(true);
      expect(spans[2]?.status.code).toBe(SpanStatusCode.ERROR);
      const recorded = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.status, s.events]));
      for (const secret of ["span-secret-value", gitlab.token, badToken]) expect(recorded).not.toContain(secret);
    } finally {
      await gitlab.close();
    }
  });

  it("does not follow a redirect, so the token never reaches another address", async () => {
    const elsewhere = await listen(createServer((_req, res) => res.end("[]")));
    let reachedElsewhere = false;
    elsewhere.server.on("request", () => (reachedElsewhere = true));
    const redirector = await listen(
      createServer((_req, res) =>
        res.writeHead(302, { Location: `${elsewhere.url}/api/v4/projects/1/variables` }).end(),
      ),
    );
    try {
      const connector = gitlabConnector({ url: redirector.url, token: "glpat-follow-me" });
      const error = await expectConnectorError(connector.list(), "invalid_config");
      expect(error.message).toContain("redirect");
      expect(reachedElsewhere).toBe(false);
    } finally {
      redirector.server.close();
      elsewhere.server.close();
    }
  });

  it("says an answer that is not GitLab's API is a wrong instance URL", async () => {
    const html = await listen(
      createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<html>")),
    );
    try {
      const error = await expectConnectorError(
        gitlabConnector({ url: html.url, token: "glpat-x" }).list(),
        "invalid_config",
      );
      expect(error.message).toContain("credentials.gitlab.instance_url");
    } finally {
      html.server.close();
    }
  });
});
