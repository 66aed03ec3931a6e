/**
 * `jarvis-sync demo`: a sample Notion workspace served by the local emulator, synced into an
 * embedded PGlite database — the whole product, running with nothing configured.
 */
import { join } from 'node:path';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../../../emulators/samples/notionWorkspace.ts';
import { loadConfig, type Config } from '../../config/index.ts';
import { runAll } from '../../engine/runAll.ts';
import type { RunResult } from '../../engine/result.ts';
import type { Logger } from '../../lib/logger.ts';
import { createRunContext, openMigratedStore } from '../app.ts';
import { numberFlag, type ParsedCommand } from '../args.ts';
import { printResult } from '../output.ts';

const DEMO_TOKEN = 'secret_demo_token';

export async function demoCommand(cmd: ParsedCommand, base: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  const intervalSeconds = numberFlag(cmd.flags, 'interval', { min: 1, max: 3600 }) ?? 10;
  const { seed, ids } = sampleNotionWorkspace();
  const emulator = createNotionEmulator({ seed, tokens: [DEMO_TOKEN], rateLimit: { requestsPerSecond: 3, burst: 10 } });
  const url = await emulator.listen(0, '127.0.0.1');
  const config = loadConfig({
    env: {
      ...process.env,
      NOTION_TOKEN: DEMO_TOKEN,
      NOTION_BASE_URL: url,
      NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
      NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
      DATABASE_URL: '',
      JARVIS_DATA_DIR: base.database.dataDir,
    },
    configPath: base.configFile ?? undefined,
  });
  const dataDir = join(config.database.dataDir, 'demo-pgdata');
  const store = await openMigratedStore(config, logger, { dataDir });
  const ctx = createRunContext(config, store, logger);
  const books = emulator.listPages(ids.booksDataSource).length;
  const highlights = emulator.listPages(ids.highlightsDataSource).length;
  out(`jarvis-sync demo — a sample Notion workspace (${books} books, ${highlights} highlights) served by the local Notion emulator at ${url},`);
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
      out(`\n[${new Date().toISOString()}] ${editLikeAUser(emulator, ids, cycle)}`);
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

/** One edit per cycle, rotating through what users do: rate a book, add a highlight, trash one. */
function editLikeAUser(emulator: Emulator, ids: ReturnType<typeof sampleNotionWorkspace>['ids'], cycle: number): string {
  const books = emulator.listPages(ids.booksDataSource);
  const book = books[cycle % books.length]!;
  const title = (book.properties.Title as any).title.map((t: any) => t.plain_text).join('');
  switch (cycle % 3) {
    case 1: {
      const rating = (cycle % 5) + 1;
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
    default: {
      const live = emulator.listPages(ids.highlightsDataSource);
      const victim = live[cycle % live.length];
      if (victim) emulator.trashPage(victim.id, true);
      return 'user moved a highlight to the trash in Notion (found by the next full sync)';
    }
  }
}
