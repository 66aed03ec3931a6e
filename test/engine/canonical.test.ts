import { describe, expect, it } from 'vitest';
import { books } from '../../src/datasets/books.ts';
import { highlights } from '../../src/datasets/highlights.ts';
import { canonicalFromNotion, canonicalFromRow, changedFields, normalizeForColumn, recordToColumns } from '../../src/engine/canonical.ts';

describe('canonical records', () => {
  it.each([
    ['text', '', null],
    ['text', 'Dune', 'Dune'],
    ['numeric', '4.5', 4.5],
    ['numeric', null, null],
    ['date', '2026-03-01', '2026-03-01'],
    // a date is a calendar day: a datetime's local date is kept, never shifted through UTC
    ['date', '2026-03-01T23:30:00.000-05:00', '2026-03-01'],
    ['timestamptz', '2026-03-01T10:00:00.000+01:00', '2026-03-01T09:00:00.000Z'],
    ['timestamptz', new Date('2026-03-01T09:00:00Z'), '2026-03-01T09:00:00.000Z'],
    ['text[]', null, []],
    ['text[]', ['b', 'a'], ['b', 'a']],
    ['boolean', false, false],
  ])('normalizes %s %j to %j', (type, input, expected) => {
    expect(normalizeForColumn(type, input)).toEqual(expected);
  });

  it('rejects an invalid date instead of guessing', () => {
    expect(() => normalizeForColumn('date', 'next tuesday')).toThrow(/invalid date/);
    expect(() => normalizeForColumn('timestamptz', 'not a time')).toThrow(/invalid timestamp/);
  });

  it('maps a Notion book and its Postgres row to the same record', () => {
    const raw = {
      title: 'Dune',
      author: 'Frank Herbert',
      status: 'Finished',
      rating: 5,
      finished_at: { start: '2025-04-02', end: null },
      url: null,
      tags: ['Fiction', 'Sci-Fi'],
    };
    const { record } = canonicalFromNotion(books.fields, raw, () => new Map());
    const row = { title: 'Dune', author: 'Frank Herbert', status: 'Finished', rating: 5, finished_at: '2025-04-02', url: null, tags: ['Fiction', 'Sci-Fi'] };
    expect(canonicalFromRow(books.fields, row)).toEqual(record);
    expect(changedFields(record, canonicalFromRow(books.fields, { ...row, rating: 4 }))).toEqual(['rating']);
    expect(recordToColumns(books.fields, record)).toMatchObject({ finished_at: '2025-04-02', tags: ['Fiction', 'Sci-Fi'] });
  });

  it('resolves relation page ids to Postgres ids and reports unresolved targets', () => {
    const map = new Map([['page-a', 'uuid-a']]);
    const ok = canonicalFromNotion(highlights.fields, { text: 't', book_id: ['page-a'], location: '', note: '', highlighted_at: null }, () => map);
    expect(ok.record.book_id).toBe('uuid-a');
    expect(ok.unresolved).toEqual([]);
    const missing = canonicalFromNotion(highlights.fields, { text: 't', book_id: ['page-x'], location: '', note: '', highlighted_at: null }, () => map);
    expect(missing.record.book_id).toBeNull();
    expect(missing.unresolved).toEqual([{ field: 'book_id', pageIds: ['page-x'] }]);
  });

  it('treats array order as meaningful and empty arrays equal to null arrays', () => {
    expect(changedFields({ tags: ['a', 'b'] }, { tags: ['b', 'a'] })).toEqual(['tags']);
    expect(changedFields({ tags: [] }, { tags: normalizeForColumn('text[]', null) })).toEqual([]);
  });
});
