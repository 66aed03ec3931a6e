/**
 * Fault injection for resilience tests, shared by the Notion and Google emulators: with
 * probability `rate`, a request matching `only` fails with one of the configured statuses or a
 * dropped connection, decided by the seeded RNG so a campaign replays identically. Each emulator
 * says which statuses it can answer (and renders them in its own API's error style).
 */
export interface FaultConfig {
  rate: number;
  statuses?: number[];
  drop?: boolean;
  latencyMs?: number;
  only?: RegExp;
  commitThenFail?: boolean;
}

export type Fault = { kind: 'status'; status: number } | { kind: 'drop' };

export class FaultInjector {
  private config: FaultConfig | null = null;
  injected = 0;

  constructor(
    private readonly random: () => number,
    private readonly injectable: readonly number[],
  ) {}

  set(config: FaultConfig | null): void {
    if (config) {
      if (!(config.rate >= 0 && config.rate <= 1)) throw new Error('faults.rate must be within 0..1');
      for (const s of config.statuses ?? []) {
        if (!this.injectable.includes(s)) throw new Error(`faults.statuses: ${s} is not one of ${this.injectable.join(', ')}`);
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
