import { Destination, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";

type ConfigCase = NonNullable<DestinationConfig["destination"]["case"]>;

/** Which destination kind each DestinationConfig oneof case configures; a new case must be added here. */
const destinationByCase = {
  vaultKv: Destination.HASHICORP_VAULT,
  githubActions: Destination.GITHUB_ACTIONS,
} as const satisfies Record<ConfigCase, Destination>;

/** The destination kind a config selects, or undefined when no case is set. */
export function destinationKindOf(config: DestinationConfig): Destination | undefined {
  const kind = config.destination.case;
  return kind === undefined ? undefined : destinationByCase[kind];
}
