import { CallFailure } from "./call-failure.ts";
import { CliError } from "./cli-error.ts";
import type { CommandContext } from "./command-context.ts";
import { ExitCode } from "./exit-codes.ts";
import { SecretSyncsService } from "./service-registry.ts";

const syncs = SecretSyncsService.method;
type SyncRun = NonNullable<Awaited<ReturnType<ReturnType<CommandContext["session"]["client"]>["triggerSync"]>>["run"]>;

/** Run states by number, from the service's own enum. */
const stateEnum = syncs.triggerSync.output.field.run!.message!.field.state!.enum!;
const stateName = (state: number) => stateEnum.values.find((v) => v.number === state)?.localName ?? String(state);
const finalStates = new Set(["SUCCEEDED", "FAILED"]);

/** How long to sleep between looks at the run when the status stream says nothing. */
const pollMs = 1000;

const succeeded = stateEnum.values.find((v) => v.localName === "SUCCEEDED")!.number;

/**
 * The run as the orchestrator reports it now (runs are listed newest first). A deleting sync is
 * deleted once its removal run succeeded: with `deleting`, a sync that is gone means just that.
 */
async function currentRun(ctx: CommandContext, run: SyncRun, deleting: boolean): Promise<SyncRun> {
  try {
    return await findRun(ctx, run);
  } catch (error) {
    if (!(deleting && error instanceof CallFailure && error.error.kind === "not_found")) throw error;
    return { ...run, state: succeeded, message: "the owned keys were removed and the sync deleted" };
  }
}

async function findRun(ctx: CommandContext, run: SyncRun): Promise<SyncRun> {
  const client = ctx.session.client(SecretSyncsService);
  let pageToken = "";
  for (let page = 0; page < 5; page++) {
    const request = { secretSyncId: run.syncId, action: run.action, pageSize: 100, pageToken };
    const response = await client.listSyncRuns(request);
    const found = response.runs.find((r) => r.id === run.id);
    if (found) return found;
    pageToken = response.nextPageToken;
    if (!pageToken) break;
  }
  return run;
}

/** The progress line of a run in `state` after `elapsedMs`. */
function progressLine(run: SyncRun, elapsedMs: number): string {
  const state = stateName(run.state);
  const head = `run ${run.id.slice(0, 8)} ${state} after ${(elapsedMs / 1000).toFixed(1)}s`;
  if (state === "SUCCEEDED") {
    return `${head}: ${run.keysCreated} created, ${run.keysUpdated} updated, ${run.keysDeleted} deleted`;
  }
  return run.message ? `${head}: ${run.message}` : head;
}

/**
 * Waits until `run` ends, printing each state change with the elapsed time on stderr. The sync's
 * status stream wakes it at once on a change; it also looks every second. Returns the ended run;
 * throws (exit 7) when `timeoutMs` elapses first — the run goes on. `deleting`: the run removes the
 * keys of a sync being deleted.
 */
export async function waitForRun(
  ctx: CommandContext,
  run: SyncRun,
  timeoutMs: number,
  options: { deleting?: boolean } = {},
): Promise<SyncRun> {
  const started = Date.now();
  const stop = new AbortController();
  let wake: () => void = () => {};
  const watch = async () => {
    const stream = ctx.session
      .client(SecretSyncsService)
      .watchSecretSync({ secretSyncId: run.syncId }, { signal: stop.signal });
    for await (const _ of stream) wake();
  };
  watch().catch(() => undefined);
  let shown = "";
  try {
    for (;;) {
      const now = await currentRun(ctx, run, options.deleting ?? false);
      const state = stateName(now.state);
      if (state !== shown) ctx.out.progress(progressLine(now, Date.now() - started));
      shown = state;
      if (finalStates.has(state)) return now;
      const left = started + timeoutMs - Date.now();
      if (left <= 0) {
        throw new CliError(
          `run ${run.id} is still ${state} after ${Math.round(timeoutMs / 1000)}s; it goes on`,
          ExitCode.waitTimedOut,
          `follow it with \`syncline syncs runs ${run.syncId}\` or \`syncline syncs watch ${run.syncId}\``,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(pollMs, left));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    stop.abort();
  }
}

/** Fails the command (exit 6) when the awaited run ended FAILED; its message says why. */
export function assertSucceeded(run: SyncRun): void {
  if (stateName(run.state) === "FAILED") {
    throw new CliError(`run ${run.id} FAILED: ${run.message || "no message"}`, ExitCode.runFailed);
  }
}

export type { SyncRun };
