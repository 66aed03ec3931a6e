/**
 * `jarvis-sync demo`: a sample Notion workspace served by the local emulator, synced into an
 * embedded PGlite database — the whole product, running with nothing configured. The workspace
 * holds the one-way datasets (books, highlights) and the two-way ones (contacts, meetings, tasks,
 * reflections, journals, each with its "Supabase ID" property already in place).
 */
import { join } from 'node:path';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import { mergeSeeds, sampleNotionWorkspace, sampleTwoWayWorkspace } from '../../../emulators/samples/notionWorkspace.ts';
import { loadConfig, type Config } from '../../config/index.ts';
import { runAll } from '../../engine/runAll.ts';
import type { RunResult } from '../../engine/result.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Store } from '../../store/types.ts';
import { createRunContext, openMigratedStore } from '../app.ts';
import { numberFlag, type ParsedCommand } from '../args.ts';
import { printResult } from '../output.ts';

const DEMO_TOKEN = 'secret_demo_token';

/** The demo's sample workspace, served by a Notion emulator on a local port, and a config pointing at it. */
export interface DemoWorkspace {
  emulator: Emulator;
  ids: DemoIds;
  /** The base config with the emulator's URL, token and database ids (and `env` applied on top). */
  config: Config;
  /** PGlite data directory of the demo (`<JARVIS_DATA_DIR>/demo-pgdata`). */
  dataDir: string;
  url: string;
  /** "12 books, 25 highlights, …" */
  contents: string;
  close(): Promise<void>;
}

export async function startDemoWorkspace(base: Config, env: Record<string, string | undefined> = {}): Promise<DemoWorkspace> {
  const oneWay = sampleNotionWorkspace();
  const twoWay = sampleTwoWayWorkspace();
  const ids: DemoIds = { ...oneWay.ids, ...twoWay.ids };
  const seed = mergeSeeds(oneWay.seed, twoWay.seed);
  const emulator = createNotionEmulator({ seed, tokens: [DEMO_TOKEN], rateLimit: { requestsPerSecond: 3, burst: 10 } });
  const url = await emulator.listen(0, '127.0.0.1');
  const config = loadConfig({
    env: {
      ...process.env,
      NOTION_TOKEN: DEMO_TOKEN,
      NOTION_BASE_URL: url,
      NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
      NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
      NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
      NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase,
      NOTION_TASKS_DATABASE_ID: ids.tasksDatabase,
      NOTION_REFLECTIONS_DATABASE_ID: ids.reflectionsDatabase,
      NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
      DATABASE_URL: '',
      JARVIS_DATA_DIR: base.database.dataDir,
      ...env,
    },
    configPath: base.configFile ?? undefined,
  });
  const count = (dataSource: string, what: string) => `${emulator.listPages(dataSource).length} ${what}`;
  const contents = [
    count(ids.booksDataSource, 'books'),
    count(ids.highlightsDataSource, 'highlights'),
    count(ids.contactsDataSource, 'contacts'),
    count(ids.meetingsDataSource, 'meetings'),
    count(ids.tasksDataSource, 'tasks'),
    count(ids.reflectionsDataSource, 'reflections'),
    count(ids.journalsDataSource, 'journals'),
  ].join(', ');
  return { emulator, ids, config, dataDir: join(config.database.dataDir, 'demo-pgdata'), url, contents, close: () => emulator.close() };
}

export async function demoCommand(cmd: ParsedCommand, base: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  const intervalSeconds = numberFlag(cmd.flags, 'interval', { min: 1, max: 3600 }) ?? 10;
  const demo = await startDemoWorkspace(base);
  const { emulator, ids, config, dataDir, url } = demo;
  let store: Store;
  try {
    store = await openMigratedStore(config, logger, { dataDir });
  } catch (e) {
    await demo.close();
    throw e;
  }
  const ctx = createRunContext(config, store, logger);
  out(`jarvis-sync demo — a sample Notion workspace (${demo.contents}) served by the local Notion emulator at ${url},`);
  out(`synced into the embedded PGlite database at ${dataDir}. No credentials are configured, so this is what \`npm start\` shows.`);
  out('');

  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let ok = true;
  try {
    ok = report(await runAll(ctx, { full: true }), out) && ok;
    const { rows } = await store.query<{ title: string; author: string; highlights: number }>(
      `SELECT b.title, b.author, count(h.id)::int AS highlights FROM books b LEFT JOIN highlights h ON h.book_id = b.id AND h.deleted_at IS NULL
       WHERE b.deleted_at IS NULL GROUP BY b.id, b.title, b.author ORDER BY highlights DESC, b.title LIMIT 3`,
    );
    out('In Postgres now (books with the most highlights — the first has more than Notion puts in one page response):');
    for (const r of rows) out(`  ${r.title} — ${r.author}: ${r.highlights} highlights`);
    if (cmd.flags.once) return ok ? 0 : 1;

    out('');
    out(`Every ${intervalSeconds} s the demo edits the workspace as a user would and syncs again. Ctrl-C stops.`);
    for (let cycle = 1; !stopping; cycle++) {
      await waitOrStop(intervalSeconds * 1000, () => stopping);
      if (stopping) break;
      out(`\n[${new Date().toISOString()}] ${await editLikeAUser(emulator, store, ids, cycle)}`);
      report(await runAll(ctx, { full: cycle % 6 === 0 }), out);
    }
    return ok ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await store.close();
    await emulator.close();
  }
}

