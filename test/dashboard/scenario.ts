/**
 * A named situation for the dashboard tests, made by REAL sync runs: the demo's whole sample
 * workspace (books, highlights and the five two-way datasets) in a Notion emulator on a FakeClock,
 * synced twice with `runAll`, so sync_logs holds
 *   - two runs of every configured dataset (the first creates everything, the second is incremental);
 *   - a record error in books on both runs (Notion returns one book whose Rating has the wrong type);
 *   - a conflict in meetings on the second run (its summary edited in Notion and, later, in Postgres);
 *   - ordinary edits before the second run: a book rated, a highlight added and a task moved along in
 *     Notion, a journal written in Postgres.
 * Calendar and gmail stay unconfigured (no Google credentials), as on a Notion-only install.
 */
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { mergeSeeds, sampleNotionWorkspace, sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createNotionConnector } from '../../src/connectors/notion/index.ts';
import type { RunContext } from '../../src/engine/context.ts';
import type { RunResult } from '../../src/engine/result.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Store } from '../../src/store/types.ts';

const TOKEN = 'secret_dashboard_scenario';

export interface DashboardScenario {
  ctx: RunContext;
  config: Config;
  clock: FakeClock;
  emulator: ReturnType<typeof createNotionEmulator>;
  /** The book page Notion keeps returning malformed. */
  brokenBook: string;
  /** The meeting page whose summary was edited on both sides. */
  conflictedMeeting: string;
  /** Every result of both `runAll` passes, in order. */
  first: RunResult[];
  second: RunResult[];
  /** The result of each dataset's latest run. */
  latest(dataset: string): RunResult;
  close(): Promise<void>;
}

export async function syncedScenario(store: Store): Promise<DashboardScenario> {
  // Sync time starts 13 minutes ago and the scenario advances it 12, so the runs' start and end
  // times read naturally beside created_at (which the database stamps with its own clock).
  const clock = new FakeClock(Math.floor(Date.now() / 60_000) * 60_000 - 13 * 60_000);
  const oneWay = sampleNotionWorkspace({ books: 8, highlightsPerBook: 3, firstBookHighlights: 5 });
  const twoWay = sampleTwoWayWorkspace();
  const ids = { ...oneWay.ids, ...twoWay.ids };
  const emulator = createNotionEmulator({ clock, tokens: [TOKEN], seed: mergeSeeds(oneWay.seed, twoWay.seed) });
  const url = await emulator.listen(0, '127.0.0.1');
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
    },
    cwd: '/nonexistent-jarvis-test-cwd',
  });

  const brokenBook = emulator.listPages(ids.booksDataSource)[2]!.id;
  // Schema drift on one page, as Notion might return it: "Rating" comes back as rich_text.
  const mangling: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!res.headers.get('content-type')?.includes('json')) return res;
    const body = (await res.json()) as any;
    for (const p of body.results ?? [body]) if (p?.id === brokenBook && p.properties?.Rating) p.properties.Rating = { id: 'x', type: 'rich_text', rich_text: [] };
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
  const notion = createNotionConnector({ token: TOKEN, baseUrl: url, clock, logger: silentLogger, fetch: mangling, requestsPerSecond: 3 });
  const ctx: RunContext = { store, notion, config, clock, logger: silentLogger };

  const first = await runAll(ctx, {});

  // What a user does between two runs: edits on both sides, one of them on the same field twice.
  clock.advance(10 * 60_000);
  const meeting = emulator.listPages(ids.meetingsDataSource)[0]!.id;
  emulator.updatePage(meeting, { Summary: { rich_text: [{ text: { content: 'Summary edited in Notion' } }] } });
  const book = emulator.listPages(ids.booksDataSource)[0]!;
  emulator.updatePage(book.id, { Rating: { number: 2 } });
  emulator.createPage(ids.highlightsDataSource, {
    Text: { title: [{ text: { content: 'A highlight added between runs.' } }] },
    Book: { relation: [{ id: book.id }] },
  });
  const task = emulator.listPages(ids.tasksDataSource)[1]!.id;
  emulator.updatePage(task, { Status: { status: { name: 'Done' } } });
  clock.advance(2 * 60_000);
  await store.query(`UPDATE meetings SET summary = 'Summary edited in Postgres', updated_at = $2 WHERE notion_page_id = $1`, [meeting, new Date(clock.now())]);
  await store.query(`INSERT INTO journals (title, date, content) VALUES ('Written in an app', '2026-03-01', 'Straight into Postgres')`);
  const second = await runAll(ctx, {});

  const latest = (dataset: string) => {
    const r = [...first, ...second].reverse().find((x) => x.dataset === dataset && x.status !== 'skipped');
    if (!r) throw new Error(`no run of ${dataset}`);
    return r;
  };
  return { ctx, config, clock, emulator, brokenBook, conflictedMeeting: meeting, first, second, latest, close: () => emulator.close() };
}

/** Records a run wrote: what the dashboard charts. */
export const written = (r: RunResult) => r.created + r.updated + r.deleted + r.restored;
