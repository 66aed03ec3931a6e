/**
 * `jarvis-sync serve` wires freshness into the app (issue 15, point 5): the pollers and the Postgres
 * change listener report into one registry, which the dashboard's JSON shows per dataset (how changes
 * arrive, the last lag) and /metrics exports (the lag histogram and the arrival gauge). In this
 * process, time on a FakeClock with ManualTimers; the database's notifications arrive in real time
 * (the test spins the event loop for them, never sleeps). Needs TEST_DATABASE_URL: an app edits the
 * service's database on a connection of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { mergeSeeds, sampleNotionWorkspace, sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { serveCommand } from '../../src/cli/commands/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import type { DashboardData } from '../../src/server/dashboard/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/stores.ts';

const TOKEN = 'secret_serve_freshness';

describe.skipIf(!process.env.TEST_DATABASE_URL)('serve: freshness on the dashboard and /metrics (needs TEST_DATABASE_URL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-serve-fresh-'));
  // Right after a quarter past: the */15 schedule stays out of the way.
  const clock = new FakeClock('2026-12-07T09:16:00.000Z');
  const timers = new ManualTimers(clock);
  const oneWay = sampleNotionWorkspace({ books: 3, highlightsPerBook: 1 });
  const twoWay = sampleTwoWayWorkspace({ contacts: 2, meetings: 3, tasks: 2, reflections: 1, journals: 1 });
  const ids = { ...oneWay.ids, ...twoWay.ids };
  const emulator = createNotionEmulator({ clock, tokens: [TOKEN], seed: mergeSeeds(oneWay.seed, twoWay.seed) });
  const lines: string[] = [];
  const out = (s: string) => void lines.push(...s.split('\n'));
  let db: TestDatabase;
  let url = '';
  let stop!: () => void;
  let served: Promise<number> | undefined;

  /** Spins the event loop (no timers, no sleeping) until `predicate` holds. */
  const spinUntil = async (predicate: () => boolean, what: string, turns = 200_000) => {
    for (let i = 0; i < turns; i++) {
      if (predicate()) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`timed out waiting for ${what}:\n${lines.join('\n')}`);
  };
  /** Advances fake time in small steps, letting the event loop run, until a line matches. */
  const advanceUntilLine = async (re: RegExp, maxMs: number) => {
    for (let waited = 0; waited < maxMs && !lines.some((l) => re.test(l)); waited += 250) {
      await timers.advance(250);
      for (let i = 0; i < 300; i++) await new Promise((resolve) => setImmediate(resolve));
    }
    await spinUntil(() => lines.some((l) => re.test(l)), String(re));
  };
  const dashboard = async () => (await (await fetch(`${url}/api/dashboard`)).json()) as DashboardData;
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  const arrivals = (d: DashboardData, name: string) => d.datasets.find((x) => x.name === name)!.arrivals;

  beforeAll(async () => {
    db = await createTestDatabase();
    const notionUrl = await emulator.listen(0, '127.0.0.1');
    const config = loadConfig({
      env: {
        NOTION_TOKEN: TOKEN,
        NOTION_BASE_URL: notionUrl,
        NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
        NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
        NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
        NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase,
        NOTION_TASKS_DATABASE_ID: ids.tasksDatabase,
        NOTION_REFLECTIONS_DATABASE_ID: ids.reflectionsDatabase,
        NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
        NOTION_REQUESTS_PER_SECOND: '50',
        DATABASE_URL: db.url,
        JARVIS_DATA_DIR: dir,
      },
      cwd: dir,
    });
    served = serveCommand({ command: 'serve', positionals: [], flags: { port: '0' } }, config, silentLogger, out, {
      clock,
      timers,
      until: new Promise<void>((resolve) => (stop = resolve)),
    });
    await spinUntil(() => lines.some((l) => /sync all, schedule: success/.test(l)), 'the first sync');
    url = /serving on (http:\/\/\S+) /.exec(lines.find((l) => /serving on /.test(l))!)![1]!;
  }, 120_000);

  afterAll(async () => {
    stop?.();
    await served?.catch(() => undefined);
    await emulator.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the dashboard says how each dataset’s changes arrive; /metrics has the families before any lag', async () => {
    const d = await dashboard();
    // Seven Notion datasets polled (no webhooks configured): every 30 s each.
    expect(arrivals(d, 'books')).toEqual([expect.objectContaining({ source: 'notion', arrival: 'polling', pollIntervalSeconds: 30, lastLagMs: null, lagCount: 0 })]);
    // A two-way dataset: Notion polled, Postgres edits by LISTEN or by reading the recorded changes.
    const meetings = arrivals(d, 'meetings');
    expect(meetings.map((a) => a.source)).toEqual(['notion', 'postgres']);
    expect(meetings[1]!.arrival).toMatch(/^(listen|polling)$/);
    // No Google configured: calendar and gmail have nothing watching them.
    expect(arrivals(d, 'calendar')).toEqual([]);
    const text = await metrics();
    expect(text).toContain('# TYPE jarvis_sync_change_lag_seconds histogram');
    expect(text).toContain('jarvis_sync_change_arrival{dataset="books",source="notion",arrival="polling"} 1');
    expect(text).not.toMatch(/jarvis_sync_change_lag_seconds_count/);
  });

  it("an app's edit synced to Notion is a measured lag: on the dashboard and in the histogram", async () => {
    const [meeting] = emulator.listPages(ids.meetingsDataSource);
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    try {
      await app.query(`UPDATE meetings SET summary = 'Edited by an app' WHERE notion_page_id = $1`, [meeting!.id]);
    } finally {
      await app.end();
    }
    await advanceUntilLine(/sync meetings, postgres: success$/, 10_000);
    // The change rows are deleted (and the lag taken) right after the run.
    let postgres = arrivals(await dashboard(), 'meetings').find((a) => a.source === 'postgres')!;
    for (let i = 0; i < 200 && postgres.lagCount === 0; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      postgres = arrivals(await dashboard(), 'meetings').find((a) => a.source === 'postgres')!;
    }
    expect(postgres).toMatchObject({ lagCount: 1, lastLagMs: expect.any(Number), lastLagAt: expect.any(String) });
    const text = await metrics();
    expect(text).toContain('jarvis_sync_change_lag_seconds_count{dataset="meetings",source="postgres"} 1');
    expect(text).toContain('jarvis_sync_change_lag_seconds_bucket{dataset="meetings",source="postgres",le="+Inf"} 1');
    expect(text).toMatch(/jarvis_sync_change_last_lag_seconds\{dataset="meetings",source="postgres"\} \d/);
  });

  it('a Notion edit found by a poll runs with trigger poll, and its lag is measured', async () => {
    const [book] = emulator.listPages(ids.booksDataSource);
    emulator.updatePage(book!.id, { Author: { rich_text: [{ text: { content: 'Polled' } }] } });
    await advanceUntilLine(/sync books \(1 page\), poll: success$/, 45_000);
    // The pollers settle the lag of a finished run at their next tick.
    for (let waited = 0; waited < 60_000 && !(await metrics()).includes('jarvis_sync_change_lag_seconds_count{dataset="books",source="notion"} 1'); waited += 1_000) {
      await timers.advance(1_000);
      for (let i = 0; i < 300; i++) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await metrics()).toContain('jarvis_sync_change_lag_seconds_count{dataset="books",source="notion"} 1');
    expect(arrivals(await dashboard(), 'books')[0]).toMatchObject({ source: 'notion', arrival: 'polling', lagCount: 1, lastLagMs: expect.any(Number) });
    expect(lines.filter((l) => /sync books.*webhook/.test(l))).toEqual([]);
  });
});
