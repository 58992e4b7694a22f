import { eq } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { syncAlertStates } from "./schema.ts";

/** Whether the sync's sync action was last announced as failing (false when never). */
export async function isFailing(db: Database, syncId: string): Promise<boolean> {
  const rows = await db
    .select({ failing: syncAlertStates.failing })
    .from(syncAlertStates)
    .where(eq(syncAlertStates.syncId, syncId));
  return rows[0]?.failing ?? false;
}

/** Records whether the sync's sync action is failing. */
export async function setFailing(db: Database, syncId: string, failing: boolean): Promise<void> {
  await db
    .insert(syncAlertStates)
    .values({ syncId, failing })
    .onConflictDoUpdate({ target: syncAlertStates.syncId, set: { failing, changedAt: new Date() } });
}
