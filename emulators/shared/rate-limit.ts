/**
 * Per-token token buckets on the injected clock, shared by the emulators: Notion's per-integration
 * limit (about 3 requests per second with bursts) and Google's per-user limits (a sliding minute,
 * close enough as a bucket for tests). A refused request learns how long until a token is back.
 */
import type { Clock } from '../../src/lib/clock.ts';

export interface RateLimit {
  requestsPerSecond: number;
  /** Bucket size; defaults to max(1, requestsPerSecond). */
  burst?: number;
}

export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private limit: RateLimit | null = null;

  constructor(private readonly clock: Clock) {}

  set(limit: RateLimit | null): void {
    if (limit && !(limit.requestsPerSecond > 0)) throw new Error('rateLimit.requestsPerSecond must be > 0');
    this.limit = limit;
    this.buckets.clear();
  }

  /** Takes a token for `key`; returns 0 when allowed, else the seconds to wait (≥ 1, an integer). */
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
