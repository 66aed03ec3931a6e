/**
 * Notion → Postgres without webhooks (issue 15, point 2): the Notion poller against the emulator
 * holding all seven built-in datasets, a RunManager and the webhook dispatcher on ManualTimers
 * driven by the emulator's FakeClock, on PGlite (and PostgreSQL when TEST_DATABASE_URL is set).
 * Requests are counted at the emulator; nothing sleeps.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { mergeSeeds, sampleNotionWorkspace, sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createNotionConnector } from '../../src/connectors/notion/index.ts';
import type { RunContext } from '../../src/engine/context.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { notionPollSeconds, TRASH_EVERY } from '../../src/scheduler/notionPoller.ts';
import { startPolling, type Polling } from '../../src/scheduler/polling.ts';
import { RunManager } from '../../src/scheduler/runManager.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { createWebhooks, type Webhooks } from '../../src/server/webhooks/index.ts';
import { stateKeys, writeState } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const TOKEN = 'secret_notion_poller';
const QUERY = 'POST /v1/data_sources/:id/query';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface PollHarness {
  clock: FakeClock;
  timers: ManualTimers;
  emulator: ReturnType<typeof createNotionEmulator>;
  ids: ReturnType<typeof sampleNotionWorkspace>['ids'] & ReturnType<typeof sampleTwoWayWorkspace>['ids'];
  config: Config;
  ctx: RunContext;
  runs: RunManager;
  webhooks: Webhooks;
  polling: Polling | null;
  /** `sql`: what the pollers read Postgres through (default the store). */
  startPolling(sql?: Store): Promise<Polling>;
  /** Moves time forward in small steps, letting polls, settle windows and runs finish at each. */
  advance(ms: number, stepMs?: number): Promise<void>;
  /** Advances until `predicate` holds (checked after each step); returns the time it took. */
  advanceUntil(predicate: () => Promise<boolean> | boolean, maxMs: number, stepMs?: number): Promise<number>;
  close(): Promise<void>;
}

async function createPollHarness(store: Store, env: Record<string, string> = {}): Promise<PollHarness> {
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const oneWay = sampleNotionWorkspace({ books: 4, highlightsPerBook: 1 });
  const twoWay = sampleTwoWayWorkspace({ contacts: 3, meetings: 3, tasks: 2, reflections: 2, journals: 2 });
  const emulator = createNotionEmulator({ clock, tokens: [TOKEN], seed: mergeSeeds(oneWay.seed, twoWay.seed) });
  const url = await emulator.listen(0, '127.0.0.1');
  const ids = { ...oneWay.ids, ...twoWay.ids };
  const config = loadConfig({
    env: {
      NOTION_TOKEN: TOKEN,
      NOTION_BASE_URL: url,
      NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
      NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
      NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
      NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase,
      NOTION_TASKS_DATABASE_ID: ids.tasksDatabase,
      NOTION_REFLECTIONS_DATABASE_ID: ids.reflectionsDatabase,
      NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
      ...env,
    },
    cwd: '/nonexistent-jarvis-test-cwd',
  });
  const notion = createNotionConnector({ token: TOKEN, baseUrl: url, clock, logger: silentLogger, requestsPerSecond: 3 });
  const ctx: RunContext = { store, notion, config, clock, logger: silentLogger };
  const timers = new ManualTimers(clock);
  const runs = new RunManager({ context: ctx, logger: silentLogger, clock, timers });
  const webhooks = createWebhooks({ runs, store, config, notion, logger: silentLogger, clock, timers });
  const h: PollHarness = {
    clock,
    timers,
    emulator,
    ids,
    config,
    ctx,
    runs,
    webhooks,
    polling: null,
    async startPolling(sql = store) {
      h.polling = await startPolling({ config, store: sql, notion, runs, dispatcher: webhooks.dispatcher, logger: silentLogger, clock, timers });
      return h.polling;
    },
    async advance(ms, stepMs = 1_000) {
      for (let done = 0; done < ms; done += stepMs) {
        await timers.advance(Math.min(stepMs, ms - done));
        await quiet();
      }
    },
    async advanceUntil(predicate, maxMs, stepMs = 1_000) {
      const start = clock.now();
      while (!(await predicate())) {
        if (clock.now() - start >= maxMs) throw new Error(`not within ${maxMs} ms`);
        await timers.advance(stepMs);
        await quiet();
      }
      return clock.now() - start;
    },
    async close() {
      await h.polling?.stop();
      webhooks.close();
      await runs.idle();
      await emulator.close();
    },
  };
  /** Lets what is due now happen: a poll scheduled by the previous one, a settled page's run. */
  async function quiet() {
    for (let i = 0; i < 5; i++) {
      await h.polling?.notion?.idle();
      await webhooks.idle();
      await runs.idle();
      await timers.advance(0);
    }
  }
  return h;
}

