import { MAX_PARAMETER_NAME_CHARS, parameterName, type ParameterStoreConfig } from "./parameter-store-config.ts";

/**
 * What Parameter Store refuses in one entry beyond the key pattern and the value size: an empty
 * value, a full name over 1,011 characters, or a name under `/` starting with `aws` or `ssm`.
 * Never echoes the value.
 */
export function parameterEntryProblem(
  config: ParameterStoreConfig | undefined,
  key: string,
  value: string,
): string | undefined {
  if (value === "") return "Parameter Store cannot hold an empty value";
  const name = config ? parameterName(config, key) : `/${key}`;
  if (name.length > MAX_PARAMETER_NAME_CHARS)
    return `the parameter name would be ${name.length} characters; at most ${MAX_PARAMETER_NAME_CHARS}`;
  if ((!config || config.pathPrefix === "/") && /^(aws|ssm)/i.test(key))
    return "names starting with aws or ssm are reserved by AWS";
  return undefined;
}
