import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { subjects } from "@syncline/bus";
import type { Database } from "@syncline/db";
import {
  KeyChangeKind,
  SourceChangeEventSchema,
  SourceChangeKind,
} from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { findFolderPlaces, findSubtree, type FolderPlace } from "../store/composition-store.ts";
import { enqueueChangeEvent, enqueueChangeEvents, type EncodedChangeEvent } from "../store/outbox-store.ts";
import { findEnvironment } from "../store/source-store.ts";
import { fanOut, type FanOutSeed, type FannedOutChange } from "./change-fan-out.ts";
import { indexReferences } from "./secret-references-index.ts";

/*
 * WRITE SIDE (H3-A): every write calls `recordChange` (one folder) or `recordChanges` (several
 * folders, e.g. a bulk write: one call for the whole write, so every affected folder gets exactly
 * one event) inside its transaction, after the project row is locked and BEFORE rows are deleted
 * (so the importers and referencers of a deleted folder can still be found).
 *   - pass `value` on CREATED / UPDATED key changes whenever the write set a value (create,
 *     update with a value, rollback, bulk): it keeps the reference index right. Omit it when only
 *     comment or metadata changed. The value is parsed for references, never stored or published.
 *   - `kind` defaults to SECRETS_CHANGED; FOLDER_DELETED / ENVIRONMENT_DELETED fan out to the
 *     importers and referencers of the whole subtree; PROJECT_DELETED fans out to nothing.
 */

/** One changed key of a folder; `value` is the plaintext the write set (see above), never published. */
export interface KeyChangeInput {
  readonly key: string;
  readonly kind: KeyChangeKind;
  readonly value?: string;
}

/** One folder's change within a write. */
export interface FolderChangeInput {
  readonly environment: string;
  readonly path: string;
  readonly changes: readonly KeyChangeInput[];
  readonly kind?: SourceChangeKind;
}

/**
 * Records the change events of a write of one folder (see `recordChanges`).
 */
export async function recordChange(
  tx: Database,
  change: FolderChangeInput & { projectId: string; revision: bigint },
): Promise<void> {
  await recordChanges(tx, { projectId: change.projectId, revision: change.revision, folders: [change] });
}

/**
 * Writes, in the write's transaction, one change event per written folder and one SECRETS_CHANGED
 * event (with `origin`) per other folder the write changes through imports or references, and
 * updates the reference index. Events carry the trace context, key names and never a value. The
 * outbox keeps their order: written folders first, in the order given, then the fanned-out ones.
 */
export async function recordChanges(
  tx: Database,
  write: { projectId: string; revision: bigint; folders: readonly FolderChangeInput[] },
): Promise<void> {
  const { projectId, revision } = write;
  const found = await findFolderPlaces(tx, projectId, write.folders);
  const placeOf = (f: { environment: string; path: string }) =>
    found.find((p) => p.environment === f.environment && p.path === f.path);

  await indexReferences(
    tx,
    projectId,
    write.folders.flatMap((f) => {
      const place = placeOf(f);
      return place ? f.changes.map((c) => ({ place, key: c.key, kind: c.kind, value: c.value })) : [];
    }),
  );

  // Every event of the write goes to the outbox in one statement: written folders first, in order.
  const events: EncodedChangeEvent[] = [];
  const seeds: FanOutSeed[] = [];
  for (const folder of write.folders) {
    events.push(changeEvent(tx, projectId, revision, folder));
    seeds.push(...(await seedsOf(tx, projectId, folder, placeOf(folder))));
  }
  events.push(...fanOutEvents(tx, projectId, revision, await fanOut(tx, projectId, seeds)));
  await enqueueChangeEvents(tx, events);
}

/**
 * Records that a folder's imports changed (an import was created or deleted): a SECRETS_CHANGED
 * event for the folder, and one for each folder importing it, directly or through a chain.
 */
export async function recordImportsChange(
  tx: Database,
  write: { projectId: string; revision: bigint; place: FolderPlace },
): Promise<void> {
  await enqueueChangeEvent(
    tx,
    changeEvent(tx, write.projectId, write.revision, {
      environment: write.place.environment,
      path: write.place.path,
      changes: [],
    }),
  );
  const seeds: FanOutSeed[] = [{ place: write.place, keys: "all", scope: "imports" }];
  await enqueueChangeEvents(
    tx,
    fanOutEvents(tx, write.projectId, write.revision, await fanOut(tx, write.projectId, seeds)),
  );
}

