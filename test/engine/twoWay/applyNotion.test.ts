/**
 * The Notion write step of a two-way run, alone, with a fake Notion connector and a store that only
 * records its statements: what each planned record sends, in which order against the ledger (a
 * create is marked before it is sent, an update records what it is about to write), how a
 * concurrent edit is merged again and retried once, and that a refused write fails its record alone.
 */
import { describe, expect, it } from 'vitest';
import { NotionSyncError } from '../../../src/connectors/notion/errors.ts';
import type { NotionConnector, NotionPage } from '../../../src/connectors/notion/types.ts';
import { planPair, type PairInput, type TwoWayEntry } from '../../../src/engine/planTwoWay.ts';
import { applyNotionWrites } from '../../../src/engine/twoWay/applyNotion.ts';
import { notionState, readNotionPage } from '../../../src/engine/twoWay/notionSide.ts';
import type { TwoWayPlan } from '../../../src/engine/twoWay/plan.ts';
import { postgresState } from '../../../src/engine/twoWay/postgresSide.ts';
import type { TwoWayRun } from '../../../src/engine/twoWay/run.ts';
import { journalPage, journalRow, journalsRun, recordingStore } from './fixtures.ts';

const R1 = '0b9a3c1e-0000-4000-8000-000000000001';
const R2 = '0b9a3c1e-0000-4000-8000-000000000002';
const R3 = '0b9a3c1e-0000-4000-8000-000000000003';

/** Plans the given pairs the way the plan step does (journals' merge options). */
function planOf(run: TwoWayRun, inputs: PairInput[]): TwoWayPlan {
  const { ds, ctx } = run;
  const planOpts = { fields: ds.fields, bufferMs: ctx.config.sync.conflictBufferSeconds * 1000, tieWinner: ctx.config.sync.tieWinner };
  const entries = inputs.map((i) => planPair(i, planOpts));
  return { entries, active: entries.filter((e) => e.action !== 'none'), inputs: new Map(entries.map((e, i) => [e, inputs[i]!])), notionStates: new Map(), relationIds: new Map(), planOpts };
}

/** A row retitled in Postgres since the last sync of its page (the base: both sides agreed on `Journal <id>`). */
function retitled(run: TwoWayRun, recordId: string, pageId: string, title: string): PairInput {
  const page = journalPage(pageId, { rowId: recordId });
  const notion = notionState(run.ds, readNotionPage(run.ds, page), () => new Map());
  const postgres = postgresState(run.ds, journalRow(recordId, { pageId, title, updated: '2026-03-02T08:50:00.000Z' }));
  return { recordId, pageId, notion, postgres, base: { ...notion.record } };
}

/** A fake connector: creates and updates answer with a page edited now; `updateAnswers` scripts updates (an error is thrown). */
function fakeNotion(log: string[], updateAnswers: Array<Error | 'ok'> = []) {
  const sent: Array<{ pageId?: string; properties?: Record<string, any>; in_trash?: boolean }> = [];
  const answer = (id: string): NotionPage => ({ ...journalPage(id), last_edited_time: '2026-03-02T09:00:00.000Z' });
  const notion: Partial<NotionConnector> = {
    async createPage(_dataSource: string, properties: Record<string, any>) {
      log.push('notion create');
      sent.push({ properties });
      return answer('p-created');
    },
    async updatePage(pageId: string, patch: { properties?: Record<string, any>; in_trash?: boolean }) {
      log.push(`notion update ${pageId}`);
      sent.push({ pageId, ...patch });
      const next = updateAnswers.shift() ?? 'ok';
      if (next instanceof Error) throw next;
      return answer(pageId);
    },
    async retrievePage(pageId: string) {
      log.push(`notion retrieve ${pageId}`);
      // Someone changed the page's entry meanwhile (its title is still the agreed one).
      const page = journalPage(pageId, { rowId: R2, edited: '2026-03-02T08:59:00.000Z' });
      (page.properties as any).Entry.rich_text = [{ type: 'text', plain_text: 'Edited in Notion', text: { content: 'Edited in Notion' } }];
      return page;
    },
  };
  return { notion, sent };
}

