/**
 * Fault injection for resilience tests: with probability `rate`, a request matching `only` fails with
 * one of the configured statuses or a dropped connection, decided by the seeded RNG so a campaign
 * replays identically. Same design as emulators/notion/faults.ts.
 */
import type { FaultConfig } from './types.ts';

export type Fault = { kind: 'status'; status: number } | { kind: 'drop' };

/** 403 = rateLimitExceeded (usageLimits), 503 = backendError; bodies follow the called API's style. */
export const INJECTABLE_STATUSES = [403, 429, 500, 502, 503, 504];

export class FaultInjector {
  private config: FaultConfig | null = null;
  injected = 0;

  constructor(private readonly random: () => number) {}

  set(config: FaultConfig | null): void {
    if (config) {
      if (!(config.rate >= 0 && config.rate <= 1)) throw new Error('faults.rate must be within 0..1');
      for (const s of config.statuses ?? []) {
        if (!INJECTABLE_STATUSES.includes(s)) throw new Error(`faults.statuses: ${s} is not one of ${INJECTABLE_STATUSES.join(', ')}`);
      }
    }
    this.config = config;
  }

  /** Extra delay for this request (faulted or not). */
  latencyFor(endpoint: string): number {
    return this.matches(endpoint) ? (this.config!.latencyMs ?? 0) : 0;
  }

  get commitThenFail(): boolean {
    return this.config?.commitThenFail === true;
  }

  /** Rolls the dice for one request; null = serve it normally. */
  roll(endpoint: string): Fault | null {
    if (!this.matches(endpoint)) return null;
    const c = this.config!;
    if (c.rate <= 0 || this.random() >= c.rate) return null;
    const statuses = c.statuses ?? (c.drop ? [] : [500, 503]);
    const outcomes = statuses.length + (c.drop ? 1 : 0);
    if (outcomes === 0) return null;
    const pick = Math.min(outcomes - 1, Math.floor(this.random() * outcomes));
    this.injected++;
    return pick < statuses.length ? { kind: 'status', status: statuses[pick] } : { kind: 'drop' };
  }

  private matches(endpoint: string): boolean {
    const c = this.config;
    if (!c) return false;
    if (c.only) {
      c.only.lastIndex = 0; // a /g or /y regexp keeps state between test() calls
      return c.only.test(endpoint);
    }
    return true;
  }
}
