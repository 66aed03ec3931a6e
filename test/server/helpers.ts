/**
 * Scenario builder for server tests: the two-way harness (sample workspace in the Notion emulator,
 * FakeClock) plus a RunManager, webhooks on ManualTimers driven by the same clock, and the app —
 * with an API token, a Notion webhook verification token and a Google channel token configured.
 */
import type { Hono } from 'hono';
import { createApp } from '../../src/server/app.ts';
import { Metrics } from '../../src/server/metrics.ts';
import { RunManager, type RunNotifier } from '../../src/scheduler/runManager.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { createWebhooks, type Webhooks } from '../../src/server/webhooks/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

export const API_TOKEN = 'test-api-token-0123456789abcdef';
export const NOTION_WEBHOOK_TOKEN = 'secret_webhook_verification_0123456789';
export const GOOGLE_CHANNEL_TOKEN = 'google-channel-token-0123456789';

export interface ServerHarness extends TwoWayHarness {
  timers: ManualTimers;
  runs: RunManager;
  webhooks: Webhooks;
  app: Hono;
  /** `app.request` with the bearer token. */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
}

export async function createServerHarness(
  store: Store,
  opts: {
    env?: Record<string, string>;
    notifier?: RunNotifier;
    mode?: 'live' | 'demo';
    /** null: no NOTION_WEBHOOK_VERIFICATION_TOKEN configured. */
    verificationToken?: string | null;
    onVerificationToken?: (t: string) => void;
    /** The store runs use (e.g. gateLocks(store).store); the app reads `store`. */
    runStore?: Store;
  } = {},
): Promise<ServerHarness> {
  const h = await createTwoWayHarness(store, {
    env: {
      SYNC_API_TOKEN: API_TOKEN,
      ...(opts.verificationToken === null ? {} : { NOTION_WEBHOOK_VERIFICATION_TOKEN: opts.verificationToken ?? NOTION_WEBHOOK_TOKEN }),
      GOOGLE_CALENDAR_WEBHOOK_TOKEN: GOOGLE_CHANNEL_TOKEN,
      ...opts.env,
    },
  });
  const timers = new ManualTimers(h.clock);
  if (opts.runStore) h.ctx = { ...h.ctx, store: opts.runStore };
  const metrics = new Metrics();
  const runs = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock, notifier: opts.notifier, timers, metrics });
  const webhooks = createWebhooks({
    runs,
    store,
    config: h.config,
    notion: h.ctx.notion,
    logger: h.ctx.logger,
    clock: h.clock,
    timers,
    onVerificationToken: opts.onVerificationToken,
  });
  const app = createApp({ runs, store, config: h.config, logger: h.ctx.logger, clock: h.clock, webhooks, timers, mode: opts.mode, metrics });
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = API_TOKEN, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    return Promise.resolve(app.request(path, { ...rest, headers }));
  };
  return {
    ...h,
    timers,
    runs,
    webhooks,
    app,
    call,
    close: async () => {
      webhooks.close();
      await runs.idle();
      await h.close();
    },
  };
}

/** Resolves when `predicate` holds, checking after each turn of the event loop (no timers, no sleeping). */
export async function until(predicate: () => boolean, what = 'condition', turns = 100_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Holds every run at its dataset lock until `release()`: taking the lease waits on a gate. Makes "a run
 * is in progress" a fact rather than a race.
 */
export function gateLocks(store: Store): { store: Store; release(): void; close(): void; waiting(): number } {
  let open = false;
  const waiters: Array<() => void> = [];
  const gated = Object.create(store) as Store;
  // A run's first statement takes its dataset lease (src/store/leases.ts): hold that one.
  gated.query = async (text: string, params?: unknown[]) => {
    if (!open && /^\s*INSERT INTO jarvis_sync\.leases\b/.test(text)) await new Promise<void>((resolve) => waiters.push(resolve));
    return store.query(text, params);
  };
  return {
    store: gated,
    release() {
      open = true;
      for (const w of waiters.splice(0)) w();
    },
    close() {
      open = false;
    },
    waiting: () => waiters.length,
  };
}
