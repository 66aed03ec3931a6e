/**
 * Client-side pacing: Notion allows about 3 requests/second per integration, with bursts.
 * Reacting to 429s alone is not enough (every 429 costs a Retry-After pause), so every HTTP
 * request takes a token from this bucket first.
 *
 * Implemented as GCRA (the "virtual scheduling" form of a token bucket): one number, the
 * theoretical arrival time, so concurrent callers each reserve their own slot synchronously and
 * nobody needs a lock or a queue.
 */
import type { Clock } from '../../lib/clock.ts';

export interface PacerOptions {
  clock: Clock;
  /** Sustained rate; default 3. */
  requestsPerSecond?: number;
  /** Requests that may go out back to back after a quiet period; default = requestsPerSecond. */
  burst?: number;
}

/** One request's place in the schedule; call answered() when its response (or failure) is in. */
export interface PacerSlot {
  waitedMs: number;
  answered(): void;
}

export class Pacer {
  private readonly clock: Clock;
  /** Milliseconds between requests at the sustained rate. */
  private readonly intervalMs: number;
  /** How far ahead of the schedule a request may go: (burst - 1) intervals. */
  private readonly toleranceMs: number;
  /** Theoretical arrival time of the next request if the bucket were never full. */
  private tat = -Infinity;

  constructor(opts: PacerOptions) {
    const rate = opts.requestsPerSecond ?? 3;
    const burst = opts.burst ?? rate;
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`requestsPerSecond must be a positive number, got ${rate}`);
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst must be at least 1, got ${burst}`);
    this.clock = opts.clock;
    this.intervalMs = 1000 / rate;
    this.toleranceMs = (Math.floor(burst) - 1) * this.intervalMs;
  }

  /** Waits (on the clock) until this request may go out; resolves with the milliseconds waited. */
  async take(): Promise<number> {
    return (await this.acquire()).waitedMs;
  }

  /**
   * Like take(), and the caller reports when the answer came back (`answered()`). That matters for
   * the first request after a quiet period: the server's bucket starts counting when that request
   * *arrives*, which can be tens of milliseconds after we sent it (connection set-up, TLS, a busy
   * event loop). The rest of the burst is scheduled from our send time, so without a correction the
   * first request after the burst reaches the server early by that delay and collects a 429 —
   * one per run, a second of Retry-After each. So when such a request is answered, the schedule
   * moves by how long it took (at most one interval: we guard against the way to the server, not
   * a slow answer); the server then always sees requests at or after the times its bucket allows.
   */
  async acquire(): Promise<PacerSlot> {
    const now = this.clock.now();
    const idle = now >= this.tat;
    const sendAt = Math.max(now, this.tat - this.toleranceMs);
    // Reserve the slot before sleeping so concurrent callers queue up behind it. The schedule
    // advances from the arrival time, so rounding the wait below never accumulates.
    this.tat = Math.max(this.tat, now) + this.intervalMs;
    // Whole milliseconds, rounded up (timers have ms resolution); the epsilon absorbs float
    // noise of epoch-sized numbers so an on-time request does not wait 1 ms.
    const waitMs = Math.max(0, Math.ceil(sendAt - now - 1e-3));
    if (waitMs > 0) await this.clock.sleep(waitMs);
    if (!idle) return { waitedMs: waitMs, answered: () => undefined };
    const sentAt = this.clock.now();
    let settled = false;
    return {
      waitedMs: waitMs,
      answered: () => {
        if (settled) return;
        settled = true;
        this.tat += Math.min(this.intervalMs, Math.max(0, this.clock.now() - sentAt));
      },
    };
  }

  /**
   * Nobody goes before `time` (epoch ms), and then at the sustained rate without a burst:
   * after a 429, other in-flight callers would only collect 429s of their own.
   */
  holdUntil(time: number): void {
    this.tat = Math.max(this.tat, time + this.toleranceMs);
  }
}
