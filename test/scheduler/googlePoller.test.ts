/**
 * Google → Postgres without a public URL (issue 15, point 3): the Google poller asks the stored
 * Calendar and People sync tokens and the Gmail history id what changed, against the Google
 * emulator (and the Notion emulator for contacts), with a RunManager and the webhook dispatcher on
 * ManualTimers driven by the emulators' FakeClock. Requests are counted at the emulator.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PEOPLE_PROPAGATION_DELAY_MS } from '../../emulators/google/index.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { startPolling, type Polling } from '../../src/scheduler/polling.ts';
import { RunManager } from '../../src/scheduler/runManager.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { createWebhooks, type Webhooks } from '../../src/server/webhooks/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createGoogleHarness, type GoogleHarness } from '../helpers/googleHarness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CALENDAR = 'GET /calendar/v3/calendars/:id/events';
const HISTORY = 'GET /gmail/v1/users/me/history';
const PEOPLE = 'GET /v1/people/me/connections';

/** A logger that keeps every line (level and message). */
function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (a: unknown, b?: string) => void lines.push({ level, msg: typeof a === 'string' ? a : (b ?? '') });
  const logger: any = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal') };
  logger.child = () => logger;
  return { logger, lines };
}

describe.each(storeBackends())('Google polling on %s', (kind) => {
  let store: Store;
  let h: GoogleHarness;
  let timers: ManualTimers;
  let runs: RunManager;
  let webhooks: Webhooks;
  let polling: Polling | null;
  let log: ReturnType<typeof recordingLogger>;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    polling = null;
  });
  afterEach(async () => {
    await polling?.stop();
    webhooks.close();
    await runs.idle();
    await h.close();
  });

  /** Every dataset synced once (tokens stored), then the Google poller on (Notion polling off). */
  async function synced(env: Record<string, string> = {}) {
    h = await createGoogleHarness(store, { env });
    timers = new ManualTimers(h.clock);
    log = recordingLogger();
    runs = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock, timers });
    webhooks = createWebhooks({ runs, store, config: h.config, notion: h.ctx.notion, logger: h.ctx.logger, clock: h.clock, timers });
    const results = await runAll(h.ctx, {});
    expect(results.filter((r) => r.status !== 'success' && r.status !== 'skipped')).toEqual([]);
    polling = await startPolling({ config: h.config, store, notion: null, google: h.ctx.google, runs, dispatcher: webhooks.dispatcher, logger: log.logger, clock: h.clock, timers });
    // The OAuth access token is fetched once before counting.
    await h.ctx.google!.gmail.getProfile();
    h.google.resetCounts();
  }

  async function quiet() {
    for (let i = 0; i < 5; i++) {
      await polling?.google?.idle();
      await webhooks.idle();
      await runs.idle();
      await timers.advance(0);
    }
  }
  async function advance(ms: number, stepMs = 1_000) {
    for (let done = 0; done < ms; done += stepMs) {
      await timers.advance(Math.min(stepMs, ms - done));
      await quiet();
    }
  }
  async function advanceUntil(predicate: () => Promise<boolean> | boolean, maxMs: number, stepMs = 1_000) {
    const start = h.clock.now();
    while (!(await predicate())) {
      if (h.clock.now() - start >= maxMs) throw new Error(`not within ${maxMs} ms`);
      await timers.advance(stepMs);
      await quiet();
    }
    return h.clock.now() - start;
  }
  const googleRequests = () => Object.fromEntries(Object.entries(h.google.requestCounts).filter(([k]) => k !== 'POST /token'));

  it('idle: each of calendar, gmail and contacts costs one call per poll (every 30 s) and starts no run', async () => {
    await synced();
    expect(polling!.google!.feeds).toEqual(['people', 'calendar', 'gmail']);
    await advance(HOUR, 5_000);
    expect(googleRequests()).toEqual({ [CALENDAR]: 120, [HISTORY]: 120, [PEOPLE]: 120 });
    expect(runs.list()).toEqual([]);
    expect(polling!.freshness.list().map((d) => [d.dataset, d.source, d.arrival, d.pollIntervalSeconds])).toEqual([
      ['contacts', 'google', 'polling', 30],
      ['calendar', 'google', 'polling', 30],
      ['gmail', 'google', 'polling', 30],
    ]);
  });

  it('a calendar event, a message and a contact changed in Google each start one incremental run of their dataset', async () => {
    await synced();
    h.clock.advance(MINUTE);
    const added = h.google.calendar.upsertEvent('primary', {
      summary: 'Polled event',
      start: { dateTime: new Date(h.clock.now() + 86_400_000).toISOString() },
      end: { dateTime: new Date(h.clock.now() + 86_400_000 + 3_600_000).toISOString() },
    });
    const message = h.google.gmail.addMessage({ from: 'Someone <someone@example.org>', to: [h.sample.userEmail], subject: 'Polled mail' });
    const person = h.google.people.listPeople()[0]!;
    h.google.people.updatePerson(person.resourceName!, { phoneNumbers: [{ value: '+1 415 555 0142' }] });

    const one = async (sql: string, params: unknown[]) => (await store.query(sql, params)).rows.length === 1;
    const took = await advanceUntil(
      async () =>
        (await one(`SELECT 1 FROM calendar_events WHERE google_event_id = $1 AND summary = 'Polled event'`, [added.id])) &&
        (await one(`SELECT 1 FROM emails WHERE gmail_message_id = $1`, [message.id])),
      60_000,
    );
    expect(took).toBeLessThanOrEqual(35_000);
    // People shows the edit to sync requests only after its propagation delay.
    await advanceUntil(() => one(`SELECT 1 FROM contacts WHERE google_resource_name = $1 AND phones[1] = '+14155550142'`, [person.resourceName]), DEFAULT_PEOPLE_PROPAGATION_DELAY_MS + 60_000, 5_000);
    await advance(2 * MINUTE); // more polls: the same changes are not handed over twice
    expect(runs.list().map((r) => [r.target, r.trigger, r.status, r.options.pageIds ?? null]).sort()).toEqual([
      ['calendar', 'poll', 'success', null],
      ['contacts', 'poll', 'success', null],
      ['gmail', 'poll', 'success', null],
    ]);
    const lag = polling!.freshness.get('calendar', 'google')!;
    expect(lag.lagCount).toBe(1);
    expect(lag.lastLagMs).toBeLessThanOrEqual(35_000);
    expect(polling!.freshness.get('contacts', 'google')!.lagCount).toBe(1);
  });

  it('no run for the echo of our own write to Google Contacts (its etag is the one stored on the row)', async () => {
    await synced();
    const row = (await store.query<Record<string, any>>('SELECT * FROM contacts WHERE google_resource_name IS NOT NULL ORDER BY name LIMIT 1')).rows[0]!;
    await store.query(`UPDATE contacts SET emails = $2::text[] WHERE id = $1`, [row.id, ['echo@new.example', ...row.emails.slice(1)]]);
    const started = runs.start('contacts', {}, 'http');
    if ('conflict' in started) throw new Error('conflict');
    const done = await started.done;
    expect(done.results.find((r) => r.dataset === 'contacts_google')).toMatchObject({ status: 'success', writes: { notion: { updated: 1 } } });
    expect(h.google.people.getPerson(row.google_resource_name)!.emailAddresses![0]!.value).toBe('echo@new.example');
    h.google.resetCounts();
    // Past the propagation delay the write shows in the sync listing from the stored token: still no run.
    await advance(DEFAULT_PEOPLE_PROPAGATION_DELAY_MS + 2 * MINUTE, 5_000);
    const listed = await h.ctx.google!.people.listConnections({ syncToken: (await store.query<{ value: string }>(`SELECT value FROM jarvis_sync.sync_state WHERE key = 'people_sync_token'`)).rows[0]!.value });
    expect(listed.people.map((p) => p.resourceName)).toContain(row.google_resource_name);
    expect(runs.list().map((r) => r.trigger)).toEqual(['http']);
  });

  it('changes a failed run could not take (the cursor stays) start one run, not one per poll', async () => {
    await synced();
    h.google.setFaults({ rate: 1, statuses: [500], only: /^GET \/gmail\/v1\/users\/me\/messages\/:id$/ });
    h.google.gmail.addMessage({ from: 'Someone <someone@example.org>', to: [h.sample.userEmail], subject: 'Cannot be fetched' });
    await advance(5 * MINUTE, 5_000);
    // Ten polls, and the one run's own history.list.
    expect(h.google.requestCounts[HISTORY]).toBe(10 + 1);
    expect(runs.list().map((r) => [r.target, r.status])).toEqual([['gmail', 'error']]);
    // Something else arrives: that is news again.
    h.google.setFaults(null);
    h.google.gmail.addMessage({ from: 'Someone <someone@example.org>', to: [h.sample.userEmail], subject: 'Fetchable' });
    await advance(MINUTE, 5_000);
    expect(runs.list().map((r) => [r.target, r.status])).toEqual([
      ['gmail', 'success'],
      ['gmail', 'error'],
    ]);
  });

  it('expired cursors (Calendar 410, Gmail 404, People EXPIRED_SYNC_TOKEN) cost one call each, no error, no run; polling resumes after the resync', async () => {
    await synced();
    h.google.expireSyncTokens();
    await advance(10 * MINUTE, 5_000);
    expect(googleRequests()).toEqual({ [CALENDAR]: 1, [HISTORY]: 1, [PEOPLE]: 1 });
    expect(runs.list()).toEqual([]);
    expect(log.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    expect(log.lines.filter((l) => /no longer accepts/.test(l.msg))).toHaveLength(3);
    // The next scheduled run resyncs the calendar and stores a new token: its polls resume.
    const started = runs.start('calendar', {}, 'schedule');
    if ('conflict' in started) throw new Error('conflict');
    expect((await started.done).results[0]).toMatchObject({ status: 'success', mode: 'full' });
    h.google.resetCounts();
    await advance(5 * MINUTE, 5_000);
    expect(googleRequests()).toEqual({ [CALENDAR]: 10 });
  });

  it('a failing Google backs off (one warning), then polls again', async () => {
    await synced();
    h.google.setFaults({ rate: 1, statuses: [403], only: /^GET \/gmail\/v1\/users\/me\/history$/ });
    await advance(10 * MINUTE, 5_000);
    // Polls at 0, 60, 180 and 420 s (the interval doubling), each retried 5 times by the connector;
    // every 30 s it would have been 20 polls.
    expect(h.google.requestCounts[HISTORY]).toBe(4 * 6);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    h.google.setFaults(null);
    await advance(16 * MINUTE, 5_000);
    expect(log.lines.some((l) => /answers again for gmail/.test(l.msg))).toBe(true);
    expect(runs.list()).toEqual([]);
  });

  it('with the calendar push channel set up, the calendar poll is a backup (300 s); gmail and contacts stay at 30 s', async () => {
    await synced({ GOOGLE_CALENDAR_WEBHOOK_TOKEN: 'calendar-channel-token-0123456789' });
    expect(polling!.freshness.get('calendar', 'google')).toMatchObject({ arrival: 'webhook', pollIntervalSeconds: 300 });
    await advance(HOUR, 10_000);
    expect(googleRequests()).toEqual({ [CALENDAR]: 12, [HISTORY]: 120, [PEOPLE]: 120 });
  });
});
