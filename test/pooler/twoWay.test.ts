/**
 * A two-way Notion ⇄ Postgres round trip (creates, updates and deletes on both sides) with the
 * store opened through each pooler mode, compared with the same round trip on a direct
 * connection: the same run results, the same rows and pages, no duplicates.
 */
import { beforeAll, expect, it } from 'vitest';
import { runAll } from '../../src/engine/runAll.ts';
import type { RunResult } from '../../src/engine/result.ts';
import type { Store } from '../../src/store/types.ts';
import { plain } from '../helpers/harness.ts';
import { describePoolers, openPoolerTestStore } from '../helpers/poolers.ts';
import { openTestStore } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

const TABLES = ['contacts', 'meetings', 'tasks', 'reflections', 'journals'] as const;
type Table = (typeof TABLES)[number];

interface RoundTripResult {
  /** Per run: [dataset, status, created, updated, deleted, restored] of every dataset that ran. */
  runs: Array<Array<[string, string, number, number, number, number]>>;
  snapshot: Snapshot;
  /** Per table: pages without exactly one row, rows without their page (expected: none). */
  duplicates: Record<Table, string[]>;
}

/** The reference: the round trip on a direct connection, run once for both modes. */
let reference: Promise<RoundTripResult> | undefined;
const onDirectConnection = () =>
  (reference ??= (async () => {
    const store = await openTestStore('postgres');
    try {
      return await roundTrip(store);
    } finally {
      await store.close();
    }
  })());

describePoolers('two-way round trip', (mode) => {
  let direct: RoundTripResult;
  let pooled: RoundTripResult;
  beforeAll(async () => {
    direct = await onDirectConnection();
    const store = await openPoolerTestStore(mode);
    try {
      pooled = await roundTrip(store);
    } finally {
      await store.close();
    }
  });

  it('every run succeeds, and the edits of both sides land on the other (direct connection: the reference)', () => {
    for (const run of [...direct.runs, ...pooled.runs]) for (const [dataset, status] of run) expect([dataset, status]).toEqual([dataset, 'success']);
    const { postgres, notion } = pooled.snapshot;
    expect(postgres.meetings).toContainEqual(expect.objectContaining({ title: 'Renamed in Notion' }));
    expect(postgres.meetings).toContainEqual(expect.objectContaining({ title: 'Born in Notion', deleted: false }));
    expect(notion.meetings).toContainEqual(expect.objectContaining({ Summary: 'Rewritten in Postgres' }));
    expect(notion.reflections).toContainEqual(expect.objectContaining({ Title: 'Born in Postgres', in_trash: false }));
    expect(notion.journals.filter((p) => p.in_trash)).toHaveLength(2);
    expect(postgres.journals.filter((r) => r.deleted)).toHaveLength(2);
    // The last run, with nothing changed since the one before, writes nothing.
    expect(pooled.runs.at(-1)!.every(([, , ...counts]) => counts.every((n) => n === 0))).toBe(true);
  });

  it('the same run results as on a direct connection', () => {
    expect(pooled.runs).toEqual(direct.runs);
  });

  it('the same rows and pages as on a direct connection, one row per page and one page per row', () => {
    expect(pooled.snapshot).toEqual(direct.snapshot);
    for (const table of TABLES) {
      expect(pooled.duplicates[table]).toEqual([]);
    }
  });
});

/**
 * The round trip: first sync, then on each side an update, a create and a delete, an incremental
 * run, a full run (it finds pages trashed in Notion), and a quiet run.
 */
async function roundTrip(store: Store): Promise<RoundTripResult> {
  const h = await createTwoWayHarness(store);
  try {
    const later = () => h.clock.advance(10 * 60_000);
    const runs: RoundTripResult['runs'] = [];
    const run = async (full = false) => runs.push(summarize(await runAll(h.ctx, { full })));
    await run(); // every page becomes a row
    later();
    const [m0, m1] = h.emulator.listPages(h.ids.meetingsDataSource);
    const [j0, j1] = h.emulator.listPages(h.ids.journalsDataSource);
    // Notion: update, create, delete.
    h.emulator.updatePage(m0!.id, { Title: { title: [{ text: { content: 'Renamed in Notion' } }] } });
    h.emulator.createPage(h.ids.meetingsDataSource, { Title: { title: [{ text: { content: 'Born in Notion' } }] } });
    h.emulator.trashPage(j0!.id, true);
    // Postgres: update, create, delete (soft).
    await store.query(`UPDATE meetings SET summary = 'Rewritten in Postgres' WHERE notion_page_id = $1`, [m1!.id]);
    await store.query(`INSERT INTO reflections (title, date, content, mood) VALUES ('Born in Postgres', '2026-03-01', 'A thought', 'Calm')`);
    await store.query(`UPDATE journals SET deleted_at = now() WHERE notion_page_id = $1`, [j1!.id]);
    await run();
    later();
    await run(true); // a page trashed in Notion vanishes from incremental queries; a full run finds it
    later();
    await run(); // nothing changed: nothing written
    return { runs, snapshot: await snapshot(h, store), duplicates: await duplicates(h, store) };
  } finally {
    await h.close();
  }
}