/** Largest total of key names listed in one fanned-out event; past it the event lists none (any key). */
const FAN_OUT_KEY_BYTES = 64 * 1024;

/** Folders that already have an event in a transaction: a second recordChange(s) call of the same write does not fan out to them again. */
const eventedIn = new WeakMap<object, Set<string>>();
const evented = (tx: Database) => eventedIn.get(tx) ?? eventedIn.set(tx, new Set()).get(tx)!;
const placeId = (place: { environment: string; path: string }) => `${place.environment}\u0000${place.path}`;

/** The events of the fanned-out changes, but none for a folder that already has one in this transaction. */
function fanOutEvents(
  tx: Database,
  projectId: string,
  revision: bigint,
  changes: readonly FannedOutChange[],
): EncodedChangeEvent[] {
  const seen = evented(tx);
  const events: EncodedChangeEvent[] = [];
  for (const change of changes) {
    if (seen.has(placeId(change.place))) continue;
    const bytes = change.changes.reduce((n, c) => n + Buffer.byteLength(c.key) + 8, 0);
    const listed = bytes > FAN_OUT_KEY_BYTES ? [] : change.changes;
    events.push(
      changeEvent(
        tx,
        projectId,
        revision,
        {
          environment: change.place.environment,
          path: change.place.path,
          changes: listed,
          kind: SourceChangeKind.SECRETS_CHANGED,
        },
        change.origin,
      ),
    );
  }
  return events;
}

async function seedsOf(
  tx: Database,
  projectId: string,
  folder: FolderChangeInput,
  place: FolderPlace | undefined,
): Promise<FanOutSeed[]> {
  const kind = folder.kind ?? SourceChangeKind.SECRETS_CHANGED;
  if (kind === SourceChangeKind.PROJECT_DELETED) return [];
  const whole = kind === SourceChangeKind.FOLDER_DELETED || kind === SourceChangeKind.ENVIRONMENT_DELETED;
  if (!whole)
    return place
      ? [
          {
            place,
            keys: folder.changes.length > 0 ? folder.changes.map((c) => ({ key: c.key, kind: c.kind })) : "all",
            scope: "stored",
          },
        ]
      : [];
  // A deleted subtree: every folder in it (while it still exists), and references to its paths.
  const environment = await findEnvironment(tx, projectId, folder.environment);
  const subtree = environment ? await findSubtree(tx, environment.id, folder.path) : [];
  const root: FolderPlace = place ?? { folderId: "", environment: folder.environment, path: folder.path };
  const seeds: FanOutSeed[] = subtree.map((f) => ({
    place: { folderId: f.id, environment: folder.environment, path: f.path },
    keys: "all",
    scope: "stored",
    origin: root,
  }));
  seeds.push({ place: root, keys: [], scope: "stored", subtree: true });
  return seeds;
}

/** Encodes a folder's change event and marks the folder as evented in this transaction. */
function changeEvent(
  tx: Database,
  projectId: string,
  revision: bigint,
  folder: FolderChangeInput,
  origin?: { environment: string; path: string },
): EncodedChangeEvent {
  evented(tx).add(placeId(folder));
  const eventId = randomUUID();
  const event = create(SourceChangeEventSchema, {
    eventId,
    projectId,
    environment: folder.environment,
    path: folder.path,
    revision,
    changes: folder.changes.map((c) => ({ key: c.key, kind: c.kind })),
    commitTime: timestampNow(),
    kind: folder.kind ?? SourceChangeKind.SECRETS_CHANGED,
    ...(origin ? { origin: { environment: origin.environment, path: origin.path } } : {}),
  });
  return {
    id: eventId,
    subject: subjects.sourceChange(projectId, folder.environment),
    typeName: SourceChangeEventSchema.typeName,
    payload: toBinary(SourceChangeEventSchema, event),
  };
}

export { KeyChangeKind, SourceChangeKind };
