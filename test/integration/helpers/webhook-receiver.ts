import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/** One request the receiver got, with the verdict of its signature check. */
export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON. */
  readonly json: Record<string, unknown>;
  /** The signature matched the body under the secret, with a timestamp within 5 minutes of now. */
  readonly verified: boolean;
  /** The signed timestamp, in unix seconds. */
  readonly timestamp: number;
}

/** A local webhook receiver (node:http on loopback), verifying signatures as docs/notifications.md tells receivers to. */
export interface WebhookReceiver {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** The secret signatures are checked against (set it once the endpoint is created). */
  secret: string;
  /** The status the receiver answers (200 unless set). */
  status: number;
  close(): Promise<void>;
}

/** The documented verification: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, 300 s tolerance. */
export function verifyWebhook(secret: string, body: string, header: string, nowSeconds = Date.now() / 1000) {
  const fields = Object.fromEntries(header.split(",").map((part) => part.split("=", 2)));
  const timestamp = Number(fields.t);
  const expected = createHmac("sha256", secret).update(`${fields.t}.${body}`).digest();
  const given = Buffer.from(String(fields.v1 ?? ""), "hex");
  const fresh = Number.isInteger(timestamp) && Math.abs(nowSeconds - timestamp) <= 300;
  return { verified: fresh && given.length === expected.length && timingSafeEqual(given, expected), timestamp };
}

/** Starts a receiver on `port` (a random free one when 0). */
export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const receiver = { received: [] as ReceivedWebhook[], secret: "", status: 200 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const header = String(request.headers["syncline-signature"] ?? "");
      receiver.received.push({
        path: request.url ?? "",
        headers: request.headers,
        body,
        json: JSON.parse(body) as Record<string, unknown>,
        ...verifyWebhook(receiver.secret, body, header),
      });
      response.writeHead(receiver.status).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return Object.assign(receiver, {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
