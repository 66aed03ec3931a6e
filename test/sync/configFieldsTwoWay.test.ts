/**
 * Extra fields from the config on a built-in two-way dataset (issue 14, point 2): tasks.estimate
 * (a number) and tasks.project_ids (a relation to a Projects database that is not synced: page
 * ids), read from Notion and written back from Postgres, on PGlite and PostgreSQL; a computed
 * kind is synced Notion → Postgres only, a Postgres edit to it reported.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { datasetsForTables } from '../../src/engine/dataSource.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

const PROJECTS_DB = 'b0b0b0b0-0000-4000-8000-00000000000a';
const PROJECTS_DS = 'b0b0b0b0-0000-4000-8000-00000000000b';
const ALPHA = 'b0b0b0b0-0000-4000-8000-000000000001';
const BETA = 'b0b0b0b0-0000-4000-8000-000000000002';

const text = (s: string) => [{ text: { content: s } }];

describe.each(storeBackends())('extra fields on a two-way dataset on %s', (kind) => {
  let store: Store;
  let h: TwoWayHarness;
  let dir: string;
  const config = (fields: Record<string, unknown>) => {
    const path = join(dir, `config-${Object.keys(fields).join('-')}.json`);
    writeFileSync(path, JSON.stringify({ datasets: { tasks: { fields } } }));
    return path;
  };

  beforeAll(async () => {
    store = await openTestStore(kind);
    dir = mkdtempSync(join(tmpdir(), 'jarvis-two-way-fields-'));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const setUp = async (fields: Record<string, unknown>) => {
    await resetTables(store);
    h = await createTwoWayHarness(store, { env: { JARVIS_CONFIG: config(fields) } });
    h.emulator.seed({
      databases: [
        {
          id: PROJECTS_DB,
          dataSourceId: PROJECTS_DS,
          title: 'Projects',
          properties: { Name: { type: 'title' } },
          pages: [
            { id: ALPHA, properties: { Name: { title: text('Alpha') } } },
            { id: BETA, properties: { Name: { title: text('Beta') } } },
          ],
        },
      ],
    });
    h.emulator.updateSchema(h.ids.tasksDataSource, {
      Estimate: { number: {} },
      Project: { relation: { data_source_id: PROJECTS_DS } },
      Effort: { formula: { expression: 'prop("Estimate") * 2' } },
    });
    await migrate(store, { datasets: datasetsForTables(h.config.datasets) });
  };
  beforeEach(() => undefined);
  afterEach(async () => {
    await h?.close();
  });

  const task = () => h.emulator.listPages(h.ids.tasksDataSource)[0]!;
  const taskRow = async (pageId: string) => (await store.query<Record<string, any>>('SELECT * FROM tasks WHERE notion_page_id = $1', [pageId])).rows[0]!;

  it('reads tasks.estimate and tasks.project_ids from Notion and writes Postgres edits back', async () => {
    await setUp({ estimate: { property: 'Estimate' }, project_ids: { property: 'Project' } });
    const page = task();
    h.emulator.updatePage(page.id, { Estimate: { number: 3 }, Project: { relation: [{ id: ALPHA }] } });
    const first = (await runAll(h.ctx, {})).find((r) => r.dataset === 'tasks')!;
    expect(first).toMatchObject({ status: 'success', errors: [] });
    expect(await taskRow(page.id)).toMatchObject({ estimate: 3, project_ids: [ALPHA] });

    // Stable: read back and compared, nothing to write either way.
    h.clock.advance(10 * 60_000);
    const writesBefore = h.notionWrites();
    expect(await runTwoWay(h.ctx, h.ds('tasks'), { full: true })).toMatchObject({ status: 'success', created: 0, updated: 0 });
    expect(h.notionWrites()).toBe(writesBefore);

    // Edited in Postgres: written to the page.
    await store.query(`UPDATE tasks SET estimate = 5.5, project_ids = $2::text[] WHERE notion_page_id = $1`, [page.id, [ALPHA, BETA]]);
    h.clock.advance(10 * 60_000);
    const pushed = await runTwoWay(h.ctx, h.ds('tasks'), { full: true });
    expect(pushed).toMatchObject({ status: 'success', errors: [] });
    const after = h.emulator.getPage(page.id)!;
    expect(after.properties.Estimate).toMatchObject({ type: 'number', number: 5.5 });
    expect((after.properties.Project as any).relation.map((r: { id: string }) => r.id)).toEqual([ALPHA, BETA]);

    // Edited in Notion: read into the row.
    h.emulator.updatePage(page.id, { Estimate: { number: 8 } });
    h.clock.advance(10 * 60_000);
    expect(await runTwoWay(h.ctx, h.ds('tasks'), {})).toMatchObject({ status: 'success' });
    expect(await taskRow(page.id)).toMatchObject({ estimate: 8, project_ids: [ALPHA, BETA] });
  });

  it('stops before any write when a mapped extra property is renamed in Notion', async () => {
    await setUp({ estimate: { property: 'Estimate' } });
    await runAll(h.ctx, {});
    const page = task();
    h.emulator.updateSchema(h.ids.tasksDataSource, { Estimate: { name: 'Points' } });
    h.emulator.updatePage(page.id, { Name: { title: text('Renamed task') } });
    h.clock.advance(10 * 60_000);
    const r = await runTwoWay(h.ctx, h.ds('tasks'), {});
    expect(r.status).toBe('error');
    expect(r.errors).toEqual([]);
    expect(r.message).toContain('property "Estimate" (column estimate) was renamed to "Points" in Notion: rename it back, or set datasets.tasks.fields.estimate.property to "Points"');
    expect((await taskRow(page.id)).title).not.toBe('Renamed task');
  });

  it('a computed property on a two-way dataset is synced Notion → Postgres only: a Postgres edit to it is reported, never written', async () => {
    await setUp({ estimate: { property: 'Estimate' }, effort: { property: 'Effort', type: 'numeric' } });
    const page = task();
    h.emulator.updatePage(page.id, { Estimate: { number: 3 } });
    expect((await runAll(h.ctx, {})).find((r) => r.dataset === 'tasks')).toMatchObject({ status: 'success', errors: [] });
    expect(await taskRow(page.id)).toMatchObject({ estimate: 3, effort: 6 });

    // The input edited in Postgres: written to Notion, and the formula Notion recomputed comes back at once.
    await store.query(`UPDATE tasks SET estimate = 4 WHERE notion_page_id = $1`, [page.id]);
    h.clock.advance(10 * 60_000);
    expect(await runTwoWay(h.ctx, h.ds('tasks'), {})).toMatchObject({ status: 'success', errors: [], warnings: [] });
    expect(await taskRow(page.id)).toMatchObject({ estimate: 4, effort: 8 });

    // The formula edited in Postgres: reported, not written; the row takes Notion's value again.
    await store.query(`UPDATE tasks SET effort = 100 WHERE notion_page_id = $1`, [page.id]);
    h.clock.advance(10 * 60_000);
    const writes = h.notionWrites();
    const r = await runTwoWay(h.ctx, h.ds('tasks'), {});
    expect(r).toMatchObject({ status: 'success', errors: [] });
    expect(r.warnings).toEqual([expect.stringContaining('column effort was edited in Postgres to 100, but it is read-only in a two-way dataset ("Effort": a formula, computed by Notion): not written to Notion')]);
    expect(h.notionWrites()).toBe(writes);
    expect(await taskRow(page.id)).toMatchObject({ effort: 8 });
    h.clock.advance(10 * 60_000);
    expect(await runTwoWay(h.ctx, h.ds('tasks'), {})).toMatchObject({ status: 'success', updated: 0, warnings: [] });
    expect(h.notionWrites()).toBe(writes);
  });
});
