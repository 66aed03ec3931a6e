/** Lease test helpers: heartbeat timers under the test's control. */
import type { LeaseTimers } from '../../src/store/leases.ts';

/** Timers that never fire: the lease lives exactly as long as its ttl unless renewed by hand. */
export const noTimers: LeaseTimers = { setInterval: () => 0, clearInterval: () => undefined };

/** Timers fired by hand: `tick()` runs every registered heartbeat once. */
export function manualTimers(): LeaseTimers & { tick(): void; active(): number } {
  const fns = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval(fn) {
      fns.set(next, fn);
      return next++;
    },
    clearInterval(h) {
      fns.delete(h as number);
    },
    tick() {
      for (const fn of [...fns.values()]) fn();
    },
    active: () => fns.size,
  };
}
