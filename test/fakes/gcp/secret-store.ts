import { status } from "@grpc/grpc-js";
import { FakeGrpcStatus, notFound } from "./grpc-status.ts";

/** Secret Manager's limits, as documented. */
export const SECRET_ID_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;
export const MAX_PAYLOAD_BYTES = 65_536;
export const MAX_LABELS = 64;
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

/** One version of a fake secret. */
export interface FakeSecretVersion {
  readonly number: number;
  state: "ENABLED" | "DISABLED" | "DESTROYED";
  /** Undefined once destroyed. */
  payload: Buffer | undefined;
  readonly createTime: Date;
}

/** One fake secret: labels, replication and its versions, oldest first. */
export interface FakeSecret {
  readonly project: string;
  readonly id: string;
  labels: Record<string, string>;
  readonly replication: { automatic?: object; userManaged?: { replicas: { location: string }[] } };
  readonly versions: FakeSecretVersion[];
  readonly createTime: Date;
  etag: number;
}

/** The in-memory state of a fake Secret Manager: secrets by project and id. */
export function createSecretStore() {
  const secrets = new Map<string, FakeSecret>();
  const key = (project: string, id: string) => `${project}/${id}`;

  /** `projects/p/secrets/s[/versions/v]` → its parts, or INVALID_ARGUMENT. */
  function parseName(name: string, withVersion: boolean) {
    const match = withVersion
      ? /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/.exec(name)
      : /^projects\/([^/]+)\/secrets\/([^/]+)$/.exec(name);
    if (!match) throw new FakeGrpcStatus(status.INVALID_ARGUMENT, `Invalid resource field value in the request.`);
    return { project: match[1]!, id: match[2]!, version: match[3] };
  }

  function secretOf(name: string): FakeSecret {
    const { project, id } = parseName(name, false);
    const secret = secrets.get(key(project, id));
    if (!secret) throw notFound(name);
    return secret;
  }

  function versionOf(name: string): { secret: FakeSecret; version: FakeSecretVersion } {
    const { project, id, version } = parseName(name, true);
    const secret = secrets.get(key(project, id));
    if (!secret) throw notFound(name);
    const found =
      version === "latest" ? secret.versions.at(-1) : secret.versions.find((v) => String(v.number) === version);
    if (!found) throw notFound(name);
    return { secret, version: found };
  }

  function checkLabels(labels: Record<string, string>) {
    if (Object.keys(labels).length > MAX_LABELS)
      throw new FakeGrpcStatus(status.INVALID_ARGUMENT, `Secret can have at most ${MAX_LABELS} labels.`);
    for (const [k, v] of Object.entries(labels)) {
      if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(v))
        throw new FakeGrpcStatus(status.INVALID_ARGUMENT, `Invalid label: ${k.slice(0, 63)}`);
    }
  }

  return {
    secrets,
    list(project: string): FakeSecret[] {
      return [...secrets.values()].filter((s) => s.project === project).sort((a, b) => a.id.localeCompare(b.id));
    },
    create(project: string, id: string, labels: Record<string, string>, replication: FakeSecret["replication"]) {
      if (!SECRET_ID_PATTERN.test(id))
        throw new FakeGrpcStatus(
          status.INVALID_ARGUMENT,
          "Secret ID must consist of letters, numbers, underscores and hyphens, and be at most 255 characters.",
        );
      if (!replication.automatic && !replication.userManaged?.replicas?.length)
        throw new FakeGrpcStatus(status.INVALID_ARGUMENT, "Secret.replication must be set.");
      checkLabels(labels);
      if (secrets.has(key(project, id)))
        throw new FakeGrpcStatus(status.ALREADY_EXISTS, `Secret [projects/${project}/secrets/${id}] already exists.`);
      const secret: FakeSecret = { project, id, labels, replication, versions: [], createTime: new Date(), etag: 1 };
      secrets.set(key(project, id), secret);
      return secret;
    },
    add(name: string, payload: Buffer, crc32c?: string) {
      const secret = secretOf(name);
      if (payload.length === 0) throw new FakeGrpcStatus(status.INVALID_ARGUMENT, "Field [payload] is required.");
      if (payload.length > MAX_PAYLOAD_BYTES)
        throw new FakeGrpcStatus(status.INVALID_ARGUMENT, `Secret Payload cannot be larger than 64KiB.`);
      if (crc32c !== undefined && crc32c !== "" && crc32c !== String(fakeCrc32c(payload)))
        throw new FakeGrpcStatus(status.INVALID_ARGUMENT, "Checksum of the secret payload does not match.");
      const version: FakeSecretVersion = {
        number: (secret.versions.at(-1)?.number ?? 0) + 1,
        state: "ENABLED",
        payload,
        createTime: new Date(),
      };
      secret.versions.push(version);
      return { secret, version };
    },
    access(name: string) {
      const { secret, version } = versionOf(name);
      if (version.state !== "ENABLED")
        throw new FakeGrpcStatus(
          status.FAILED_PRECONDITION,
          `Secret Version [projects/${secret.project}/secrets/${secret.id}/versions/${version.number}] is in ${version.state} state.`,
        );
      return { secret, version };
    },
    setState(name: string, state: "DISABLED" | "DESTROYED") {
      const { secret, version } = versionOf(name);
      if (version.state === "DESTROYED")
        throw new FakeGrpcStatus(status.FAILED_PRECONDITION, `Secret Version is in DESTROYED state.`);
      version.state = state;
      if (state === "DESTROYED") version.payload = undefined;
      return { secret, version };
    },
    get: secretOf,
    updateLabels(name: string, labels: Record<string, string>) {
      const secret = secretOf(name);
      checkLabels(labels);
      secret.labels = labels;
      secret.etag++;
      return secret;
    },
    delete(name: string) {
      const secret = secretOf(name);
      secrets.delete(key(secret.project, secret.id));
    },
  };
}

/** CRC32C (Castagnoli), as Secret Manager checks `data_crc32c`. */
export function fakeCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export type SecretStore = ReturnType<typeof createSecretStore>;
