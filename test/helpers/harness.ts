/**
 * Scenario builder for end-to-end sync tests: a Notion emulator on a FakeClock, the official SDK
 * through our connector pointed at it, and a migrated store. Nothing sleeps for real: the
 * connector's pacer and retries sleep on the same FakeClock the emulator reads.
 */
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createNotionConnector } from '../../src/connectors/notion/index.ts';
import type { RunContext } from '../../src/engine/context.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Store } from '../../src/store/types.ts';

export const TOKEN = 'secret_test_token';

export interface Harness {
  clock: FakeClock;
  emulator: ReturnType<typeof createNotionEmulator>;
  ids: ReturnType<typeof sampleNotionWorkspace>['ids'];
  config: Config;
  ctx: RunContext;
  close(): Promise<void>;
}

export async function createHarness(
  store: Store,
  opts: { books?: number; highlightsPerBook?: number; firstBookHighlights?: number; fetch?: typeof fetch; env?: Record<string, string>; queryResultCap?: number } = {},
): Promise<Harness> {
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const { seed, ids } = sampleNotionWorkspace({ books: opts.books, highlightsPerBook: opts.highlightsPerBook, firstBookHighlights: opts.firstBookHighlights });
  const emulator = createNotionEmulator({ clock, tokens: [TOKEN], seed, ...(opts.queryResultCap ? { queryResultCap: opts.queryResultCap } : {}) });
  const url = await emulator.listen(0, '127.0.0.1');
  const config = loadConfig({
    env: {
      NOTION_TOKEN: TOKEN,
      NOTION_BASE_URL: url,
      NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
      NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
      ...opts.env,
    },
    cwd: '/nonexistent-jarvis-test-cwd',
  });
  const notion = createNotionConnector({ token: TOKEN, baseUrl: url, clock, logger: silentLogger, fetch: opts.fetch, requestsPerSecond: 3 });
  const ctx: RunContext = { store, notion, config, clock, logger: silentLogger };
  return { clock, emulator, ids, config, ctx, close: () => emulator.close() };
}

export function dataset(h: Harness, name: string) {
  const ds = h.config.datasets.find((d) => d.name === name);
  if (!ds) throw new Error(`no dataset ${name}`);
  return ds;
}

/** Plain text of a title/rich_text property on an emulator page. */
export function plain(page: { properties: Record<string, any> }, name: string): string {
  const p = page.properties[name];
  return (p[p.type] as Array<{ plain_text: string }>).map((t) => t.plain_text).join('');
}