function summarize(results: RunResult[]): RoundTripResult['runs'][number] {
  return results.filter((r) => r.status !== 'skipped').map((r) => [r.dataset, r.status, r.created, r.updated, r.deleted, r.restored]);
}

interface Snapshot {
  postgres: Record<Table, Array<Record<string, unknown>>>;
  notion: Record<Table, Array<Record<string, unknown>>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Both sides, free of what differs between two equal runs: row ids (random uuids) and page ids
 * (handed out in creation order) become the title of the record they name, the database's own
 * timestamps (created_at, updated_at, deleted_at: now()) become whether they are set, and rows and
 * pages are sorted by their content.
 */
async function snapshot(h: TwoWayHarness, store: Store): Promise<Snapshot> {
  const rows = {} as Record<Table, Array<Record<string, any>>>;
  for (const table of TABLES) rows[table] = (await store.query(`SELECT * FROM ${table}`)).rows;
  const pages = {} as Record<Table, ReturnType<TwoWayHarness['emulator']['listPages']>>;
  for (const table of TABLES) pages[table] = h.emulator.listPages(dataSourceOf(h, table), { includeTrashed: true });
  // Every record's name: `table:title`, for the row id and for the page id.
  const names = new Map<string, string>();
  for (const table of TABLES) {
    for (const r of rows[table]) names.set(r.id, `${table}:${r.title ?? r.name}`);
    for (const p of pages[table]) names.set(p.id, `${table}:${titleOf(p)}`);
  }
  const name = (v: unknown): unknown => {
    if (typeof v === 'string' && UUID.test(v)) return names.get(v) ?? 'unknown id';
    if (Array.isArray(v)) return v.map(name);
    if (v instanceof Date) return v.toISOString();
    return v;
  };
  const sorted = (xs: Array<Record<string, unknown>>) => xs.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const result: Snapshot = { postgres: {} as Snapshot['postgres'], notion: {} as Snapshot['notion'] };
  for (const table of TABLES) {
    result.postgres[table] = sorted(
      rows[table].map((r) => {
        const out: Record<string, unknown> = { deleted: r.deleted_at !== null };
        for (const [k, v] of Object.entries(r)) {
          if (k === 'created_at' || k === 'updated_at' || k === 'deleted_at') continue;
          out[k] = name(v);
        }
        return out;
      }),
    );
    result.notion[table] = sorted(
      pages[table].map((p) => {
        const out: Record<string, unknown> = { id: name(p.id), in_trash: Boolean(p.in_trash) };
        for (const [k, prop] of Object.entries(p.properties as Record<string, any>)) out[k] = name(propertyValue(prop));
        return out;
      }),
    );
  }
  return result;
}

/** Pages with no row or several, and rows whose page is missing or shared (expected: none). */
async function duplicates(h: TwoWayHarness, store: Store): Promise<Record<Table, string[]>> {
  const out = {} as Record<Table, string[]>;
  for (const table of TABLES) {
    const problems: string[] = [];
    const { rows } = await store.query<{ id: string; notion_page_id: string | null }>(`SELECT id, notion_page_id FROM ${table}`);
    const pages = h.emulator.listPages(dataSourceOf(h, table), { includeTrashed: true });
    const rowsByPage = new Map<string, number>();
    for (const r of rows) {
      if (!r.notion_page_id) problems.push(`row ${r.id} has no page`);
      else rowsByPage.set(r.notion_page_id, (rowsByPage.get(r.notion_page_id) ?? 0) + 1);
    }
    for (const p of pages) if (rowsByPage.get(p.id) !== 1) problems.push(`page ${p.id} has ${rowsByPage.get(p.id) ?? 0} rows`);
    for (const pageId of rowsByPage.keys()) if (!pages.some((p) => p.id === pageId)) problems.push(`row for page ${pageId}, which does not exist`);
    out[table] = problems;
  }
  return out;
}

function dataSourceOf(h: TwoWayHarness, table: Table): string {
  return h.ids[`${table}DataSource` as keyof TwoWayHarness['ids']] as string;
}

function titleOf(page: { properties: Record<string, any> }): string {
  const [name] = Object.entries(page.properties).find(([, p]) => p.type === 'title')!;
  return plain(page, name);
}

/** A page property's value, as plain data (relations as page ids, rich text as its text). */
function propertyValue(prop: any): unknown {
  const v = prop[prop.type];
  switch (prop.type) {
    case 'title':
    case 'rich_text':
      return (v as Array<{ plain_text: string }>).map((t) => t.plain_text).join('');
    case 'relation':
      return (v as Array<{ id: string }>).map((r) => r.id);
    case 'select':
    case 'status':
      return v?.name ?? null;
    case 'multi_select':
      return (v as Array<{ name: string }>).map((o) => o.name);
    case 'date':
      return v ? { start: v.start, end: v.end ?? null } : null;
    case 'created_time':
    case 'last_edited_time':
      return 'set'; // the emulator's clock: equal in equal runs, but not worth pinning
    default:
      return v ?? null;
  }
}
