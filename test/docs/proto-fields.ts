import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import type { DestinationConfigCase } from "@syncline/connectors";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";

/** One field of a destination's config message, as the proto declares it. */
export interface ProtoConfigField {
  /** Path inside `destination_config`, e.g. `vault_kv.mount` (as `DestinationConfigField.name`). */
  readonly path: string;
  /** The proto type in words, e.g. `string`, `repeated int64`, `enum GithubSecretScope (REPOSITORY, …)`. */
  readonly type: string;
}

/** The `DestinationConfig` oneof field of a case: its proto name (`vault_kv`) and message. */
export function configCaseField(configCase: DestinationConfigCase): { name: string; message: DescMessage } {
  const field = DestinationConfigSchema.fields.find((f) => f.localName === configCase);
  if (!field?.message) throw new Error(`DestinationConfig has no message case ${configCase}`);
  return { name: field.name, message: field.message };
}

/** Every field of a case's config message with its type, in declaration order. */
export function protoConfigFields(configCase: DestinationConfigCase): ProtoConfigField[] {
  const { name, message } = configCaseField(configCase);
  return message.fields.map((field) => ({ path: `${name}.${field.name}`, type: typeOf(field) }));
}

function typeOf(field: DescField): string {
  switch (field.fieldKind) {
    case "scalar":
      return scalarName(field.scalar);
    case "enum":
      return enumType(
        field.enum.name,
        field.enum.values.map((v) => v.name),
      );
    case "message":
      return field.message.name;
    case "list":
      if (field.listKind === "scalar") return `repeated ${scalarName(field.scalar)}`;
      if (field.listKind === "enum") return `repeated ${field.enum.name}`;
      return `repeated ${field.message.name}`;
    case "map":
      return "map";
  }
}

function scalarName(scalar: ScalarType): string {
  return ScalarType[scalar].toLowerCase();
}

/** `enum GithubSecretScope`: the values without the shared prefix and without UNSPECIFIED. */
function enumType(name: string, values: readonly string[]): string {
  const prefix = values.find((v) => v.endsWith("_UNSPECIFIED"))?.replace(/UNSPECIFIED$/, "") ?? "";
  const shown = values.filter((v) => !v.endsWith("_UNSPECIFIED")).map((v) => v.slice(prefix.length));
  return `enum ${name} (${shown.join(", ")})`;
}
