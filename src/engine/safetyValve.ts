/** Thrown on the plan, before any write: the run aborts and writes nothing. */
export class SafetyValveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetyValveError';
  }
}

/**
 * The spec's safety valve: a full sync aborts when the source returns under `ratio` (10%) of the
 * destination's count — an empty or truncated answer is far likelier an API failure than a mass delete.
 */
export function checkSafetyValve(sourceCount: number, destinationCount: number, ratio = 0.1, source = 'Notion', destination = 'Postgres'): void {
  if (destinationCount > 0 && sourceCount < destinationCount * ratio) {
    throw new SafetyValveError(
      `Safety valve triggered: ${source} has ${sourceCount} records, ${destination} has ${destinationCount}. Possible API failure; nothing was changed.`,
    );
  }
}

/**
 * The deletion valve: a run that would delete (trash in Notion or soft-delete in Postgres) more
 * than `share` of a dataset — and more than `minimum` records — aborts unless forced.
 */
export function checkDeletionValve(deletions: number, datasetSize: number, opts: { share: number; minimum: number; force?: boolean }): void {
  if (opts.force) return;
  if (deletions > opts.minimum && deletions > datasetSize * opts.share) {
    throw new SafetyValveError(
      `Deletion valve triggered: this run would delete ${deletions} of ${datasetSize} records (more than ${Math.round(opts.share * 100)}%). Nothing was changed; check the source, or rerun with --force if the deletions are intended.`,
    );
  }
}
