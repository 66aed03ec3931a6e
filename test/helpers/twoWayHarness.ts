/**
 * Scenario builder for two-way tests: the sample two-way workspace (contacts, meetings, tasks,
 * reflections, journals) in a Notion emulator on a FakeClock, our connector on the same clock,
 * and a migrated store.
 */
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createNotionConnector } from '../../src/connectors/notion/index.ts';
import type { RunContext } from '../../src/engine/context.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Store } from '../../src/store/types.ts';

export const TOKEN = 'secret_two_way';

export interface TwoWayHarness {
  clock: FakeClock;
  emulator: ReturnType<typeof createNotionEmulator>;
  ids: ReturnType<typeof sampleTwoWayWorkspace>['ids'];
  config: Config;
  ctx: RunContext;
  store: Store;
  ds(name: string): Config['datasets'][number];
  /** Count of page writes (creates and updates) the emulator received. */
  notionWrites(): number;
  close(): Promise<void>;
}

export async function createTwoWayHarness(
  store: Store,
  opts: {
    sample?: Parameters<typeof sampleTwoWayWorkspace>[0];
    env?: Record<string, string>;
    fetch?: typeof fetch;
    /** Where the fake clock starts; Date.now() lines it up with the database's now() (updated_at). */
    clockStart?: number | string;
  } = {},
): Promise<TwoWayHarness> {
  const clock = new FakeClock(opts.clockStart ?? '2026-03-02T09:00:00.000Z');
  const { seed, ids } = sampleTwoWayWorkspace(opts.sample);
  const emulator = createNotionEmulator({ clock, tokens: [TOKEN], seed });
  const url = await emulator.listen(0, '127.0.0.1');
  const config = loadConfig({
    env: {
      NOTION_TOKEN: TOKEN,
      NOTION_BASE_URL: url,
      NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
      NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase,
      NOTION_TASKS_DATABASE_ID: ids.tasksDatabase,
      NOTION_REFLECTIONS_DATABASE_ID: ids.reflectionsDatabase,
      NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
      ...opts.env,
    },
    cwd: '/nonexistent-jarvis-test-cwd',
  });
  const notion = createNotionConnector({ token: TOKEN, baseUrl: url, clock, logger: silentLogger, fetch: opts.fetch });
  const ctx: RunContext = { store, notion, config, clock, logger: silentLogger };
  return {
    clock,
    emulator,
    ids,
    config,
    ctx,
    store,
    ds: (name) => config.datasets.find((d) => d.name === name)!,
    notionWrites: () => (emulator.requestCounts['POST /v1/pages'] ?? 0) + (emulator.requestCounts['PATCH /v1/pages/:id'] ?? 0),
    close: () => emulator.close(),
  };
}
