import { randomUUID } from "node:crypto";
import type { Database } from "@syncline/db";
import type { ProjectRole } from "@syncline/rpc";
import { and, asc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { identities, identityTokens, projectMembers } from "./identity-schema.ts";

/** Queries of identities, their tokens and project memberships, on the executor given (db or transaction). */

export type IdentityRow = typeof identities.$inferSelect;
export type IdentityTokenRow = typeof identityTokens.$inferSelect;
export type ProjectMemberRow = typeof projectMembers.$inferSelect;

/** Inserts an identity; a taken name raises the unique violation `identities_name_key`. */
export async function insertIdentity(tx: Database, name: string, organizationAdmin: boolean): Promise<IdentityRow> {
  const [row] = await tx.insert(identities).values({ id: randomUUID(), name, organizationAdmin }).returning();
  return row!;
}

/** The identity, or undefined. */
export async function findIdentity(tx: Database, identityId: string): Promise<IdentityRow | undefined> {
  return (await tx.select().from(identities).where(eq(identities.id, identityId)))[0];
}

/** The identity locked until the transaction ends, or undefined. */
export async function lockIdentity(tx: Database, identityId: string): Promise<IdentityRow | undefined> {
  return (await tx.select().from(identities).where(eq(identities.id, identityId)).for("update"))[0];
}

/** Identities in name order after `afterName` (paging). */
export async function listIdentitiesAfter(tx: Database, afterName: string, limit: number): Promise<IdentityRow[]> {
  return tx.select().from(identities).where(gt(identities.name, afterName)).orderBy(asc(identities.name)).limit(limit);
}

/** Applies `changes` and bumps the version (a taken name raises `identities_name_key`). */
export async function updateIdentity(
  tx: Database,
  identityId: string,
  changes: { name?: string; organizationAdmin?: boolean },
): Promise<IdentityRow> {
  const [row] = await tx
    .update(identities)
    .set({ ...changes, version: sql`${identities.version} + 1`, updatedAt: new Date() })
    .where(eq(identities.id, identityId))
    .returning();
  return row!;
}

/** Revokes every token of the identity and deletes it (its memberships cascade); returns the tokens revoked. */
export async function deleteIdentity(tx: Database, identityId: string, at: Date): Promise<number> {
  const revoked = await tx
    .update(identityTokens)
    .set({ revokedAt: at })
    .where(and(eq(identityTokens.identityId, identityId), isNull(identityTokens.revokedAt)))
    .returning({ id: identityTokens.id });
  await tx.delete(identities).where(eq(identities.id, identityId));
  return revoked.length;
}

/** Stores a token's metadata and secret digest (never its value). */
export async function insertToken(
  tx: Database,
  token: { id: string; identityId: string; name: string; secretDigest: Buffer; createdAt: Date; expiresAt: Date },
): Promise<IdentityTokenRow> {
  const [row] = await tx.insert(identityTokens).values(token).returning();
  return row!;
}

/** The token with its identity (undefined when either is gone). */
export async function findTokenWithIdentity(
  tx: Database,
  tokenId: string,
): Promise<{ token: IdentityTokenRow; identity: IdentityRow } | undefined> {
  const rows = await tx
    .select({ token: identityTokens, identity: identities })
    .from(identityTokens)
    .innerJoin(identities, eq(identities.id, identityTokens.identityId))
    .where(eq(identityTokens.id, tokenId));
  return rows[0];
}

/** The identity's tokens in creation order after the position `(createdAt, id)` (paging). */
export async function listTokensAfter(
  tx: Database,
  identityId: string,
  after: { createdAt: Date; id: string } | undefined,
  limit: number,
): Promise<IdentityTokenRow[]> {
  const position = after
    ? or(
        gt(identityTokens.createdAt, after.createdAt),
        and(eq(identityTokens.createdAt, after.createdAt), gt(identityTokens.id, after.id)),
      )
    : undefined;
  return tx
    .select()
    .from(identityTokens)
    .where(and(eq(identityTokens.identityId, identityId), position))
    .orderBy(asc(identityTokens.createdAt), asc(identityTokens.id))
    .limit(limit);
}

/** Revokes the identity's token (a revoked one keeps its first revocation time); undefined if not its token. */
export async function revokeToken(
  tx: Database,
  identityId: string,
  tokenId: string,
  at: Date,
): Promise<IdentityTokenRow | undefined> {
  const rows = await tx
    .update(identityTokens)
    .set({ revokedAt: sql`coalesce(${identityTokens.revokedAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(identityTokens.id, tokenId), eq(identityTokens.identityId, identityId)))
    .returning();
  return rows[0];
}

/** Records that the token was presented at `at`, unless it was recorded less than `granularityMs` before. */
export async function touchToken(tx: Database, tokenId: string, at: Date, granularityMs: number): Promise<void> {
  const staleBefore = new Date(at.getTime() - granularityMs);
  await tx
    .update(identityTokens)
    .set({ lastUsedAt: at })
    .where(
      and(
        eq(identityTokens.id, tokenId),
        or(isNull(identityTokens.lastUsedAt), lt(identityTokens.lastUsedAt, staleBefore)),
      ),
    );
}

/** The identity's role in each project it is a member of. */
export async function listMemberships(tx: Database, identityId: string): Promise<ProjectMemberRow[]> {
  return tx.select().from(projectMembers).where(eq(projectMembers.identityId, identityId));
}

/** Sets the identity's role in the project (replacing the previous one). */
export async function upsertMember(
  tx: Database,
  member: { projectId: string; identityId: string; role: ProjectRole },
): Promise<ProjectMemberRow> {
  const [row] = await tx
    .insert(projectMembers)
    .values(member)
    .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.identityId], set: { role: member.role } })
    .returning();
  return row!;
}

/** Removes the membership; false when there was none. */
export async function deleteMember(tx: Database, projectId: string, identityId: string): Promise<boolean> {
  const rows = await tx
    .delete(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.identityId, identityId)))
    .returning({ identityId: projectMembers.identityId });
  return rows.length > 0;
}

/** The project's members in identity id order after `afterIdentityId` (paging). */
export async function listMembersAfter(
  tx: Database,
  projectId: string,
  afterIdentityId: string | undefined,
  limit: number,
): Promise<ProjectMemberRow[]> {
  return tx
    .select()
    .from(projectMembers)
    .where(
      and(
        eq(projectMembers.projectId, projectId),
        afterIdentityId ? gt(projectMembers.identityId, afterIdentityId) : undefined,
      ),
    )
    .orderBy(asc(projectMembers.identityId))
    .limit(limit);
}
