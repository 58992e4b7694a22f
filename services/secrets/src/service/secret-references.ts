import { traced, type Database } from "@syncline/db";
import { notFound } from "@syncline/errors";
import { createExpander } from "../domain/reference-expansion.ts";
import { addressKey, parseValue, referencesOf, type ReferenceAddress } from "../domain/secret-reference.ts";
import type { StoredSecret } from "../store/composition-store.ts";
import * as store from "../store/source-store.ts";
import type { SecretSealer } from "./secret-sealer.ts";
import { createReferencedValues } from "./secret-references-loader.ts";

/** The outcome of validating a value: each reference it makes and the problems a person can fix. */
export interface ValueValidation {
  readonly references: ReadonlyArray<ReferenceAddress & { found: boolean }>;
  /** Malformed or missing references, cycles, chains too deep, expansion too large; empty when valid. */
  readonly problems: readonly string[];
}

/**
 * References in secret values (README "References"): checks a value as if it were saved at an
 * address, without writing anything — the same expansion snapshots do, with the candidate in place
 * of what is stored there, so cycles through it and self-references are found.
 */
export function createSecretReferences(deps: { db: Database; sealer: Pick<SecretSealer, "forProject"> }) {
  return {
    /** NOT_FOUND when the project or environment does not exist; the folder may not exist yet. */
    async validateValue(
      at: { projectId: string; environment: string; path: string; key: string },
      value: string,
    ): Promise<ValueValidation> {
      return traced("references.validate", () =>
        deps.db.transaction(
          async (tx) => {
            if (!(await store.findProject(tx, at.projectId))) throw notFound(`project ${at.projectId}`);
            if (!(await store.findEnvironment(tx, at.projectId, at.environment)))
              throw notFound(`environment "${at.environment}" in project ${at.projectId}`);
            const values = await deps.sealer.forProject(tx, at.projectId);
            const open = (s: StoredSecret) =>
              values.open({ secretId: s.secretId, version: s.version, sealedValue: s.sealedValue });
            const address: ReferenceAddress = { environment: at.environment, path: at.path, key: at.key };
            const referenced = createReferencedValues(tx, at.projectId, open);
            referenced.override(address, value);
            await referenced.loadFrom([{ address, value }]);
            const expansion = createExpander(referenced.lookup).expandCandidate(address, value);
            const targets = new Map(
              referencesOf(parseValue(value, address)).map(({ address: target }) => [addressKey(target), target]),
            );
            const references = [...targets.values()].map((target) => ({
              ...target,
              found: referenced.lookup(target) != null,
            }));
            return { references, problems: expansion.problems };
          },
          { isolationLevel: "repeatable read", accessMode: "read only" },
        ),
      );
    },
  };
}

export type SecretReferences = ReturnType<typeof createSecretReferences>;
