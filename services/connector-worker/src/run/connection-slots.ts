/**
 * A cap on concurrent destination calls per connection (docs/architecture.md, Propagation rules): however many runs a worker
 * handles, one connection never gets more than `max` calls at once, so a burst of syncs sharing
 * a connection queues here instead of tripping the provider's abuse limits.
 */
export function createConnectionSlots(max: number) {
  const slots = new Map<string, { active: number; waiting: (() => void)[] }>();

  async function acquire(connectionId: string): Promise<void> {
    let slot = slots.get(connectionId);
    if (!slot) {
      slot = { active: 0, waiting: [] };
      slots.set(connectionId, slot);
    }
    if (slot.active < max) {
      slot.active++;
      return;
    }
    await new Promise<void>((resolve) => slot!.waiting.push(resolve));
  }

  function release(connectionId: string): void {
    const slot = slots.get(connectionId);
    if (!slot) return;
    const next = slot.waiting.shift();
    if (next) next();
    else if (--slot.active === 0) slots.delete(connectionId);
  }

  return {
    /** Runs `call` once the connection has a free slot. */
    async run<T>(connectionId: string, call: () => Promise<T>): Promise<T> {
      await acquire(connectionId);
      try {
        return await call();
      } finally {
        release(connectionId);
      }
    },
    /** Calls running and waiting for a connection, for logs and metrics. */
    load(connectionId: string): { active: number; waiting: number } {
      const slot = slots.get(connectionId);
      return { active: slot?.active ?? 0, waiting: slot?.waiting.length ?? 0 };
    },
  };
}