describe('applyNotionWrites', () => {
  it('marks a create in the ledger before sending it, sends every field with the row id, and returns the entry with its new page', async () => {
    const log: string[] = [];
    const { notion, sent } = fakeNotion(log);
    const run = journalsRun({ notion, store: recordingStore(log), cursors: { notion: null, pg: null } });
    const plan = planOf(run, [{ recordId: R1, pageId: null, postgres: postgresState(run.ds, journalRow(R1, { title: 'New entry' })), base: null }]);
    expect(plan.active.map((e) => e.action)).toEqual(['create-in-notion']);

    const done = await applyNotionWrites(run, plan);
    expect(log).toEqual(['sql INSERT INTO jarvis_sync.sync_links', 'notion create']);
    expect(Object.keys(sent[0]!.properties!).sort()).toEqual(['Date', 'Entry', 'Supabase ID', 'Tags', 'Title']);
    expect(sent[0]!.properties!['Supabase ID'].rich_text[0].text.content).toBe(R1);
    expect(sent[0]!.properties!.Title.title[0].text.content).toBe('New entry');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ action: 'create-in-notion', recordId: R1, pageId: 'p-created', notionEditedAt: Date.parse('2026-03-02T09:00:00.000Z') });
    expect(run.result.errors).toEqual([]);
  });

  it('records what an update is about to write before sending only the changed properties', async () => {
    const log: string[] = [];
    const { notion, sent } = fakeNotion(log);
    const run = journalsRun({ notion, store: recordingStore(log), cursors: { notion: null, pg: null } });
    const plan = planOf(run, [retitled(run, R1, 'p1', 'Renamed in Postgres')]);
    expect(plan.active[0]!.toNotion.map((c) => c.field)).toEqual(['title']);

    const done = await applyNotionWrites(run, plan);
    expect(log).toEqual(['sql INSERT INTO jarvis_sync.sync_links', 'notion update p1']);
    expect(sent).toEqual([{ pageId: 'p1', properties: { Title: expect.objectContaining({ title: [expect.objectContaining({ text: { content: 'Renamed in Postgres' } })] }) } }]);
    expect(done[0]).toMatchObject({ pageId: 'p1', notionEditedAt: Date.parse('2026-03-02T09:00:00.000Z') });
  });

  it('a concurrent edit (409): re-reads the page, merges again with its new value and retries once', async () => {
    const log: string[] = [];
    const conflict = new NotionSyncError({ kind: 'conflict', status: 409, message: 'Notion PATCH /v1/pages/:id failed (409 conflict_error)' });
    const { notion, sent } = fakeNotion(log, [conflict, 'ok']);
    const run = journalsRun({ notion, store: recordingStore(log), cursors: { notion: null, pg: null } });
    const plan = planOf(run, [retitled(run, R2, 'p2', 'Renamed in Postgres')]);

    const done = await applyNotionWrites(run, plan);
    expect(log).toEqual(['sql INSERT INTO jarvis_sync.sync_links', 'notion update p2', 'notion retrieve p2', 'notion update p2']);
    // The retry still sends the Postgres title; the Notion edit made meanwhile goes to Postgres instead.
    expect(Object.keys(sent[1]!.properties!)).toEqual(['Title']);
    const entry = done[0] as TwoWayEntry;
    expect(entry.final).toMatchObject({ title: 'Renamed in Postgres', content: 'Edited in Notion' });
    expect(entry.toPostgres.map((c) => c.field)).toEqual(['content']);
    expect(run.result.errors).toEqual([]);
  });

  it('a refused write fails its record alone (not returned, so not written to Postgres); the next record is still written', async () => {
    const log: string[] = [];
    const refused = new NotionSyncError({ kind: 'validation', status: 400, message: 'Notion PATCH /v1/pages/:id failed (400 validation_error): Title is too long' });
    const { notion } = fakeNotion(log, [refused, 'ok']);
    const run = journalsRun({ notion, store: recordingStore(log), cursors: { notion: null, pg: null } });
    const plan = planOf(run, [retitled(run, R1, 'p1', 'x'.repeat(10)), retitled(run, R3, 'p3', 'Fine')]);

    const done = await applyNotionWrites(run, plan);
    expect(done.map((e) => e.recordId)).toEqual([R3]);
    expect(run.result.errors).toEqual([{ key: R1, keyIs: 'record_id', error: refused.message, kind: 'validation' }]);
    // A validation error that is not about a trashed page is not retried.
    expect(log.filter((l) => l.startsWith('notion'))).toEqual(['notion update p1', 'notion update p3']);
  });
});
