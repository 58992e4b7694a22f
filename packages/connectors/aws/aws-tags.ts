/** Syncline's ownership tags on every secret or parameter a sync creates: which sync manages it. */
export const OWNER_SYNC_TAG = "syncline:sync-id";
/** The project of the sync named by `OWNER_SYNC_TAG`. */
export const OWNER_PROJECT_TAG = "syncline:project-id";
