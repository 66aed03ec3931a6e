/**
 * The one retry policy of the connector (the SDK's own retries are disabled). decideRetry is
 * the whole policy; withRetry is only the loop that applies it.
 *
 *   rate_limited (429, 529)          → always retried, after Retry-After (or backoff)
 *   transient (5xx, timeout, network) → retried for reads and idempotent updates only;
 *                                       a create is never repeated (a duplicate page would
 *                                       result): it fails with mayHaveCommitted
 *   conflict, auth, validation, not_found → not retried here (callers re-read or give up)
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { normalizeNotionError, type NotionSyncError } from './errors.ts';
import type { Pacer } from './pacer.ts';
import type { NotionRequestStats } from './types.ts';

/**
 * read: GET retrieve, property items, and query (a POST that only reads).
 * idempotent_write: PATCH /v1/pages with a full-value body, PATCH /v1/data_sources adding
 *   properties — sending it twice equals once.
 * create: POST /v1/pages — not idempotent (Notion has no idempotency key).
 */
export type RequestKind = 'read' | 'idempotent_write' | 'create';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After beyond this is clamped (a broken header must not stall a run for hours). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 15 * 60_000,
};

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

/** The policy. `attempt` counts retries already made (0 on the first failure). */
export function decideRetry(
  error: NotionSyncError,
  kind: RequestKind,
  attempt: number,
  policy: RetryPolicy,
  now: number,
  random: () => number,
): RetryDecision {
  if (attempt >= policy.maxRetries || !error.retryable) return { retry: false };
  if (error.kind === 'rate_limited') {
    return { retry: true, delayMs: retryAfterMs(error.retryAfter, now, policy) ?? backoffMs(attempt, policy, random) };
  }
  if (error.kind === 'transient' && kind !== 'create') {
    // A 503 may carry Retry-After too; honour it when present.
    return { retry: true, delayMs: retryAfterMs(error.retryAfter, now, policy) ?? backoffMs(attempt, policy, random) };
  }
  return { retry: false };
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return ceiling / 2 + (ceiling / 2) * random();
}

/** Retry-After as delta-seconds ("120") or HTTP-date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number, policy: RetryPolicy): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, policy.maxRetryAfterMs);
}

export interface RetryContext {
  kind: RequestKind;
  /** Endpoint key for messages and logs, e.g. "PATCH /v1/pages/:id". */
  operation: string;
  policy: RetryPolicy;
  clock: Clock;
  random: () => number;
  logger: Logger;
  stats: NotionRequestStats;
  pacer: Pacer;
  secrets: string[];
}

/** Runs `fn`, normalizing every failure once and retrying per decideRetry. */
export async function withRetry<T>(fn: () => Promise<T>, ctx: RetryContext): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (caught) {
      const error = normalizeNotionError(caught, {
        operation: ctx.operation,
        nonIdempotent: ctx.kind === 'create',
        secrets: ctx.secrets,
      });
      const decision = decideRetry(error, ctx.kind, attempt, ctx.policy, ctx.clock.now(), ctx.random);
      if (!decision.retry) throw error;
      if (error.kind === 'rate_limited') {
        // Everyone sharing this token waits, not just this request.
        ctx.pacer.holdUntil(ctx.clock.now() + decision.delayMs);
      }
      ctx.logger.warn(
        { operation: ctx.operation, kind: error.kind, status: error.status, code: error.code, requestId: error.requestId, attempt: attempt + 1, delayMs: Math.round(decision.delayMs) },
        'notion request failed; retrying',
      );
      ctx.stats.retries++;
      ctx.stats.waitedMs += decision.delayMs;
      await ctx.clock.sleep(decision.delayMs);
    }
  }
}
