/**
 * Per-access-token token buckets on the injected clock (Google's limits are per user per project,
 * over a sliding minute; a bucket of requestsPerSecond with a burst is close enough for tests).
 */
import type { Clock } from '../../src/lib/clock.ts';
import type { RateLimit } from './types.ts';

export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private limit: RateLimit | null = null;

  constructor(private readonly clock: Clock) {}

  set(limit: RateLimit | null): void {
    if (limit && !(limit.requestsPerSecond > 0)) throw new Error('rateLimit.requestsPerSecond must be > 0');
    this.limit = limit;
    this.buckets.clear();
  }

  /** Takes a token for `key`; returns 0 when allowed, else the seconds until one is back (≥ 1). */
  take(key: string): number {
    if (!this.limit) return 0;
    const rate = this.limit.requestsPerSecond;
    const burst = Math.max(1, this.limit.burst ?? rate);
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }
}
