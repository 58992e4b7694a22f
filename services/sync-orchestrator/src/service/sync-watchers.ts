/**
 * Wakes WatchSecretSync streams when a sync may have changed. Notifications are in-process (RPCs,
 * run results, coordination and change events handled by this replica); a watcher also wakes
 * every `pollMs` so changes made through another replica reach it within that time.
 */
export function createSyncWatchers(options: { pollMs: number }) {
  const listeners = new Map<string, Set<() => void>>();

  return {
    /** Tells the watchers of these syncs to look again. Cheap when nobody watches. */
    notify(syncIds: Iterable<string>): void {
      for (const id of syncIds) {
        for (const wake of listeners.get(id) ?? []) wake();
      }
    },

    /** How many streams watch now (for shutdown logs and tests). */
    get watching(): number {
      let count = 0;
      for (const set of listeners.values()) count += set.size;
      return count;
    },

    /**
     * Yields whenever the sync may have changed (a notification, or the poll interval passed),
     * until `signal` aborts. Notifications arriving while the consumer is busy collapse into one.
     */
    async *changes(syncId: string, signal: AbortSignal): AsyncGenerator<void> {
      let dirty = false;
      let wake: (() => void) | undefined;
      const listener = () => {
        dirty = true;
        wake?.();
      };
      const set = listeners.get(syncId) ?? new Set();
      set.add(listener);
      listeners.set(syncId, set);
      try {
        while (!signal.aborted) {
          if (!dirty) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(done, options.pollMs);
              function done() {
                clearTimeout(timer);
                signal.removeEventListener("abort", done);
                wake = undefined;
                resolve();
              }
              wake = done;
              signal.addEventListener("abort", done, { once: true });
            });
          }
          if (signal.aborted) return;
          dirty = false;
          yield;
        }
      } finally {
        set.delete(listener);
        if (set.size === 0) listeners.delete(syncId);
      }
    },
  };
}

export type SyncWatchers = ReturnType<typeof createSyncWatchers>;
