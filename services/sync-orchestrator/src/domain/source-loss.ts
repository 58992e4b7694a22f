import { SourceChangeKind } from "@syncline/gen/syncline/events/v1/source_events_pb.js";

/** A source that disappeared: what was deleted, in words a person can act on. */
export interface SourceLoss {
  readonly kind:
    | SourceChangeKind.FOLDER_DELETED
    | SourceChangeKind.ENVIRONMENT_DELETED
    | SourceChangeKind.PROJECT_DELETED;
  readonly environment: string;
  /** The deleted folder (FOLDER_DELETED) or `/`. */
  readonly path: string;
}

/** Narrows an event kind to a loss of source, or undefined for changes of secrets. */
export function sourceLossOf(event: {
  kind: SourceChangeKind;
  environment: string;
  path: string;
}): SourceLoss | undefined {
  switch (event.kind) {
    case SourceChangeKind.FOLDER_DELETED:
    case SourceChangeKind.ENVIRONMENT_DELETED:
    case SourceChangeKind.PROJECT_DELETED:
      return { kind: event.kind, environment: event.environment, path: event.path };
    default:
      return undefined;
  }
}

/**
 * The status message of a sync whose source is gone, e.g. "the source folder prod:/api was
 * deleted; the destination was left unchanged". Names the sync's own source (which may lie below
 * the deleted folder) so the message reads the same whatever was deleted.
 */
export function sourceLossMessage(loss: SourceLoss, source: { environment: string; path: string }): string {
  const kept = "the destination was left unchanged";
  switch (loss.kind) {
    case SourceChangeKind.FOLDER_DELETED:
      return loss.path === source.path
        ? `the source folder ${source.environment}:${source.path} was deleted; ${kept}`
        : `the source folder ${source.environment}:${source.path} was deleted with ${loss.environment}:${loss.path}; ${kept}`;
    case SourceChangeKind.ENVIRONMENT_DELETED:
      return `the source environment ${source.environment} was deleted (source ${source.environment}:${source.path}); ${kept}`;
    case SourceChangeKind.PROJECT_DELETED:
      return `the source project was deleted (source ${source.environment}:${source.path}); ${kept}`;
  }
}
