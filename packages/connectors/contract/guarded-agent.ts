import { Agent as HttpAgent, type AgentOptions, type ClientRequestArgs } from "node:http";
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from "node:https";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import type { EndpointGuard } from "./endpoint-guard.ts";
import { guardedLookup, refusedLiteral } from "./guarded-lookup.ts";
import { unbracket } from "./special-addresses.ts";

/** The node `http`/`https` agents of SDKs built on node's HTTP stack (AWS SDK v3, Azure core-rest-pipeline). */
export interface GuardedAgents {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
}

/** The agent's socket callback; with an error, node ignores the socket argument. */
type OnSocket = (error: Error | null, socket: Duplex) => void;

/**
 * Opens a socket with `open` unless `host` is an IP literal the guard refuses (node never calls
 * `lookup` for literals): then `onSocket` gets the refusal. Names go through the guarded lookup.
 */
function guardedConnection(
  guard: EndpointGuard,
  options: ClientRequestArgs,
  onSocket: OnSocket | undefined,
  open: () => Duplex | null | undefined,
): Duplex | null | undefined {
  const host = options.host ?? options.hostname ?? "";
  if (isIP(unbracket(host)) === 0 || !onSocket) return open();
  const fail = onSocket as (error: Error) => void;
  refusedLiteral(guard, host).then((refusal) => {
    if (refusal) return fail(refusal);
    const socket = open();
    if (socket) onSocket(null, socket);
  }, fail);
  return undefined;
}

class GuardedHttpAgent extends HttpAgent {
  readonly #guard: EndpointGuard;
  constructor(guard: EndpointGuard, options: AgentOptions) {
    super({ ...options, lookup: guardedLookup(guard) });
    this.#guard = guard;
  }
  override createConnection(options: ClientRequestArgs, onSocket?: OnSocket): Duplex | null | undefined {
    return guardedConnection(this.#guard, options, onSocket, () => super.createConnection(options));
  }
}

class GuardedHttpsAgent extends HttpsAgent {
  readonly #guard: EndpointGuard;
  constructor(guard: EndpointGuard, options: HttpsAgentOptions) {
    super({ ...options, lookup: guardedLookup(guard) });
    this.#guard = guard;
  }
  override createConnection(options: ClientRequestArgs, onSocket?: OnSocket): Duplex | null | undefined {
    return guardedConnection(this.#guard, options, onSocket, () => super.createConnection(options));
  }
}

/**
 * Keep-alive agents whose every connection resolves through `guard.resolve` (the same connect-time
 * check as the guarded undici dispatcher): a host that now resolves to a refused address, or a
 * refused IP literal, fails the request with `EndpointRefusedError` before a byte is sent.
 * Response bodies are not capped here (node's agent does not see them): each SDK caps its own
 * (`cappedBodyStream` in the AWS middleware stack, the Azure HTTP client wrapper).
 */
export function createGuardedAgents(guard: EndpointGuard, options: AgentOptions = {}): GuardedAgents {
  return { httpAgent: new GuardedHttpAgent(guard, options), httpsAgent: new GuardedHttpsAgent(guard, options) };
}

const shared = new WeakMap<EndpointGuard, GuardedAgents>();

/**
 * The process-wide keep-alive agents of `guard` (50 sockets per origin): the worker builds SDK
 * clients per run, and per-client pools would leave idle sockets behind each run.
 */
export function guardedAgents(guard: EndpointGuard): GuardedAgents {
  let agents = shared.get(guard);
  if (!agents) {
    agents = createGuardedAgents(guard, { keepAlive: true, maxSockets: 50 });
    shared.set(guard, agents);
  }
  return agents;
}