describe.each(storeBackends())('Notion polling on %s', (kind) => {
  let store: Store;
  let h: PollHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
  });
  afterEach(() => h.close());

  /** Everything synced once, the clock at the start of a fresh minute, then polling on. */
  async function synced(env: Record<string, string> = {}, sql: Store = store) {
    h = await createPollHarness(store, env);
    const results = await runAll(h.ctx, {});
    expect(results.filter((r) => r.status !== 'success' && r.status !== 'skipped')).toEqual([]);
    h.clock.set(Math.ceil((h.clock.now() + 1) / MINUTE) * MINUTE);
    await h.startPolling(sql);
    h.emulator.resetCounts();
    return h;
  }

  const row = async (table: string, pageId: string) => (await store.query<Record<string, any>>(`SELECT * FROM ${table} WHERE notion_page_id = $1`, [pageId])).rows[0]!;
  const text = (content: string) => ({ rich_text: [{ text: { content } }] });

  it('an edit in Notion reaches Postgres after a poll tick, as a targeted sync of that page; the lag is measured', async () => {
    await synced();
    expect(h.polling!.notion!.intervalSeconds).toBe(30);
    expect(h.polling!.freshness.get('books', 'notion')).toMatchObject({ arrival: 'polling', pollIntervalSeconds: 30 });
    const book = h.emulator.listPages(h.ids.booksDataSource)[1]!;
    const meeting = h.emulator.listPages(h.ids.meetingsDataSource)[0]!;
    await h.advance(5_000);
    const editedAt = h.clock.now();
    h.emulator.updatePage(book.id, { Author: text('Polled Author') });
    h.emulator.updatePage(meeting.id, { Summary: text('Polled summary') });

    const took = await h.advanceUntil(async () => (await row('books', book.id)).author === 'Polled Author' && (await row('meetings', meeting.id)).summary === 'Polled summary', 60_000);
    // A poll of each dataset within 30 s, then the settle window (1 s).
    expect(took).toBeLessThanOrEqual(35_000);
    // Runs a poll started say so (trigger 'poll', not 'webhook').
    expect(h.runs.list().map((r) => r.trigger)).toEqual(['poll', 'poll']);
    const polled = h.runs.list().filter((r) => r.trigger === 'poll');
    expect(polled.map((r) => ({ target: r.target, pageIds: r.options.pageIds, status: r.status })).sort((a, b) => a.target.localeCompare(b.target))).toEqual([
      { target: 'books', pageIds: [book.id], status: 'success' },
      { target: 'meetings', pageIds: [meeting.id], status: 'success' },
    ]);
    await h.advance(10_000); // a later tick settles the lag of the finished runs
    const lag = h.polling!.freshness.get('books', 'notion')!;
    expect(lag.lagCount).toBe(1);
    // Measured from the edit's minute (or the last poll before it), so never shorter than the truth.
    expect(lag.lastLagMs).toBeGreaterThanOrEqual(Date.parse(lag.lastLagAt!) - editedAt);
    expect(lag.lastLagMs).toBeLessThan(40_000);
  });

  it('two edits of one page in the same minute both arrive (same last_edited_time, different content)', async () => {
    await synced();
    const minuteStart = h.clock.now();
    const book = h.emulator.listPages(h.ids.booksDataSource)[2]!;
    await h.advance(2_000);
    h.emulator.updatePage(book.id, { Author: text('First edit') });
    const first = h.emulator.getPage(book.id)!.last_edited_time;
    await h.advanceUntil(async () => (await row('books', book.id)).author === 'First edit', 40_000);
    expect(h.clock.now() - minuteStart).toBeLessThan(45_000);

    h.emulator.updatePage(book.id, { Author: text('Second edit') });
    // Still the same minute: Notion's timestamp did not move.
    expect(h.emulator.getPage(book.id)!.last_edited_time).toBe(first);
    expect(Math.floor(h.clock.now() / MINUTE) * MINUTE).toBe(minuteStart);
    await h.advanceUntil(async () => (await row('books', book.id)).author === 'Second edit', 40_000);
    expect(h.runs.list().filter((r) => r.target === 'books')).toHaveLength(2);
  });

  it('idle: the seven datasets cost one query per poll (a trash query every tenth) — 924 an hour, 0.26/s — and start no run', async () => {
    // Every statement the pollers send to Postgres.
    let statements = 0;
    const counting = new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key === 'query') return (...args: unknown[]) => (statements++, (value as (...a: unknown[]) => unknown).apply(target, args));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await synced({}, counting);
    statements = 0;
    await h.advance(HOUR, 5_000);
    const perDataset = HOUR / 30_000;
    const expected = 7 * (perDataset + perDataset / TRASH_EVERY);
    expect(h.emulator.requestCounts).toEqual({ [QUERY]: expected });
    expect(expected).toBe(924);
    expect(expected / 3600).toBeLessThanOrEqual(0.3);
    // The data source is looked up in sync_state (a read per Notion dataset) with each trash query,
    // not on every poll: fewer statements than polls (it was eight per poll, 6,720 an hour).
    expect(statements).toBeGreaterThan(0);
    expect(statements).toBeLessThan(7 * perDataset);
    expect(h.runs.list()).toEqual([]);
    for (const d of h.polling!.freshness.list()) expect(d).toMatchObject({ source: 'notion', arrival: 'polling', lagCount: 0 });
  });

  it('no run for the echo of our own write: a Postgres change jarvis-sync wrote to Notion equals the ledger', async () => {
    await synced();
    const meeting = h.emulator.listPages(h.ids.meetingsDataSource)[1]!;
    const { id } = await row('meetings', meeting.id);
    await store.query(`UPDATE meetings SET summary = 'Written in Postgres' WHERE id = $1`, [id]);
    const started = h.runs.start('meetings', { recordIds: [id] }, 'http');
    if ('conflict' in started) throw new Error('conflict');
    expect((await started.done).results[0]).toMatchObject({ status: 'success', updated: 1 });
    const page = h.emulator.getPage(meeting.id)!;
    expect(page.properties.Summary.rich_text[0].plain_text).toBe('Written in Postgres');
    expect(page.last_edited_by.id).toBe(h.emulator.botId);
    // Polled several times while the page is in the window: never a run.
    await h.advance(3 * MINUTE);
    expect(h.runs.list().map((r) => r.trigger)).toEqual(['http']);
    expect(h.emulator.requestCounts[QUERY]).toBeGreaterThanOrEqual(7 * 5);
    // Whereas a person's edit of the same page right after is synced.
    h.emulator.updatePage(meeting.id, { Summary: text('Then a person') });
    await h.advanceUntil(async () => (await row('meetings', meeting.id)).summary === 'Then a person', 40_000);
  });

  it('a page moved to the trash is soft-deleted by a trash query (every tenth poll of its dataset)', async () => {
    await synced();
    const book = h.emulator.listPages(h.ids.booksDataSource)[0]!;
    h.emulator.trashPage(book.id);
    await h.advanceUntil(async () => (await row('books', book.id)).deleted_at !== null, TRASH_EVERY * 30_000 + 10_000, 5_000);
    expect(h.emulator.requestCounts[QUERY]).toBeLessThanOrEqual(7 * (TRASH_EVERY + 1) + 7);
  });

  it('with Notion webhooks set up, polling only backs them up (every 300 s): 91 queries an hour', async () => {
    await synced({ NOTION_WEBHOOK_VERIFICATION_TOKEN: 'secret_configured_webhook_token' });
    expect(h.polling!.notion!.intervalSeconds).toBe(300);
    expect(h.polling!.freshness.list().map((d) => d.arrival)).toEqual(Array(7).fill('webhook'));
    await h.advance(HOUR, 10_000);
    expect(h.emulator.requestCounts).toEqual({ [QUERY]: 7 * 12 + 7 });
    // A lost webhook event: the backup poll still brings the edit.
    const book = h.emulator.listPages(h.ids.booksDataSource)[3]!;
    h.emulator.updatePage(book.id, { Author: text('Event lost') });
    const took = await h.advanceUntil(async () => (await row('books', book.id)).author === 'Event lost', 310_000, 5_000);
    expect(took).toBeGreaterThan(0);
  });

  it('a webhook verification handshake stored in sync_state counts as webhooks set up', async () => {
    h = await createPollHarness(store);
    await writeState(store, stateKeys.notionWebhookVerificationToken, 'secret_from_a_handshake');
    await h.startPolling();
    expect(h.polling!.notion!.intervalSeconds).toBe(300);
    expect(notionPollSeconds(h.config, 7, false)).toBe(30);
  });
});
