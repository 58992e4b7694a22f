import { isUniqueViolation, traced, type Database } from "@syncline/db";
import { alreadyExists, conflict, notFound } from "@syncline/errors";
import { issueIdentityToken, type ProjectRole } from "@syncline/rpc";
import * as store from "../store/identity-store.ts";
import { findProject } from "../store/source-store.ts";
import { recordAudit, type Actor } from "./audit-log.ts";

/** Audit targets of identity resources. */
const target = {
  identity: (id: string) => `identity:${id}`,
  token: (id: string) => `identity_token:${id}`,
};

/** What UpdateIdentity may change. */
export interface IdentityChanges {
  readonly name?: string | undefined;
  readonly organizationAdmin?: boolean | undefined;
}

/**
 * Identities, their tokens and project memberships. Every mutation is one transaction with its
 * audit row (actor: who called, never a token). A token's value leaves this module once, in
 * createToken's result; only its secret's digest is stored.
 */
export function createIdentityService(deps: { readonly db: Database }) {
  const { db } = deps;
  const write = <T>(name: string, fn: (tx: Database) => Promise<T>) =>
    traced(name, () => db.transaction((tx) => fn(tx)));
  const uniqueName = <T>(name: string, run: () => Promise<T>) =>
    run().catch((error: unknown) => {
      if (isUniqueViolation(error)) throw alreadyExists(`identity "${name}"`);
      throw error;
    });
  const existing = async (tx: Database, identityId: string) => {
    const row = await store.findIdentity(tx, identityId);
    if (!row) throw notFound(`identity ${identityId}`);
    return row;
  };

  return {
    async createIdentity(actor: Actor, name: string, organizationAdmin: boolean) {
      return uniqueName(name, () =>
        write("identities.insert", async (tx) => {
          const row = await store.insertIdentity(tx, name, organizationAdmin);
          await recordAudit(tx, {
            projectId: undefined,
            actor,
            action: "identity.create",
            target: target.identity(row.id),
            details: { name, organizationAdmin: String(organizationAdmin) },
          });
          return row;
        }),
      );
    },

    async getIdentity(identityId: string) {
      return traced("identities.get", () => existing(db, identityId));
    },

    async listIdentities(afterName: string, limit: number) {
      return traced("identities.list", () => store.listIdentitiesAfter(db, afterName, limit));
    },

    async updateIdentity(actor: Actor, identityId: string, changes: IdentityChanges, expectedVersion?: bigint) {
      return uniqueName(changes.name ?? "", () =>
        write("identities.update", async (tx) => {
          const before = await store.lockIdentity(tx, identityId);
          if (!before) throw notFound(`identity ${identityId}`);
          if (expectedVersion !== undefined && before.version !== expectedVersion) {
            throw conflict(
              `identity ${identityId} is at version ${before.version}, not ${expectedVersion}; read it again`,
            );
          }
          const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
          const row = await store.updateIdentity(tx, identityId, set);
          await recordAudit(tx, {
            projectId: undefined,
            actor,
            action: "identity.update",
            target: target.identity(identityId),
            details: Object.fromEntries(Object.entries(set).map(([field, value]) => [field, String(value)])),
          });
          return row;
        }),
      );
    },

    async deleteIdentity(actor: Actor, identityId: string) {
      await write("identities.delete", async (tx) => {
        const row = await existing(tx, identityId);
        const revoked = await store.deleteIdentity(tx, identityId, new Date());
        await recordAudit(tx, {
          projectId: undefined,
          actor,
          action: "identity.delete",
          target: target.identity(identityId),
          details: { name: row.name, tokensRevoked: String(revoked) },
        });
      });
    },

    /** Issues a token valid for `ttlMs`; the result's `value` is the only copy of the token. */
    async createToken(actor: Actor, identityId: string, name: string, ttlMs: number) {
      const issued = issueIdentityToken();
      const createdAt = new Date();
      const row = await write("identity_tokens.insert", async (tx) => {
        await existing(tx, identityId);
        const inserted = await store.insertToken(tx, {
          id: issued.tokenId,
          identityId,
          name,
          secretDigest: issued.secretDigest,
          createdAt,
          expiresAt: new Date(createdAt.getTime() + ttlMs),
        });
        await recordAudit(tx, {
          projectId: undefined,
          actor,
          action: "identity_token.create",
          target: target.token(issued.tokenId),
          details: { identity: identityId, name, expires: inserted.expiresAt.toISOString() },
        });
        return inserted;
      });
      return { row, value: issued.value };
    },

    async listTokens(identityId: string, after: { createdAt: Date; id: string } | undefined, limit: number) {
      return traced("identity_tokens.list", async () => {
        await existing(db, identityId);
        return store.listTokensAfter(db, identityId, after, limit);
      });
    },

    async revokeToken(actor: Actor, identityId: string, tokenId: string) {
      return write("identity_tokens.revoke", async (tx) => {
        const row = await store.revokeToken(tx, identityId, tokenId, new Date());
        if (!row) throw notFound(`token ${tokenId} of identity ${identityId}`);
        await recordAudit(tx, {
          projectId: undefined,
          actor,
          action: "identity_token.revoke",
          target: target.token(tokenId),
          details: { identity: identityId },
        });
        return row;
      });
    },

    async memberships(identityId: string) {
      return traced("project_members.of_identity", () => store.listMemberships(db, identityId));
    },

    async setMember(actor: Actor, projectId: string, identityId: string, role: ProjectRole) {
      return write("project_members.set", async (tx) => {
        if (!(await findProject(tx, projectId))) throw notFound(`project ${projectId}`);
        await existing(tx, identityId);
        const row = await store.upsertMember(tx, { projectId, identityId, role });
        await recordAudit(tx, {
          projectId,
          actor,
          action: "project_member.set",
          target: target.identity(identityId),
          details: { role },
        });
        return row;
      });
    },

    async removeMember(actor: Actor, projectId: string, identityId: string) {
      await write("project_members.remove", async (tx) => {
        if (!(await store.deleteMember(tx, projectId, identityId))) {
          throw notFound(`member ${identityId} of project ${projectId}`);
        }
        await recordAudit(tx, {
          projectId,
          actor,
          action: "project_member.remove",
          target: target.identity(identityId),
        });
      });
    },

    async listMembers(projectId: string, afterIdentityId: string | undefined, limit: number) {
      return traced("project_members.list", async () => {
        if (!(await findProject(db, projectId))) throw notFound(`project ${projectId}`);
        return store.listMembersAfter(db, projectId, afterIdentityId, limit);
      });
    },
  };
}

/** The identity use cases (see createIdentityService). */
export type IdentityService = ReturnType<typeof createIdentityService>;

export type { IdentityRow, IdentityTokenRow, ProjectMemberRow } from "../store/identity-store.ts";
