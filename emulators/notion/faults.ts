/** Fault injection (see emulators/shared/faults.ts), with the statuses Notion answers. */
import { FaultInjector as SharedFaultInjector } from '../shared/faults.ts';

export type { Fault } from '../shared/faults.ts';

export const INJECTABLE_STATUSES = [409, 429, 500, 502, 503, 504, 529];

export class FaultInjector extends SharedFaultInjector {
  constructor(random: () => number) {
    super(random, INJECTABLE_STATUSES);
  }
}
