/** A write waiting for its project's commit group; `settle` is called exactly once by the group's runner. */
export interface QueuedWrite<W> {
  readonly write: W;
  /** Writes of the same secret (environment, path, key) never share a group. */
  readonly secret: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Per-project commit groups (group commit). The first write of an idle project starts at once, as
 * a group of one; writes arriving while a group of that project runs wait, and when it ends the
 * waiting ones (up to `maxGroupSize`, in arrival order) go together as the next group. A second
 * write of a secret already in the group waits for the following one, so versions and values of a
 * secret follow call order. `runGroup` must settle every write it is given and never throw.
 */
export function createCommitGroups<W>(options: {
  maxGroupSize: number;
  runGroup: (projectId: string, group: readonly QueuedWrite<W>[]) => Promise<void>;
}) {
  const waiting = new Map<string, QueuedWrite<W>[]>();

  const nextGroup = (queue: QueuedWrite<W>[]): QueuedWrite<W>[] => {
    const group: QueuedWrite<W>[] = [];
    const secrets = new Set<string>();
    const later: QueuedWrite<W>[] = [];
    for (const queued of queue) {
      if (group.length < options.maxGroupSize && !secrets.has(queued.secret)) {
        group.push(queued);
        secrets.add(queued.secret);
      } else later.push(queued);
    }
    queue.splice(0, queue.length, ...later);
    return group;
  };

  const drain = async (projectId: string, queue: QueuedWrite<W>[]) => {
    while (queue.length > 0) {
      const group = nextGroup(queue);
      try {
        await options.runGroup(projectId, group);
      } catch (error) {
        for (const queued of group) queued.reject(error);
      }
    }
    waiting.delete(projectId);
  };

  return {
    /** Queues a write of `projectId`; resolves or rejects with exactly what its group decided for it. */
    submit<R>(projectId: string, secret: string, write: W): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        const queued: QueuedWrite<W> = { write, secret, resolve: resolve as (value: unknown) => void, reject };
        const queue = waiting.get(projectId);
        if (queue) {
          queue.push(queued);
          return;
        }
        const fresh = [queued];
        waiting.set(projectId, fresh);
        void drain(projectId, fresh);
      });
    },
  };
}
