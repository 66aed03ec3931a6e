/**
 * Scenario builder for the two-way steps run alone: the journals dataset as configured, a run on a
 * FakeClock, journal pages as Notion returns them, rows as Postgres holds them, and a store that
 * records its statements instead of running them. Each test brings its own fake Notion connector.
 */
import { loadConfig, type Config, type ResolvedDataset } from '../../../src/config/index.ts';
import type { NotionConnector, NotionPage } from '../../../src/connectors/notion/types.ts';
import type { RunOptions } from '../../../src/engine/context.ts';
import { emptyResult } from '../../../src/engine/result.ts';
import { chooseWindow, RecordErrors, type TwoWayRun } from '../../../src/engine/twoWay/run.ts';
import { FakeClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import type { Store } from '../../../src/store/types.ts';

export const DATA_SOURCE = 'journals-data-source';
export const STARTED = Date.parse('2026-03-02T09:00:00.000Z');

export function journalsConfig(): { config: Config; ds: ResolvedDataset } {
  const config = loadConfig({ env: { NOTION_TOKEN: 'secret_steps', NOTION_JOURNALS_DATABASE_ID: '11111111-1111-4111-8111-111111111111' }, cwd: '/nonexistent-jarvis-test-cwd' });
  return { config, ds: config.datasets.find((d) => d.name === 'journals')! };
}

/** A journal page in Notion's read shape. */
export function journalPage(id: string, opts: { title?: string; edited?: string; rowId?: string | null; created?: string; trashed?: boolean } = {}): NotionPage {
  const text = (s: string) => [{ type: 'text', plain_text: s, text: { content: s } }];
  return {
    object: 'page',
    id,
    created_time: opts.created ?? '2026-03-01T08:00:00.000Z',
    last_edited_time: opts.edited ?? '2026-03-01T08:00:00.000Z',
    in_trash: Boolean(opts.trashed),
    parent: { type: 'data_source_id', data_source_id: DATA_SOURCE },
    properties: {
      Title: { id: 't', type: 'title', title: text(opts.title ?? `Journal ${id}`) },
      Date: { id: 'd', type: 'date', date: { start: '2026-03-01', end: null, time_zone: null } },
      Entry: { id: 'e', type: 'rich_text', rich_text: text('Dear diary') },
      Tags: { id: 'g', type: 'multi_select', multi_select: [{ name: 'calm' }] },
      'Supabase ID': { id: 's', type: 'rich_text', rich_text: opts.rowId ? text(opts.rowId) : [] },
    },
  } as unknown as NotionPage;
}

/** A journals row as the two-way run selects it. */
export function journalRow(id: string, opts: { title?: string; pageId?: string | null; updated?: string } = {}): Record<string, unknown> {
  return {
    id,
    notion_page_id: opts.pageId ?? null,
    title: opts.title ?? `Journal ${id}`,
    date: '2026-03-01',
    content: 'Dear diary',
    tags: ['calm'],
    updated_at: new Date(opts.updated ?? '2026-03-01T08:00:00.000Z'),
    deleted_at: null,
  };
}

/** A store that answers every statement with no rows, and logs each (first words) to `log`. */
export function recordingStore(log: string[]): Store {
  const sql = {
    kind: 'pglite' as const,
    statementCount: 0,
    async query(text: string) {
      log.push(`sql ${text.trim().split(/\s+/).slice(0, 3).join(' ')}`);
      return { rows: [], rowCount: 0 };
    },
    async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
      return fn(sql as Store);
    },
    async close() {},
  };
  return sql as Store;
}

/** A run of journals as startTwoWayRun would make it, with the cursors and options given. */
export function journalsRun(opts: { notion: Partial<NotionConnector>; store?: Store; cursors?: { notion: string | null; pg: string | null }; options?: RunOptions }): TwoWayRun {
  const { config, ds } = journalsConfig();
  const options = opts.options ?? {};
  const result = emptyResult(ds.name, 'incremental', Boolean(options.dryRun));
  const window = chooseWindow(opts.cursors ?? { notion: null, pg: null }, options, STARTED, config.sync.overlapSeconds);
  result.mode = window.full ? 'full' : 'incremental';
  return {
    ctx: { store: opts.store ?? recordingStore([]), notion: opts.notion as NotionConnector, config, clock: new FakeClock(STARTED), logger: silentLogger },
    configured: ds,
    ds,
    dataSourceId: DATA_SOURCE,
    opts: options,
    result,
    started: STARTED,
    dryRun: Boolean(options.dryRun),
    window,
    errors: new RecordErrors(result),
  };
}
