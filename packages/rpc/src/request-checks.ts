const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in Syncline APIs are UUIDs; anything else is refused before it reaches a database. */
export function checkUuid(value: string): string | undefined {
  return UUID.test(value) ? undefined : "must be a UUID";
}
