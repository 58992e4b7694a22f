import { afterAll, beforeAll } from "vitest";
import { startSystem, type System, type SystemSpec } from "./starter.ts";

/** How a test file's system is started and stopped. */
export interface UseSystemOptions {
  /** How long the start may take (the configured hook timeout by default). */
  readonly timeoutMs?: number;
  /** The signal the services are stopped with (SIGTERM by default). */
  readonly stopSignal?: NodeJS.Signals;
}

/**
 * The starter as a test file uses it: starts `spec` in a `beforeAll` and stops it in an `afterAll`
 * (hooks the file registers later run after the start and before the stop), and returns the
 * system's handles, usable from the file's own hooks and tests once started.
 */
export function useSystem<const S extends SystemSpec>(spec: S, options: UseSystemOptions = {}): System<S> {
  let started: System<S> | undefined;
  let starting: Promise<System<S>> | undefined;
  beforeAll(async () => {
    starting = startSystem(spec);
    started = await starting;
  }, options.timeoutMs);
  // A start that outlived its hook's timeout still finishes: stop it then, so no process is left behind.
  afterAll(async () => {
    const system = started ?? (await starting?.catch(() => undefined));
    await system?.stop(options.stopSignal);
  }, 600_000);
  return new Proxy({} as System<S>, {
    get(_, property) {
      if (!started) throw new Error(`the system "${spec.name}" is used before it started (in beforeAll)`);
      return Reflect.get(started, property);
    },
  });
}
