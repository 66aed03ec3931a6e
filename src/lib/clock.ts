/**
 * Time is injected everywhere (pacer, retry, emulator, runner) so tests never sleep for real:
 * a FakeClock's sleep() advances its own time instantly.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock whose time only moves when told to (advance) or when someone sleeps on it. */
export class FakeClock implements Clock {
  private t: number;
  /** Total milliseconds spent in sleep(); lets tests assert on waiting without waiting. */
  slept = 0;
  constructor(start: number | string | Date = '2026-01-05T09:00:00.000Z') {
    this.t = typeof start === 'number' ? start : new Date(start).getTime();
  }
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    const d = Math.max(0, ms);
    this.t += d;
    this.slept += d;
    // Yield so concurrent work interleaves as it would with real timers.
    await Promise.resolve();
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(time: number | string | Date): void {
    this.t = typeof time === 'number' ? time : new Date(time).getTime();
  }
}
