import { randomUUID } from "node:crypto";
import { fromJson, toJson } from "@bufbuild/protobuf";
import type { AppDescriptor, EndpointGuard } from "@syncline/connectors";
import { isUniqueViolation, traced, type Database } from "@syncline/db";
import {
  RedactedCredentialsSchema,
  type App,
  type AuthMethod,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { alreadyExists, failedPrecondition, notFound } from "@syncline/errors";
import type { Logger } from "@syncline/telemetry";
import * as store from "../store/connection-store.ts";
import { listSharedProjects } from "../store/share-store.ts";
import { ConnectionChangeKind, recordConnectionChange } from "./connection-events.ts";
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
  /** The projects besides its owner that may use it (only the asking one when read through a share). */
  readonly sharedProjectIds: readonly string[];
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
  /** Refuses internal endpoints before live validation calls them; absent means `defaultEndpointGuard()`. */
  readonly endpointGuard?: EndpointGuard;
  /** Mutations are logged by id, project and app: the audit trail, never credentials. */
  readonly logger: Pick<Logger, "info" | "warn">;
  /** Called after a transaction that recorded an event committed (kicks the outbox relay). */
  readonly afterCommit?: () => void;
}

/** A validated partial update; `credentials` must be of the connection's app. */
export interface ConnectionPatch {
  readonly name?: string;
  readonly description?: string;
  readonly credentials?: ConnectionCredentials;
  /** The app of `credentials` (checked against the connection's). */
  readonly app?: App;
  readonly skipValidation: boolean;
}

/**
 * The connections service's use cases. Credentials are sealed before they reach the store and
 * opened only by `resolve` (internal callers); every other answer is a `ConnectionView`.
 */
