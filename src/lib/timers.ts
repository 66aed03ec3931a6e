/**
 * Timers are injected wherever the service waits (schedules, polls, webhook settle windows, drain
 * timeouts), so tests drive time instead of sleeping.
 */
import type { FakeClock } from './clock.ts';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms));
    // A pending settle window never keeps a stopping process alive.
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * Timers on a FakeClock: nothing fires until `advance(ms)`, which moves the clock to each due timer
 * in turn (so a callback sees the time it was due at) and runs it.
 */
export class ManualTimers implements Timers {
  private pending: Pending[] = [];
  private seq = 0;

  constructor(private readonly clock: FakeClock) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const t = { id: ++this.seq, due: this.clock.now() + Math.max(0, ms), fn };
    this.pending.push(t);
    return t.id;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((t) => t.id !== handle);
  }

  /** Timers not yet fired. */
  get count(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (in due order). */
  async advance(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    for (;;) {
      const next = this.pending.filter((t) => t.due <= until).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.pending = this.pending.filter((t) => t !== next);
      if (next.due > this.clock.now()) this.clock.set(next.due);
      next.fn();
      // Let the callback's synchronous follow-ups (promise continuations) run before the next timer.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (until > this.clock.now()) this.clock.set(until);
  }
}
