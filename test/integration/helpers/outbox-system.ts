import { useSystem } from "../../support/use-system.ts";

/**
 * What the outbox files run: the secrets service on PostgreSQL (`sql` reads its outbox table) beside
 * a NATS the test can crash and restart; the service is killed with SIGKILL after the file, as a
 * test may have left NATS down.
 */
export function useOutboxSystem(name: string) {
  return useSystem(
    { name, services: ["secrets"], database: "postgres", nats: "restartable", sql: "secrets" },
    { stopSignal: "SIGKILL" },
  );
}
