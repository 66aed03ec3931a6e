/**
 * The request counters both connectors keep (their stats types document what each counts for that
 * API; the shape is the same).
 */
export interface RequestStats {
  requests: number;
  byEndpoint: Record<string, number>;
  rateLimited: number;
  retries: number;
  waitedMs: number;
}

export function createStats(): RequestStats {
  return { requests: 0, byEndpoint: {}, rateLimited: 0, retries: 0, waitedMs: 0 };
}

/** Zeroes the counters in place, so references held by callers stay live. */
export function resetStats(stats: RequestStats): void {
  Object.assign(stats, createStats());
}