export function createConnectionService(deps: ConnectionServiceDeps) {
  const { db, sealer } = deps;

  const view = (row: store.ConnectionRow, sharedProjectIds: readonly string[] = []): ConnectionView => ({
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
    sharedProjectIds,
  });
  const shares = (ids: readonly string[]) => traced("connection_shares.list", () => listSharedProjects(db, ids));

  async function existing(id: string): Promise<store.ConnectionRow> {
    const row = await traced("app_connections.get", () => store.findConnection(db, id));
    if (!row) throw notFound(`app connection ${id}`);
    return row;
  }

  const duplicate = (input: { projectId: string; name: string }) =>
    alreadyExists(`app connection "${input.name}" in project ${input.projectId}`);

  return {
    /** Checks the credentials live (unless skipped), then stores them sealed. */
    async create(input: NewConnection, signal?: AbortSignal): Promise<ConnectionView> {
      // Refuse a taken name before calling the app; the unique index still decides races.
      if (
        await traced("app_connections.find_by_name", () => store.findConnectionByName(db, input.projectId, input.name))
      )
        throw duplicate(input);
      const descriptor = deps.describeApp(input.app);
      if (!input.skipValidation)
        await validateLive(descriptor, input.credentials, { signal, logger: deps.logger, guard: deps.endpointGuard });
      const id = randomUUID();
      const { sealed, rootKeyId, wrappedDataKey, fingerprint } = sealer.seal(id, input.credentials);
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
            rootKeyId,
            wrappedDataKey,
            redacted,
            fingerprint,
          }),
        );
        deps.logger.info(
          { connectionId: id, projectId: input.projectId, app: input.app, validated: !input.skipValidation },
          "app connection created",
        );
        return view(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate(input);
        throw error;
      }
    },

    /**
     * The connection as `asProject` sees it (undefined: its owner): NOT_FOUND unless it is that
     * project's or shared with it; read through a share, `sharedProjectIds` names only `asProject`.
     */
    async get(id: string, asProject?: string): Promise<ConnectionView> {
      const row = await existing(id);
      const sharedWith = (await shares([id])).get(id) ?? [];
      if (asProject === undefined || asProject === row.projectId) return view(row, sharedWith);
      if (!sharedWith.includes(asProject)) throw notFound(`app connection ${id} in project ${asProject}`);
      return view(row, [asProject]);
    },

    /** The project's own and shared-with connections in (name, id) order after `page.after`, at most `page.limit`. */
    async list(projectId: string, page: Parameters<typeof store.listProjectConnections>[2]): Promise<ConnectionView[]> {
      const rows = await traced("app_connections.list", () => store.listProjectConnections(db, projectId, page));
      const sharedWith = await shares(rows.filter((row) => row.projectId === projectId).map((row) => row.id));
      return rows.map((row) => view(row, row.projectId === projectId ? (sharedWith.get(row.id) ?? []) : [projectId]));
    },

    /**
     * Renames, redescribes or re-keys a connection. New credentials must be for the same app, are
     * checked live unless skipped, and publish CREDENTIALS_UPDATED so the connection's syncs run.
     */
    async update(id: string, patch: ConnectionPatch, signal?: AbortSignal): Promise<ConnectionView> {
      const current = await existing(id);
      const descriptor = deps.describeApp(current.app as App);
      let sealedPatch = {};
      if (patch.credentials) {
        if (patch.app !== current.app) {
          throw failedPrecondition(
            `connection ${id} is a ${descriptor.name} connection; new credentials must be for the same app`,
            [{ field: "credentials", description: `must be ${descriptor.name} credentials` }],
          );
        }
        if (!patch.skipValidation)
          await validateLive(descriptor, patch.credentials, { signal, logger: deps.logger, guard: deps.endpointGuard });
        const { sealed, rootKeyId, wrappedDataKey, fingerprint } = sealer.seal(id, patch.credentials);
        sealedPatch = {
          sealedCredentials: sealed,
          rootKeyId,
          wrappedDataKey,
          fingerprint,
          method: descriptor.methodOf(patch.credentials),
          redacted: toJson(RedactedCredentialsSchema, descriptor.redact(patch.credentials)),
        };
      }
      const name = patch.name ?? current.name;
      if (name !== current.name && (await store.findConnectionByName(db, current.projectId, name)))
        throw duplicate({ projectId: current.projectId, name });
      try {
        const row = await traced("app_connections.update", () =>
          db.transaction(async (tx) => {
            const updated = await store.updateConnection(tx, id, {
              name,
              description: patch.description ?? current.description,
              ...sealedPatch,
            });
            if (!updated) throw notFound(`app connection ${id}`);
            if (patch.credentials && updated.fingerprint !== current.fingerprint) {
              await recordConnectionChange(tx, {
                projectId: updated.projectId,
                connectionId: id,
                kind: ConnectionChangeKind.CREDENTIALS_UPDATED,
                fingerprint: updated.fingerprint,
              });
            }
            return updated;
          }),
        );
        deps.afterCommit?.();
        deps.logger.info(
          { connectionId: id, projectId: row.projectId, credentialsChanged: row.fingerprint !== current.fingerprint },
          "app connection updated",
        );
        return view(row, (await shares([id])).get(id) ?? []);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate({ projectId: current.projectId, name });
        throw error;
      }
    },

    async delete(id: string): Promise<void> {
      const deleted = await traced("app_connections.delete", () =>
        db.transaction(async (tx) => {
          const row = await store.deleteConnection(tx, id);
          if (row)
            await recordConnectionChange(tx, {
              projectId: row.projectId,
              connectionId: id,
              kind: ConnectionChangeKind.DELETED,
              fingerprint: "",
            });
          return row;
        }),
      );
      if (!deleted) throw notFound(`app connection ${id}`);
      deps.afterCommit?.();
      deps.logger.info({ connectionId: id, projectId: deleted.projectId, app: deleted.app }, "app connection deleted");
    },

    /** The connection and its decrypted credentials: for internal callers (connector workers) only. */
    async resolve(id: string): Promise<{ connection: ConnectionView; credentials: ConnectionCredentials }> {
      const row = await existing(id);
      return {
        connection: view(row, (await shares([id])).get(id) ?? []),
        credentials: sealer.open(row.id, {
          sealed: row.sealedCredentials,
          rootKeyId: row.rootKeyId,
          wrappedDataKey: row.wrappedDataKey,
        }),
      };
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
