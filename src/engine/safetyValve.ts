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
