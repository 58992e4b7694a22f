import { create, toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as v1 from "@syncline/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "@syncline/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { grpcServiceDefinition } from "./service-definition.ts";

/**
 * gRPC server reflection (v1 and v1alpha) so grpcurl and other tools can list and call services
 * without local protos. Served from the protobuf-es descriptors the services were built from.
 */
export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    file.dependencies.forEach(visit);
    indexSymbols(file, symbols);
  };
  for (const service of services) visit(service.file);
  const serviceNames = [
    ...services.map((s) => s.typeName),
    v1.ServerReflection.typeName,
    v1alpha.ServerReflection.typeName,
  ];

  const answer = (request: v1.ServerReflectionRequest) => {
    const r = request.messageRequest;
    const fileResponse = (file: DescFile | undefined, missing: string) =>
      file
        ? {
            case: "fileDescriptorResponse" as const,
            value: { fileDescriptorProto: withDependencies(file).map(encodeFile) },
          }
        : {
            case: "errorResponse" as const,
            value: { errorCode: grpc.status.NOT_FOUND, errorMessage: `${missing} not found` },
          };
    switch (r.case) {
      case "listServices":
        return { case: "listServicesResponse" as const, value: { service: serviceNames.map((name) => ({ name })) } };
      case "fileByFilename":
        return fileResponse(files.get(r.value), `file ${r.value}`);
      case "fileContainingSymbol":
        return fileResponse(symbols.get(r.value.replace(/^\./, "")), `symbol ${r.value}`);
      default:
        return {
          case: "errorResponse" as const,
          value: { errorCode: grpc.status.UNIMPLEMENTED, errorMessage: "not supported" },
        };
    }
  };

  for (const [version, desc, responseSchema] of [
    ["v1", v1.ServerReflection, v1.ServerReflectionResponseSchema],
    ["v1alpha", v1alpha.ServerReflection, v1alpha.ServerReflectionResponseSchema],
  ] as const) {
    void version;
    server.addService(grpcServiceDefinition(desc), {
      serverReflectionInfo(call: grpc.ServerDuplexStream<v1.ServerReflectionRequest, unknown>) {
        call.on("data", (request: v1.ServerReflectionRequest) => {
          const response = create(responseSchema as typeof v1.ServerReflectionResponseSchema, {
            validHost: request.host,
            originalRequest: request,
            messageResponse: answer(request),
          });
          call.write(response);
        });
        call.on("end", () => call.end());
      },
    });
  }
}

function withDependencies(file: DescFile): DescFile[] {
  const out = new Map<string, DescFile>();
  const visit = (f: DescFile) => {
    if (out.has(f.proto.name)) return;
    out.set(f.proto.name, f);
    f.dependencies.forEach(visit);
  };
  visit(file);
  return [...out.values()];
}

function encodeFile(file: DescFile): Uint8Array {
  return toBinary(FileDescriptorProtoSchema, file.proto);
}

function indexSymbols(file: DescFile, symbols: Map<string, DescFile>): void {
  for (const service of file.services) {
    symbols.set(service.typeName, file);
    for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
  }
  const visitMessage = (message: DescFile["messages"][number]) => {
    symbols.set(message.typeName, file);
    message.nestedMessages.forEach(visitMessage);
    for (const e of message.nestedEnums) symbols.set(e.typeName, file);
  };
  file.messages.forEach(visitMessage);
  for (const e of file.enums) symbols.set(e.typeName, file);
}
