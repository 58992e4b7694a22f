import { pipeline, Readable } from "node:stream";
import { cappedBodyStream, DEFAULT_MAX_RESPONSE_BYTES } from "../contract/index.ts";

/** The raw answer the AWS SDK's transport hands to its deserializer. */
interface RawAnswer {
  readonly response: unknown;
}

/** What Syncline needs of an AWS SDK v3 client: its middleware stack (every v3 client has one). */
export interface AwsMiddlewareStackOwner {
  readonly middlewareStack: {
    add(
      middleware: (next: (args: never) => Promise<RawAnswer>) => (args: never) => Promise<RawAnswer>,
      options: { step: "deserialize"; priority: "low"; name: string; override: true },
    ): void;
  };
}

/**
 * Caps every response body the client reads at `limit` bytes: a middleware at the end of the
 * deserialize step (after the deserializer, so it sees the transport's raw body stream first)
 * puts `cappedBodyStream` between the socket and the parser, so an endless or huge answer fails
 * with `ResponseTooLargeError` instead of being buffered whole. The node agents cannot do this
 * themselves: they never see a response.
 */
export function capAwsResponses<C extends AwsMiddlewareStackOwner>(
  client: C,
  host: string,
  limit = DEFAULT_MAX_RESPONSE_BYTES,
): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const answer = await next(args);
      const response = answer.response as { body?: unknown } | undefined;
      if (response && response.body instanceof Readable) {
        response.body = pipeline(response.body, cappedBodyStream(host, limit), () => undefined);
      }
      return answer;
    },
    { step: "deserialize", priority: "low", name: "synclineResponseCap", override: true },
  );
  return client;
}
