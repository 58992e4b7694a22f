import { toJson } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { act } from "../command-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { messageFromJson, parseJsonArgument } from "../json-input.ts";
import { findService, serviceEndpoints } from "../service-registry.ts";

const serviceNames = () => serviceEndpoints.map(([s]) => s.name).join(", ");

/**
 * `syncline call <Service> <Method> [json]`: any RPC of any service, request and response in the
 * protobuf JSON form (a small grpcurl); streams print one response per line.
 */
export function registerCall(program: Command): void {
  program
    .command("call <service> [method] [json]")
    .description("call any RPC with a JSON request (- for stdin, @file); without a method: list the methods")
    .action(
      act(async (ctx, [serviceName, methodName, body]) => {
        const service = findService(serviceName!);
        if (!service) throw new CliError(`no service "${serviceName}"`, ExitCode.usage, `one of: ${serviceNames()}`);
        if (!methodName) return ctx.out.line(service.methods.map((m) => m.name).join("\n"));
        const method = service.methods.find((m) => m.name === methodName || m.localName === methodName);
        if (!method) {
          const names = service.methods.map((m) => m.name).join(", ");
          throw new CliError(`${service.name} has no method "${methodName}"`, ExitCode.usage, `one of: ${names}`);
        }
        const request = messageFromJson(method.input, parseJsonArgument(body ?? "{}", "<json>"), "<json>");
        const client = ctx.session.client(service) as unknown as Record<string, (r: unknown) => unknown>;
        const print = (response: unknown) => {
          const json = toJson(method.output, response as never);
          if (method.methodKind === "server_streaming" && ctx.out.mode !== "yaml") ctx.out.line(JSON.stringify(json));
          else ctx.out.value(json);
        };
        if (method.methodKind === "server_streaming") {
          for await (const response of client[method.localName]!(request) as AsyncIterable<unknown>) print(response);
        } else {
          print(await client[method.localName]!(request));
        }
      }),
    );
}
