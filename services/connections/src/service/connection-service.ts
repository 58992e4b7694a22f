import { randomUUID } from "node:crypto";
import { fromJson, toJson } from "@bufbuild/protobuf";
import type { AppDescriptor } from "@syncline/connectors";
import { isUniqueViolation, traced, type Database } from "@syncline/db";
import {
  RedactedCredentialsSchema,
  type App,
  type AuthMethod,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { RpcError } from "@syncline/rpc";
import type { Logger } from "@syncline/telemetry";
import * as store from "../store/connection-store.ts";
import type { CredentialSealer } from "./credential-sealer.ts";
import { validateLive } from "./live-validation.ts";

/** A connection as any caller may see it: redacted credentials and their fingerprint, never the credentials. */
export interface ConnectionView {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly app: App;
  readonly method: AuthMethod;
  readonly redacted: RedactedCredentials;
  readonly fingerprint: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A new connection, already validated by the rpc layer (ids, name, shape of the credentials). */
export interface NewConnection {
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly app: App;
  readonly credentials: ConnectionCredentials;
  readonly skipValidation: boolean;
}

/** What the connections service needs, narrowed to what it uses. */
export interface ConnectionServiceDeps {
  readonly db: Database;
  readonly sealer: CredentialSealer;
  /** The registry lookup (`appDescriptor` from @syncline/connectors). */
  readonly describeApp: (app: App) => AppDescriptor;
  /** Mutations are logged by id, project and app: the audit trail, never credentials. */
  readonly logger: Pick<Logger, "info" | "warn">;
}

/**
 * The connections service's use cases. Credentials are sealed before they reach the store and
 * opened only by `resolve` (internal callers); every other answer is a `ConnectionView`.
 */
export function createConnectionService(deps: ConnectionServiceDeps) {
  const { db, sealer } = deps;

  const view = (row: store.ConnectionRow): ConnectionView => ({
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    description: row.description,
    app: row.app as App,
    method: row.method as AuthMethod,
    redacted: fromJson(RedactedCredentialsSchema, row.redacted, { ignoreUnknownFields: true }),
    fingerprint: row.fingerprint,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });

  async function existing(id: string): Promise<store.ConnectionRow> {
    const row = await traced("app_connections.get", () => store.findConnection(db, id));
    if (!row) throw RpcError.notFound(`app connection ${id}`);
    return row;
  }

  const duplicate = (input: { projectId: string; name: string }) => RpcError.alreadyExists(`app connection "${input.name}" in project ${input.projectId}`);

  return {
    /** Checks the credentials live (unless skipped), then stores them sealed. */
    async create(input: NewConnection, signal?: AbortSignal): Promise<ConnectionView> {
      // Refuse a taken name before calling the app; the unique index still decides races.
      if (await traced("app_connections.find_by_name", () => store.findConnectionByName(db, input.projectId, input.name))) throw duplicate(input);
      const descriptor = deps.describeApp(input.app);
      if (!input.skipValidation) await validateLive(descriptor, input.credentials, { signal, logger: deps.logger });
      const id = randomUUID();
      const { sealed, fingerprint } = sealer.seal(id, input.credentials);
      const redacted = toJson(RedactedCredentialsSchema, descriptor.redact(input.credentials));
      try {
        const row = await traced("app_connections.insert", () =>
          store.insertConnection(db, {
            id,
            projectId: input.projectId,
            name: input.name,
            description: input.description,
            app: input.app,
            method: descriptor.methodOf(input.credentials),
            sealedCredentials: sealed,
            redacted,
            fingerprint,
          }),
        );
        deps.logger.info({ connectionId: id, projectId: input.projectId, app: input.app, validated: !input.skipValidation }, "app connection created");
        return view(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate(input);
        throw error;
      }
    },

    async get(id: string): Promise<ConnectionView> {
      return view(await existing(id));
    },

    async list(projectId: string): Promise<ConnectionView[]> {
      const rows = await traced("app_connections.list", () => store.listProjectConnections(db, projectId));
      return rows.map(view);
    },

    async delete(id: string): Promise<void> {
      const deleted = await traced("app_connections.delete", () => store.deleteConnection(db, id));
      if (!deleted) throw RpcError.notFound(`app connection ${id}`);
      deps.logger.info({ connectionId: id, projectId: deleted.projectId, app: deleted.app }, "app connection deleted");
    },

    /** The connection and its decrypted credentials: for internal callers (connector workers) only. */
    async resolve(id: string): Promise<{ connection: ConnectionView; credentials: ConnectionCredentials }> {
      const row = await existing(id);
      return { connection: view(row), credentials: sealer.open(row.id, row.sealedCredentials) };
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
