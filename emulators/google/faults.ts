/** Fault injection (see emulators/shared/faults.ts), with the statuses Google answers. */
import { FaultInjector as SharedFaultInjector } from '../shared/faults.ts';

export type { Fault } from '../shared/faults.ts';

/** 403 = rateLimitExceeded (usageLimits), 503 = backendError; bodies follow the called API's style. */
export const INJECTABLE_STATUSES = [403, 429, 500, 502, 503, 504];

export class FaultInjector extends SharedFaultInjector {
  constructor(random: () => number) {
    super(random, INJECTABLE_STATUSES);
  }
}