function report(results: RunResult[], out: (s: string) => void): boolean {
  for (const r of results) if (r.status !== 'skipped') printResult(r, out);
  return results.every((r) => r.status === 'success' || r.status === 'skipped');
}

async function waitOrStop(ms: number, stopped: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!stopped() && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
}

type Emulator = ReturnType<typeof createNotionEmulator>;
export type DemoIds = ReturnType<typeof sampleNotionWorkspace>['ids'] & ReturnType<typeof sampleTwoWayWorkspace>['ids'];

const TASK_STATUSES = ['Not started', 'In progress', 'Done'];
const plainTitle = (page: { properties: Record<string, any> }, name: string) =>
  ((page.properties[name] as any)?.title ?? []).map((t: any) => t.plain_text).join('');

/**
 * One edit per cycle, rotating through what users do: rate a book, add a highlight, move a task
 * along in Notion, edit a meeting summary in Postgres (as an app reading Supabase would), trash a
 * highlight.
 */
export async function editLikeAUser(emulator: Emulator, store: Store, ids: DemoIds, cycle: number): Promise<string> {
  const books = emulator.listPages(ids.booksDataSource);
  const book = books[cycle % books.length]!;
  const title = plainTitle(book, 'Title');
  switch (cycle % 5) {
    case 1: {
      const rating = (Math.floor(cycle / 5) % 5) + 1;
      emulator.updatePage(book.id, { Rating: { number: rating } });
      return `user rated "${title}" ${rating}/5 in Notion`;
    }
    case 2: {
      emulator.createPage(ids.highlightsDataSource, {
        Text: { title: [{ text: { content: `A new highlight, added in cycle ${cycle}.` } }] },
        Book: { relation: [{ id: book.id }] },
        Location: { rich_text: [{ text: { content: `Location ${cycle * 10}` } }] },
        Highlighted: { date: { start: new Date().toISOString() } },
      });
      return `user added a highlight to "${title}" in Notion`;
    }
    case 3: {
      const tasks = emulator.listPages(ids.tasksDataSource);
      const task = tasks[cycle % tasks.length];
      if (!task) return 'no task to edit';
      const current = (task.properties.Status as any)?.status?.name as string | undefined;
      const next = TASK_STATUSES[(TASK_STATUSES.indexOf(current ?? '') + 1) % TASK_STATUSES.length]!;
      emulator.updatePage(task.id, { Status: { status: { name: next } } });
      return `user moved the task "${plainTitle(task, 'Name')}" to "${next}" in Notion`;
    }
    case 4: {
      const { rows } = await store.query<{ title: string }>(
        `UPDATE meetings SET summary = $1
          WHERE id = (SELECT id FROM meetings WHERE deleted_at IS NULL ORDER BY date, id
                       OFFSET $2::int % greatest((SELECT count(*) FROM meetings WHERE deleted_at IS NULL), 1) LIMIT 1)
        RETURNING title`,
        [`Follow-ups sent on ${new Date().toISOString().slice(0, 10)} ✅`, Math.floor(cycle / 5)],
      );
      return rows[0]
        ? `an app edited the summary of the meeting "${rows[0].title}" in Postgres (the two-way sync carries it to Notion)`
        : 'no meeting in Postgres to edit yet';
    }
    default: {
      const live = emulator.listPages(ids.highlightsDataSource);
      const victim = live[cycle % live.length];
      if (victim) emulator.trashPage(victim.id, true);
      return 'user moved a highlight to the trash in Notion (found by the next full sync)';
    }
  }
}
