/**
 * A two-way dataset of your own (issue 14, point 2's two-way half, and point 3's read-only rule),
 * end to end against the Notion emulator on PGlite and PostgreSQL: "projects" is defined in the
 * config alone (`"direction": "two-way"`) and gets every guarantee of the built-in two-way
 * datasets — the row-id property, creates both ways, merge against the base, the conflict rule,
 * echoes, crash-safe creates, soft deletes, the deletion valve, relink. Its read-only fields
 * (a formula, a rollup, created/edited time, unique_id, people, a jsonb copy) arrive in Postgres;
 * a Postgres edit to them is reported, never written to Notion, and the row takes Notion's value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { userDataset, resolveConfigFields } from '../../src/datasets/fromConfig.ts';
import { datasetsForTables } from '../../src/engine/dataSource.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import { runRelink } from '../../src/engine/relink/runRelink.ts';
import type { RunOptions } from '../../src/engine/context.ts';
import { resultsToJson } from '../../src/engine/result.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { plain } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

const PROJECTS_DB = 'c0c0c0c0-0000-4000-8000-00000000000a';
const PROJECTS_DS = 'c0c0c0c0-0000-4000-8000-00000000000b';
const ALPHA = 'c0c0c0c0-0000-4000-8000-000000000001';
const BETA = 'c0c0c0c0-0000-4000-8000-000000000002';
const GAMMA = 'c0c0c0c0-0000-4000-8000-000000000003';

const FIELDS = {
  name: { property: 'Name' },
  points: { property: 'Points' },
  stage: { property: 'Stage' },
  tags: { property: 'Tags' },
  due: { property: 'Due', type: 'date' },
  done: { property: 'Done' },
  task_ids: { property: 'Tasks' },
  // Read-only: computed by Notion, people, a jsonb copy of Due.
  double_points: { property: 'Double', type: 'numeric' },
  task_count: { property: 'Task count' },
  created: { property: 'Created' },
  edited: { property: 'Edited' },
  code: { property: 'Code' },
  owners: { property: 'Owners' },
  due_when: { property: 'Due', type: 'jsonb' },
};

const text = (s: string) => [{ text: { content: s } }];

describe.each(storeBackends())('a two-way dataset of your own on %s', (kind) => {
  let store: Store;
  let h: TwoWayHarness;
  let dir: string;

  beforeAll(async () => {
    store = await openTestStore(kind);
    dir = mkdtempSync(join(tmpdir(), 'jarvis-config-two-way-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ datasets: { projects: { databaseId: PROJECTS_DB, direction: 'two-way', fields: FIELDS } } }));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetTables(store);
    h = await createTwoWayHarness(store, { env: { JARVIS_CONFIG: join(dir, 'config.json') }, sample: { contacts: 2, meetings: 2, tasks: 3, reflections: 1, journals: 1 } });
    const tasks = h.emulator.listPages(h.ids.tasksDataSource).map((p) => p.id);
    h.emulator.seed({
      databases: [
        {
          id: PROJECTS_DB,
          dataSourceId: PROJECTS_DS,
          title: 'Projects',
          properties: {
            Name: { type: 'title' },
            Points: { type: 'number', number: {} },
            Stage: { type: 'select', select: { options: [{ name: 'Idea' }, { name: 'Doing' }, { name: 'Done' }] } },
            Tags: { type: 'multi_select', multi_select: { options: [] } },
            Due: { type: 'date' },
            Done: { type: 'checkbox' },
            Tasks: { type: 'relation', relation: { data_source_id: h.ids.tasksDataSource } },
            Double: { type: 'formula', formula: { expression: 'prop("Points") * 2' } },
            'Task count': { type: 'rollup', rollup: { relation_property_name: 'Tasks', rollup_property_name: 'Name', function: 'count' } },
            Created: { type: 'created_time' },
            Edited: { type: 'last_edited_time' },
            Code: { type: 'unique_id', unique_id: { prefix: 'PRJ' } },
            Owners: { type: 'people' },
            'Supabase ID': { type: 'rich_text' },
          },
          pages: [
            {
              id: ALPHA,
              properties: {
                Name: { title: text('Alpha') },
                Points: { number: 3 },
                Stage: { select: { name: 'Doing' } },
                Tags: { multi_select: [{ name: 'home' }] },
                Due: { date: { start: '2026-04-01' } },
                Tasks: { relation: [{ id: tasks[0] }] },
                Owners: { people: [{ id: h.emulator.personId }] },
              },
            },
            { id: BETA, properties: { Name: { title: text('Beta') }, Points: { number: 5 }, Stage: { select: { name: 'Idea' } } } },
            { id: GAMMA, properties: { Name: { title: text('Gamma') }, Points: { number: 8 } } },
          ],
        },
      ],
    });
    await migrate(store, { datasets: datasetsForTables(h.config.datasets) });
  });
  afterEach(async () => {
    await h?.close();
  });

  const sync = (opts: RunOptions = {}) => runTwoWay(h.ctx, h.ds('projects'), opts);
  const later = (ms = 10 * 60_000) => h.clock.advance(ms);
  const row = async (pageId: string) => (await store.query<Record<string, any>>('SELECT * FROM projects WHERE notion_page_id = $1', [pageId])).rows[0]!;
  const rowById = async (id: string) => (await store.query<Record<string, any>>('SELECT * FROM projects WHERE id = $1', [id])).rows[0]!;
  const versions = async () => (await store.query('SELECT id, xmin::text AS v FROM projects ORDER BY id')).rows;
  const pages = () => h.emulator.listPages(PROJECTS_DS);
  const page = (id: string) => h.emulator.getPage(id)!;
  const first = async () => {
    const results = await runAll(h.ctx, {});
    expect(results.filter((r) => r.status !== 'skipped').map((r) => [r.dataset, r.status])).toEqual([
      ['contacts', 'success'],
      ['meetings', 'success'],
      ['tasks', 'success'],
      ['reflections', 'success'],
      ['journals', 'success'],
      ['projects', 'success'],
    ]);
    return results.find((r) => r.dataset === 'projects')!;
  };

  it('first sync: every page becomes a row, read-only kinds included; the table has the standard columns; a second run writes nothing', async () => {
    expect(await first()).toMatchObject({ created: 3, errors: [], warnings: [] });
    const { rows: cols } = await store.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
        WHERE a.attrelid = 'projects'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    );
    // migrate made the columns the config types (and the standard ones); the first run, which read the schema, the others.
    expect(cols.map((c) => c.name).sort()).toEqual(['id', ...Object.keys(FIELDS), 'notion_page_id', 'notion_updated_at', 'last_sync_source', 'created_at', 'updated_at', 'deleted_at'].sort());
    const { rows: taskRows } = await store.query<{ id: string }>('SELECT id FROM tasks WHERE notion_page_id = $1', [(page(ALPHA).properties.Tasks as any).relation[0].id]);
    const alpha = await row(ALPHA);
    expect(alpha).toMatchObject({
      name: 'Alpha',
      points: 3,
      stage: 'Doing',
      tags: ['home'],
      due: '2026-04-01',
      done: false,
      task_ids: [taskRows[0]!.id],
      double_points: 6,
      task_count: 1,
      code: 'PRJ-1',
      owners: [h.emulator.personId],
      due_when: { start: '2026-04-01', end: null, time_zone: null },
      last_sync_source: 'notion',
      deleted_at: null,
    });
    expect(new Date(alpha.edited).toISOString()).toBe(page(ALPHA).last_edited_time);
    expect(new Date(alpha.created).toISOString()).toBe(page(ALPHA).created_time);

    const writes = h.notionWrites();
    const before = await versions();
    later();
    expect(await sync({ full: true })).toMatchObject({ status: 'success', created: 0, updated: 0, warnings: [] });
    later();
    expect(await sync()).toMatchObject({ status: 'success', created: 0, updated: 0, warnings: [] });
    expect(h.notionWrites()).toBe(writes);
    expect(await versions()).toEqual(before);
  });

  it('a new row becomes a page with its row id (the "Supabase ID" property), its read-only columns filled from Notion at once; nothing echoes', async () => {
    await first();
    const { rows } = await store.query<{ id: string }>(`INSERT INTO projects (name, points, stage, tags, due, done) VALUES ('From Postgres', 4, 'Idea', '{a,b}', '2026-05-01', true) RETURNING id`);
    const id = rows[0]!.id;
    later();
    const r = await sync();
    expect(r).toMatchObject({ status: 'success', errors: [], warnings: [] });
    expect(r.writes?.notion.created).toBe(1);
    const created = pages().filter((p) => plain(p, 'Supabase ID') === id);
    expect(created).toHaveLength(1);
    const p = created[0]!;
    expect(plain(p, 'Name')).toBe('From Postgres');
    expect(p.properties).toMatchObject({ Points: { number: 4 }, Stage: { select: { name: 'Idea' } }, Done: { checkbox: true }, Due: { date: { start: '2026-05-01' } } });
    expect((p.properties.Tags as any).multi_select.map((o: { name: string }) => o.name)).toEqual(['a', 'b']);
    // What Notion computed for the new page reached the row in the same run.
    const created_row = await rowById(id);
    expect(created_row).toMatchObject({ notion_page_id: p.id, double_points: 8, code: 'PRJ-4', task_count: 0, last_sync_source: 'supabase' });
    expect(new Date(created_row.edited).toISOString()).toBe(p.last_edited_time);
    const { rows: changes } = await store.query(`SELECT event_type, details->'changed_fields' AS fields FROM sync_logs WHERE event_type IN ('create_notion_project', 'update_supabase_project') ORDER BY event_type`);
    expect(changes.map((c) => c.event_type)).toEqual(['create_notion_project', 'update_supabase_project']);

    const writes = h.notionWrites();
    const before = await versions();
    for (let i = 0; i < 3; i++) {
      later(60_000 + i * 7_000);
      expect(await sync()).toMatchObject({ status: 'success', created: 0, updated: 0, warnings: [] });
    }
    later();
    expect(await sync({ full: true })).toMatchObject({ status: 'success', created: 0, updated: 0 });
    expect(h.notionWrites()).toBe(writes);
    expect(await versions()).toEqual(before);
  });

  it('Postgres edits reach Notion, Notion edits reach Postgres, edits to different fields of one record both survive; then nothing echoes', async () => {
    await first();
    later();
    await store.query(`UPDATE projects SET points = 10, tags = '{x}', task_ids = '{}' WHERE notion_page_id = $1`, [ALPHA]);
    h.emulator.updatePage(ALPHA, { Stage: { select: { name: 'Done' } } });
    h.emulator.updatePage(BETA, { Name: { title: text('Beta, renamed in Notion') } });
    const r = await sync();
    expect(r).toMatchObject({ status: 'success', conflicts: [], warnings: [] });
    expect(r.writes).toMatchObject({ notion: { updated: 1 }, postgres: { updated: 2 } });
    expect(page(ALPHA).properties).toMatchObject({ Points: { number: 10 }, Stage: { select: { name: 'Done' } }, Tasks: { relation: [] } });
    expect((page(ALPHA).properties.Tags as any).multi_select.map((o: { name: string }) => o.name)).toEqual(['x']);
    const alpha = await row(ALPHA);
    // Both edits on both sides; the formula and the rollup Notion recomputed came back with the write.
    expect(alpha).toMatchObject({ points: 10, stage: 'Done', tags: ['x'], task_ids: [], double_points: 20, task_count: 0 });
    expect(new Date(alpha.edited).toISOString()).toBe(page(ALPHA).last_edited_time);
    expect(await row(BETA)).toMatchObject({ name: 'Beta, renamed in Notion' });

    const writes = h.notionWrites();
    const before = await versions();
    for (let i = 0; i < 3; i++) {
      later(30_000 + i * 11_000);
      expect(await sync()).toMatchObject({ status: 'success', created: 0, updated: 0, warnings: [] });
    }
    expect(h.notionWrites()).toBe(writes);
    expect(await versions()).toEqual(before);
  });

  it('the same field edited on both sides follows the built-in rule: newer wins, the conflict is logged with both values', async () => {
    await first();
    later();
    h.emulator.updatePage(ALPHA, { Points: { number: 11 } });
    h.clock.advance(2 * 60_000);
    await store.query(`UPDATE projects SET points = 12, updated_at = $2 WHERE notion_page_id = $1`, [ALPHA, new Date(h.clock.now())]);
    await store.query(`UPDATE projects SET points = 21 WHERE notion_page_id = $1`, [BETA]);
    h.emulator.updatePage(BETA, { Points: { number: 22 } });
    await store.query(`UPDATE projects SET updated_at = $2 WHERE notion_page_id = $1`, [BETA, new Date(h.clock.now() - 2 * 60_000)]);
    const r = await sync();
    expect(r.status).toBe('success');
    expect(page(ALPHA).properties.Points).toMatchObject({ number: 12 });
    expect(await row(ALPHA)).toMatchObject({ points: 12, double_points: 24 });
    expect(await row(BETA)).toMatchObject({ points: 22, double_points: 44 });
    const { rows } = await store.query(`SELECT details FROM sync_logs WHERE event_type = 'projects_conflict' ORDER BY details->>'notion_value'`);
    expect(rows.map((x) => x.details)).toEqual([
      expect.objectContaining({ field: 'points', notion_value: 11, postgres_value: 12, base_value: 3, winner: 'postgres', reason: 'newer' }),
      expect.objectContaining({ field: 'points', notion_value: 22, postgres_value: 21, base_value: 5, winner: 'notion', reason: 'newer' }),
    ]);
  });

  it('soft deletes both ways: deleted_at trashes the page, a trashed page sets deleted_at (full run); restores too', async () => {
    await first();
    later();
    await store.query(`UPDATE projects SET deleted_at = now() WHERE notion_page_id = $1`, [ALPHA]);
    h.emulator.trashPage(BETA, true);
    const inc = await sync();
    expect(inc.writes?.notion.deleted).toBe(1);
    expect(page(ALPHA).in_trash).toBe(true);
    later();
    const full = await sync({ full: true });
    expect(full.writes?.postgres.deleted).toBe(1);
    expect((await row(BETA)).deleted_at).toBeInstanceOf(Date);
    later();
    await store.query(`UPDATE projects SET deleted_at = NULL WHERE notion_page_id = $1`, [ALPHA]);
    h.emulator.trashPage(BETA, false);
    const restore = await sync();
    expect(restore.writes).toMatchObject({ notion: { restored: 1 }, postgres: { restored: 1 } });
    expect(page(ALPHA).in_trash).toBe(false);
    expect((await row(BETA)).deleted_at).toBeNull();
    expect((await store.query('SELECT count(*)::int AS n FROM projects')).rows[0].n).toBe(3);
  });

  it.each(['create:marked', 'create:notion-accepted', 'create:recorded'])('never duplicates a page when the run dies at %s', async (point) => {
    await first();
    const { rows } = await store.query<{ id: string }>(`INSERT INTO projects (name, points) VALUES ('Crash test', 2) RETURNING id`);
    later();
    h.ctx.failpoint = (name) => {
      if (name === point) throw new Error(`killed at ${name}`);
    };
    expect((await sync()).status).toBe('error');
    h.ctx.failpoint = undefined;
    later();
    expect((await sync()).status).toBe('success');
    later();
    expect((await sync({ full: true })).status).toBe('success');
    const mine = pages().filter((p) => plain(p, 'Supabase ID') === rows[0]!.id);
    expect(mine).toHaveLength(1);
    expect(await rowById(rows[0]!.id)).toMatchObject({ notion_page_id: mine[0]!.id, double_points: 4 });
    expect((await store.query('SELECT count(*)::int AS n FROM projects')).rows[0].n).toBe(pages().length);
  });

  it('the deletion valve stops a mass soft-delete in Postgres unless forced', async () => {
    await first();
    h.ctx.config.sync.deletionValveMinimum = 0;
    await store.query('UPDATE projects SET deleted_at = now()');
    later();
    const r = await sync();
    expect(r.status).toBe('aborted');
    expect(r.message).toMatch(/Deletion valve triggered/);
    expect(pages()).toHaveLength(3);
    expect((await sync({ force: true })).status).toBe('success');
    expect(pages()).toHaveLength(0);
  });

  it('a lost link is rebuilt from the ledger, not duplicated', async () => {
    await first();
    await store.query(`UPDATE projects SET notion_page_id = NULL WHERE notion_page_id = $1`, [BETA]);
    later();
    const r = await sync({ full: true });
    expect(r).toMatchObject({ status: 'success', created: 0 });
    expect(r.relinked).toEqual([expect.objectContaining({ pageId: BETA, source: 'sync_links' })]);
    expect(pages()).toHaveLength(3);

    // `jarvis-sync relink projects`: the link-rebuilding step alone, from the page's row-id property too.
    const { rows } = await store.query<{ id: string }>(`INSERT INTO projects (name) VALUES ('Linked by row id') RETURNING id`);
    later();
    await sync();
    const created = pages().find((p) => plain(p, 'Supabase ID') === rows[0]!.id)!;
    await store.query(`UPDATE projects SET notion_page_id = NULL WHERE id = $1`, [rows[0]!.id]);
    await store.query(`DELETE FROM jarvis_sync.sync_links WHERE dataset = 'projects' AND record_id = $1`, [rows[0]!.id]);
    const relink = await runRelink(h.ctx, h.ds('projects'));
    expect(relink).toMatchObject({ status: 'success', relinked: [{ recordId: rows[0]!.id, pageId: created.id, source: 'row_id' }] });
    expect((await rowById(rows[0]!.id)).notion_page_id).toBe(created.id);
  });

  describe('read-only fields', () => {
    it('a Postgres edit is reported (result, log, --json) and not written to Notion; the row takes Notion’s value; reported once, then quiet', async () => {
      await first();
      later();
      await store.query(`UPDATE projects SET double_points = 99, code = 'MINE-1', owners = '{someone@example.org}', due_when = '{"start":"2030-01-01"}' WHERE notion_page_id = $1`, [ALPHA]);
      const writes = h.notionWrites();
      const alphaId = (await row(ALPHA)).id;
      const r = await sync();
      expect(r).toMatchObject({ status: 'success', errors: [], conflicts: [] });
      expect(h.notionWrites()).toBe(writes);
      expect(page(ALPHA).properties.Points).toMatchObject({ number: 3 });
      expect(r.readOnlyEdits).toEqual([
        { recordId: alphaId, pageId: ALPHA, field: 'double_points', column: 'double_points', property: 'Double', postgres: 99, notion: 6, reason: 'a formula, computed by Notion' },
        { recordId: alphaId, pageId: ALPHA, field: 'code', column: 'code', property: 'Code', postgres: 'MINE-1', notion: 'PRJ-1', reason: 'a unique_id, computed by Notion' },
        expect.objectContaining({ field: 'owners', postgres: ['someone@example.org'], notion: [h.emulator.personId], reason: expect.stringMatching(/^people, chosen in Notion/) }),
        expect.objectContaining({ field: 'due_when', postgres: '{"start":"2030-01-01"}', reason: "a date mapped to jsonb, a copy of Notion's value" }),
      ]);
      expect(r.warnings[0]).toBe(
        `row ${alphaId} (page ${ALPHA}): column double_points was edited in Postgres to 99, but it is read-only in a two-way dataset ("Double": a formula, computed by Notion): not written to Notion; the row takes Notion's value 6 again`,
      );
      expect(await row(ALPHA)).toMatchObject({ double_points: 6, code: 'PRJ-1', owners: [h.emulator.personId], due_when: { start: '2026-04-01', end: null, time_zone: null } });
      const { rows: logged } = await store.query<{ status: string; message: string }>(`SELECT status, message FROM sync_logs WHERE event_type = 'projects_record' ORDER BY message`);
      expect(logged).toHaveLength(4);
      expect(logged.every((l) => l.status === 'warning' && l.message.includes(`row ${alphaId}`))).toBe(true);
      expect(resultsToJson([r]).datasets[0]!.read_only_edits![0]).toEqual({
        record_id: alphaId,
        notion_page_id: ALPHA,
        field: 'double_points',
        column: 'double_points',
        property: 'Double',
        postgres_value: 99,
        notion_value: 6,
        reason: 'a formula, computed by Notion',
      });

      const before = await versions();
      for (let i = 0; i < 3; i++) {
        later();
        expect(await sync(i === 2 ? { full: true } : {})).toMatchObject({ status: 'success', created: 0, updated: 0, warnings: [] });
      }
      expect(h.notionWrites()).toBe(writes);
      expect(await versions()).toEqual(before);
    });

    it('an edit to a read-only field and one to a writable field of the same row: the writable one reaches Notion, the read-only one is reported', async () => {
      await first();
      later();
      await store.query(`UPDATE projects SET points = 7, double_points = 1 WHERE notion_page_id = $1`, [GAMMA]);
      const r = await sync();
      expect(r).toMatchObject({ status: 'success', errors: [] });
      expect(r.readOnlyEdits?.map((e) => [e.field, e.postgres, e.notion])).toEqual([['double_points', 1, 16]]);
      expect(page(GAMMA).properties).toMatchObject({ Points: { number: 7 }, Double: { formula: { type: 'number', number: 14 } } });
      expect(await row(GAMMA)).toMatchObject({ points: 7, double_points: 14 });
      later();
      expect(await sync()).toMatchObject({ created: 0, updated: 0, warnings: [] });
    });

    it('a value given to a read-only column of a new row is reported and not sent; the row takes the new page’s value', async () => {
      await first();
      const { rows } = await store.query<{ id: string }>(`INSERT INTO projects (name, points, double_points, code) VALUES ('Given', 1, 50, 'X-9') RETURNING id`);
      later();
      const r = await sync();
      expect(r).toMatchObject({ status: 'success', errors: [] });
      expect(r.writes?.notion.created).toBe(1);
      expect(r.readOnlyEdits?.map((e) => [e.field, e.postgres])).toEqual([
        ['double_points', 50],
        ['code', 'X-9'],
      ]);
      expect(r.warnings).toContain(
        `row ${rows[0]!.id}: column double_points holds 50, but it is read-only in a two-way dataset ("Double": a formula, computed by Notion): not sent with the new page; the row takes the page's value`,
      );
      expect(await rowById(rows[0]!.id)).toMatchObject({ double_points: 2, code: 'PRJ-4' });
      later();
      expect(await sync()).toMatchObject({ created: 0, updated: 0, warnings: [] });
    });

    it('Notion changing a computed value (the formula’s input edited in Notion) reaches Postgres without a report', async () => {
      await first();
      later();
      h.emulator.updatePage(BETA, { Points: { number: 6 } });
      const r = await sync();
      expect(r).toMatchObject({ status: 'success', warnings: [], updated: 1 });
      expect(r.readOnlyEdits).toBeUndefined();
      expect(await row(BETA)).toMatchObject({ points: 6, double_points: 12 });
    });
  });
});

describe('config: two-way datasets of your own', () => {
  const load = (datasets: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-config-two-way-load-'));
    try {
      writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify({ datasets }));
      return loadConfig({ env: {}, cwd: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('are accepted, with the row-id property "Supabase ID" unless rowIdProperty names another', () => {
    const config = load({
      projects: { databaseId: PROJECTS_DB, direction: 'two-way', fields: { name: { property: 'Name' } } },
      goals: { databaseId: PROJECTS_DB.replace('c0c0', 'd0d0'), direction: 'two-way', table: 'my_goals', rowIdProperty: 'Row', fields: { name: { property: 'Name' } } },
    });
    expect(config.datasets.find((d) => d.name === 'projects')).toMatchObject({ pattern: 'two-way', table: 'projects', rowIdProperty: 'Supabase ID', userDefined: true });
    expect(config.datasets.find((d) => d.name === 'goals')).toMatchObject({ pattern: 'two-way', table: 'my_goals', rowIdProperty: 'Row' });
  });

  it('refuses, one line each, a field mapped to the row-id property (built-in datasets too) along with the other problems', () => {
    const lines = (datasets: Record<string, unknown>) => {
      try {
        load(datasets);
      } catch (e) {
        return (e as Error).message.split('\n').map((l) => l.replace(/^.*?: datasets\./, 'datasets.'));
      }
      throw new Error('not refused');
    };
    expect(
      lines({
        projects: { databaseId: PROJECTS_DB, direction: 'two-way', fields: { name: { property: 'Name' }, row: { property: 'Supabase ID' } } },
        goals: { direction: 'two-way', rowIdProperty: 'Row', fields: { name: { property: 'Name' }, row: { property: 'Row' } }, columns: { a: 'b' } },
      }),
    ).toEqual([
      `datasets.projects.fields.row: "Supabase ID" is the row-id property of this two-way dataset (it holds each page's Postgres id): map another property`,
      'datasets.goals.columns: applies to built-in datasets; a dataset of your own names its columns by the keys of fields',
      `datasets.goals.fields.row: "Row" is the row-id property of this two-way dataset (it holds each page's Postgres id): map another property`,
    ]);
    expect(lines({ tasks: { fields: { row_id: { property: 'Supabase ID' } } } })).toEqual([
      `datasets.tasks.fields.row_id: "Supabase ID" is the row-id property of this two-way dataset (it holds each page's Postgres id): map another property`,
    ]);
    expect(lines({ tasks: { rowIdProperty: 'Row key', fields: { row_id: { property: 'Row key' } } } })).toEqual([
      `datasets.tasks.fields.row_id: "Row key" is the row-id property of this two-way dataset (it holds each page's Postgres id): map another property`,
    ]);
  });
});

describe('which fields of a two-way dataset are read-only', () => {
  const schema = {
    Name: { id: 'a', name: 'Name', type: 'title' },
    Due: { id: 'b', name: 'Due', type: 'date' },
    Place: { id: 'c', name: 'Place', type: 'place' },
    Owners: { id: 'd', name: 'Owners', type: 'people' },
    Total: { id: 'e', name: 'Total', type: 'rollup', rollup: { function: 'sum' } },
    Photos: { id: 'f', name: 'Photos', type: 'files' },
  };
  const resolve = (direction: 'two-way' | 'notion-to-postgres') => {
    const ds = userDataset({
      name: 'projects',
      direction,
      fields: { name: { property: 'Name' }, due: { property: 'Due', type: 'date' }, due_at: { property: 'Due' }, due_when: { property: 'Due', type: 'jsonb' }, place: { property: 'Place' }, owners: { property: 'Owners' }, total: { property: 'Total' }, photos: { property: 'Photos' } },
    });
    const { fields, problems } = resolveConfigFields(ds, schema, () => null);
    expect(problems).toEqual([]);
    return Object.fromEntries(fields.map((f) => [f.field, f.readOnly ?? null]));
  };

  it('the kinds Notion computes, people, files, jsonb columns and a second column of one property; nothing in a one-way dataset', () => {
    expect(resolve('two-way')).toEqual({
      name: null,
      due: null,
      due_at: 'also mapped to column due, which writes it back',
      due_when: "a date mapped to jsonb, a copy of Notion's value",
      place: "a place mapped to jsonb, a copy of Notion's value",
      owners: 'people, chosen in Notion (the column holds e-mails; Notion takes user ids)',
      total: 'a rollup, computed by Notion',
      photos: 'files, attached in Notion (Notion-hosted URLs expire and cannot be written back)',
    });
    expect(Object.values(resolve('notion-to-postgres')).every((r) => r === null)).toBe(true);
  });

  it('a field on the row-id property is refused when the schema is read too', () => {
    const ds = userDataset({ name: 'projects', direction: 'two-way', fields: { row: { property: 'Supabase ID' } } });
    expect(resolveConfigFields(ds, { 'Supabase ID': { id: 'z', name: 'Supabase ID', type: 'rich_text' } }, () => null).problems).toEqual([
      `datasets.projects.fields.row: "Supabase ID" is the row-id property of this two-way dataset (it holds each page's Postgres id): map another property`,
    ]);
  });
});
