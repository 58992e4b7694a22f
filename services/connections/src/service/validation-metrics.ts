import { toConnectorError, type AppDescriptor } from "@syncline/connectors";
import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { MetricsRegistry } from "@syncline/telemetry";

/**
 * Counts live credential validations as `syncline_connections_validations_total{app,outcome}`
 * by wrapping the registry lookup: outcome is `valid` or the connector error kind (auth,
 * transient, invalid_config, …). Labels carry the app and the kind only, never credentials.
 */
export function countingValidations(
  describeApp: (app: App) => AppDescriptor,
  registry: MetricsRegistry,
): (app: App) => AppDescriptor {
  const validations = registry.counter(
    "syncline_connections_validations_total",
    "Live credential validations against the app, by app and outcome (valid, or the error kind).",
    ["app", "outcome"],
  );
  const wrapped = new Map<App, AppDescriptor>();
  return (app) => {
    const known = wrapped.get(app);
    if (known) return known;
    const descriptor = describeApp(app);
    const label = App[app] ?? String(app);
    const counted: AppDescriptor = {
      ...descriptor,
      async validateLive(credentials, signal, guard) {
        try {
          await descriptor.validateLive(credentials, signal, guard);
          validations.inc({ app: label, outcome: "valid" });
        } catch (error) {
          validations.inc({ app: label, outcome: toConnectorError(error).kind });
          throw error;
        }
      },
    };
    wrapped.set(app, counted);
    return counted;
  };
}
