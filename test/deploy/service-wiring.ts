/**
 * Whether the environments of the four services (and the brokers') fit together: each server
 * accepts the service token of every service configured to call it, every service that verifies
 * run grants holds the public key of the orchestrator's signing key, and each service's NATS
 * password is the one the brokers hold for its user.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { busUsers } from "@syncline/bus";
import { readConfig } from "@syncline/config";
import { parsePeerServiceDigests, serviceTokenDigest } from "@syncline/rpc";
import { addressTargets, serviceConfigs, variableOf } from "./service-configs.ts";

const spki = (key: KeyObject) => key.export({ format: "der", type: "spki" }).toString("hex");

/** Problems with how `envs` (service name → environment) and the brokers' environment fit; empty = wired. */
export function wiringProblems(
  envs: Record<string, Record<string, string>>,
  brokerEnv: Record<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [caller, env] of Object.entries(envs)) {
    for (const [field, target] of Object.entries(addressTargets)) {
      if (!variableOf(caller, field)) continue;
      const peers = parsePeerServiceDigests(envs[target]?.SYNCLINE_PEER_SERVICE_DIGESTS);
      const digests = peers.get(caller as never)?.map((d) => d.toString("hex")) ?? [];
      if (!env.SYNCLINE_SERVICE_TOKEN || !digests.includes(serviceTokenDigest(env.SYNCLINE_SERVICE_TOKEN))) {
        problems.push(`${target} does not accept the service token of ${caller}`);
      }
    }
  }
  const signers = Object.entries(envs).filter(([, env]) => env.SYNCLINE_RUN_GRANT_SIGNING_KEY !== undefined);
  if (signers.length !== 1) problems.push(`${signers.length} services sign run grants; one must`);
  const signed = signers.map(([service, env]) => {
    const { runGrantSigningKey } = readConfig(serviceConfigs[service] ?? {}, env) as { runGrantSigningKey: KeyObject };
    return spki(createPublicKey(runGrantSigningKey));
  });
  for (const [service, shape] of Object.entries(serviceConfigs)) {
    if (!("runGrantPublicKeys" in shape)) continue;
    const { runGrantPublicKeys } = readConfig(shape, envs[service]) as { runGrantPublicKeys: KeyObject[] };
    if (!signed.every((key) => runGrantPublicKeys.map(spki).includes(key))) {
      problems.push(`${service} cannot verify the orchestrator's run grants`);
    }
  }
  for (const [service, env] of Object.entries(envs)) {
    const user = env.SYNCLINE_NATS_USER ?? "";
    if (!(busUsers as readonly string[]).includes(user))
      problems.push(`${service}: NATS user "${user}" is not a bus user`);
    else if (env.SYNCLINE_NATS_PASSWORD !== brokerEnv[`SYNCLINE_NATS_PASSWORD_${user.toUpperCase()}`]) {
      problems.push(`${service}: its NATS password is not the brokers' password of user ${user}`);
    }
  }
  return problems;
}
