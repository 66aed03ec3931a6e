/**
 * The one retry policy of the Google connector (gaxios's own retries are disabled in
 * transport.ts, the OAuth token refresh's included). decideRetry is the whole policy; withRetry is
 * only the loop that applies it.
 *
 *   rate_limited (429; 403 rateLimitExceeded,   → always retried, after Retry-After (or backoff),
 *     userRateLimitExceeded, quotaExceeded)       and the pacer holds every other caller too
 *   transient (5xx, timeout, network)           → retried for reads and deleteContact;
 *                                                 createContact and updateContact are not repeated
 *                                                 once the request may have reached Google: they
 *                                                 fail with mayHaveCommitted (the caller re-reads)
 *   transient before the request left           → retried for every kind (token refresh failed,
 *     (token endpoint 5xx, connection refused)    connection refused: nothing can have committed)
 *   sync_token_expired, conflict, auth,         → not retried here (callers full-sync, re-read or
 *     validation, not_found                       give up)
 *
 * Backoff and Retry-After parsing are the Notion connector's (API-agnostic) helpers.
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Pacer } from '../notion/pacer.ts';
import { backoffMs, retryAfterMs, type RetryPolicy } from '../notion/retry.ts';
import { normalizeGoogleError, type GoogleSyncError } from './errors.ts';
import { OPERATIONS, isNonIdempotent, type GoogleOperation, type RequestKind } from './operations.ts';
import type { GoogleRequestStats } from './types.ts';

export type { RetryPolicy };

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 15 * 60_000,
};

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

/** The policy. `attempt` counts retries already made (0 on the first failure). */
export function decideRetry(
  error: GoogleSyncError,
  kind: RequestKind,
  attempt: number,
  policy: RetryPolicy,
  now: number,
  random: () => number,
): RetryDecision {
  if (attempt >= policy.maxRetries || !error.retryable) return { retry: false };
  const delay = () => retryAfterMs(error.retryAfter, now, policy) ?? backoffMs(attempt, policy, random);
  if (error.kind === 'rate_limited') return { retry: true, delayMs: delay() };
  if (error.kind === 'transient') {
    // A mutation is repeated only when the failed attempt provably never reached the API.
    if (isNonIdempotent(kind) && error.mayHaveCommitted !== false) return { retry: false };
    return { retry: true, delayMs: delay() };
  }
  return { retry: false };
}

export interface RetryContext {
  operation: GoogleOperation;
  policy: RetryPolicy;
  clock: Clock;
  random: () => number;
  logger: Logger;
  stats: GoogleRequestStats;
  pacer: Pacer;
  tokenUrl: string;
  /** Read at each failure: the access token changes on refresh. */
  secrets: () => string[];
}

/**
 * Runs `fn`, normalizing every failure once and retrying per decideRetry. `fn` gets the number
 * of the attempt (0 first), so an idempotent delete can read a 404 on a retry as success.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, ctx: RetryContext): Promise<T> {
  const { kind } = OPERATIONS[ctx.operation];
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (caught) {
      const error = normalizeGoogleError(caught, { operation: ctx.operation, tokenUrl: ctx.tokenUrl, secrets: ctx.secrets() });
      if (error.kind === 'rate_limited') ctx.stats.rateLimited++;
      const decision = decideRetry(error, kind, attempt, ctx.policy, ctx.clock.now(), ctx.random);
      if (!decision.retry) throw error;
      if (error.kind === 'rate_limited') {
        // Everyone sharing this account waits, not just this request.
        ctx.pacer.holdUntil(ctx.clock.now() + decision.delayMs);
      }
      ctx.logger.warn(
        { operation: ctx.operation, api: error.api, kind: error.kind, status: error.status, reason: error.reason, attempt: attempt + 1, delayMs: Math.round(decision.delayMs) },
        'google request failed; retrying',
      );
      ctx.stats.retries++;
      ctx.stats.waitedMs += decision.delayMs;
      await ctx.clock.sleep(decision.delayMs);
    }
  }
}
