import { describe, expect, it } from 'vitest';
import { meetings } from '../../src/datasets/meetings.ts';
import { contacts } from '../../src/datasets/contacts.ts';
import { mergeTwoWay, newerSide } from '../../src/engine/mergeTwoWay.ts';
import { DELETED, planPair } from '../../src/engine/planTwoWay.ts';

const T = Date.parse('2026-03-02T10:00:00.000Z');
const keys = ['title', 'summary'];
const merge = (base: any, notion: any, postgres: any, tN = T, tP = T + 120_000) => mergeTwoWay({ base, notion, postgres, notionEditedAt: tN, postgresEditedAt: tP, keys });

describe('mergeTwoWay (three-way, per field)', () => {
  const B = { title: 'A', summary: 'S' };
  it.each([
    ['nothing changed', B, B, { title: 'A', summary: 'S' }, 0],
    ['Notion changed title only', { title: 'N', summary: 'S' }, B, { title: 'N', summary: 'S' }, 0],
    ['Postgres changed summary only', B, { title: 'A', summary: 'P' }, { title: 'A', summary: 'P' }, 0],
    ['different fields on each side: both survive', { title: 'N', summary: 'S' }, { title: 'A', summary: 'P' }, { title: 'N', summary: 'P' }, 0],
    ['both sides made the same edit: no conflict', { title: 'X', summary: 'S' }, { title: 'X', summary: 'S' }, { title: 'X', summary: 'S' }, 0],
    ['same field, different values: Postgres newer wins', { title: 'N', summary: 'S' }, { title: 'P', summary: 'S' }, { title: 'P', summary: 'S' }, 1],
  ])('%s', (_name, n, p, merged, conflicts) => {
    const r = merge(B, n, p);
    expect(r.merged).toEqual(merged);
    expect(r.conflicts).toHaveLength(conflicts);
  });

  it('logs a conflict with both values, the base and the winner', () => {
    const r = merge(B, { title: 'N', summary: 'S' }, { title: 'P', summary: 'S' }, T + 600_000, T);
    expect(r).toEqual({ merged: { title: 'N', summary: 'S' }, conflicts: [{ field: 'title', notion: 'N', postgres: 'P', base: 'A', winner: 'notion', reason: 'newer' }] });
  });

  it('without a base, the newer record wins whole (the spec’s first-sync rule)', () => {
    const r = merge(null, { title: 'N', summary: 'SN' }, { title: 'P', summary: 'SN' }, T, T + 300_000);
    expect(r.merged).toEqual({ title: 'P', summary: 'SN' });
    expect(r.conflicts).toEqual([expect.objectContaining({ field: 'title', reason: 'first-sync', winner: 'postgres' })]);
  });
});

describe('newerSide (5-second buffer; Notion times are minute-truncated)', () => {
  it.each([
    ['Postgres 2 minutes later', T, T + 120_000, 'postgres', false],
    ['Postgres 10 s earlier', T, T - 10_000, 'notion', false],
    ['Postgres 4 s earlier: within the buffer', T, T - 4_000, 'notion', true],
    ['Postgres 30 s later: inside Notion’s minute, cannot be ordered', T, T + 30_000, 'notion', true],
    ['Postgres 66 s later: past the minute and the buffer', T, T + 66_000, 'postgres', false],
  ])('%s', (_n, tN, tP, winner, tie) => {
    expect(newerSide(tN, tP)).toEqual({ winner, tie });
  });
  it('ties go to the configured side', () => {
    expect(newerSide(T, T + 1_000, 5_000, 'postgres')).toEqual({ winner: 'postgres', tie: true });
  });
});

describe('planPair', () => {
  const opts = { fields: meetings.fields, bufferMs: 5_000, tieWinner: 'notion' as const };
  const rec = (over: Record<string, unknown> = {}) => ({ title: 'M', date: null, end_date: null, summary: null, type: null, contact_ids: [], [DELETED]: false, ...over });

  it('a row without a page is created in Notion; a deleted one stays local', () => {
    expect(planPair({ recordId: 'r', pageId: null, postgres: { recordId: 'r', record: rec(), updatedAt: T, row: {} }, base: null }, opts).action).toBe('create-in-notion');
    expect(planPair({ recordId: 'r', pageId: null, postgres: { recordId: 'r', record: rec({ [DELETED]: true }), updatedAt: T, row: {} }, base: null }, opts).action).toBe('none');
  });

  it('an unchanged record whose base is current is left alone; a side that was not read stands in with the base', () => {
    const entry = planPair({ recordId: 'r', pageId: 'p', postgres: { recordId: 'r', record: rec(), updatedAt: T, row: {} }, base: rec() }, opts);
    expect(entry).toMatchObject({ action: 'none', toNotion: [], toPostgres: [] });
  });

  it('a row deleted in Postgres trashes the page and sends no property edits', () => {
    const entry = planPair({ recordId: 'r', pageId: 'p', postgres: { recordId: 'r', record: rec({ title: 'X', [DELETED]: true }), updatedAt: T, row: {} }, base: rec() }, opts);
    expect(entry.toNotion).toEqual([{ field: DELETED, from: false, to: true }]);
    expect(entry.toPostgres).toEqual([]);
  });

  it('contacts: clearing the primary email in Notion promotes the next address, and Notion gets it too', () => {
    const fields = contacts.fields;
    const base = { name: 'Ada', email: 'a@x.org', phone: null, company: null, notes: null, tags: [], [DELETED]: false };
    const entry = planPair(
      {
        recordId: 'r',
        pageId: 'p',
        notion: { pageId: 'p', record: { ...base, email: null }, editedAt: T },
        postgres: { recordId: 'r', record: base, updatedAt: T - 600_000, row: { emails: ['a@x.org', 'b@x.org'] } },
        base,
      },
      { fields, bufferMs: 5_000, tieWinner: 'notion' },
    );
    expect(entry.final.email).toBe('b@x.org');
    expect(entry.toNotion).toEqual([{ field: 'email', from: null, to: 'b@x.org' }]);
    expect(entry.toPostgres).toEqual([{ field: 'email', from: 'a@x.org', to: 'b@x.org' }]);
  });
});
