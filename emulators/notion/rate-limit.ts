/** The emulators' shared token-bucket limiter. */
export * from '../shared/rate-limit.ts';
