import { describe, expect, it } from 'vitest';
import { nextCursor, windowStart } from '../../src/engine/cursor.ts';
import { planOneWay } from '../../src/engine/planOneWay.ts';
import { checkSafetyValve, SafetyValveError } from '../../src/engine/safetyValve.ts';

const src = (key: string, record: Record<string, any>) => ({ key, editedAt: '2026-01-01T00:00:00.000Z', record });

describe('planOneWay', () => {
  it('creates unknown pages, updates changed fields only, and leaves equal records alone', () => {
    const targets = new Map([
      ['p1', { id: 'r1', record: { title: 'A', rating: 4 }, deletedAt: null }],
      ['p2', { id: 'r2', record: { title: 'B', rating: 3 }, deletedAt: null }],
    ]);
    const plan = planOneWay([src('p1', { title: 'A', rating: 5 }), src('p2', { title: 'B', rating: 3 }), src('p3', { title: 'C', rating: null })], targets);
    expect(plan.unchanged).toBe(1);
    expect(plan.entries).toEqual([
      { action: 'update', key: 'p1', id: 'r1', record: { title: 'A', rating: 5 }, fields: [{ field: 'rating', from: 4, to: 5 }], restore: false },
      { action: 'create', key: 'p3', record: { title: 'C', rating: null } },
    ]);
  });

  it('restores a soft-deleted row whose page is back, even with equal content', () => {
    const targets = new Map([['p1', { id: 'r1', record: { title: 'A' }, deletedAt: '2026-01-01T00:00:00.000Z' }]]);
    const plan = planOneWay([src('p1', { title: 'A' })], targets);
    expect(plan.entries).toEqual([{ action: 'update', key: 'p1', id: 'r1', record: { title: 'A' }, fields: [], restore: true }]);
  });
});

describe('safety valve (spec: abort when the source returns under 10% of the destination)', () => {
  it.each([
    [0, 100, true],
    [9, 100, true],
    [10, 100, false],
    [0, 0, false],
    [5, 5, false],
  ])('source %i vs destination %i → trips: %s', (source, dest, trips) => {
    const run = () => checkSafetyValve(source, dest);
    if (trips) expect(run).toThrow(SafetyValveError);
    else expect(run).not.toThrow();
  });

  it('says what it saw', () => {
    expect(() => checkSafetyValve(0, 250)).toThrow('Safety valve triggered: Notion has 0 records, Postgres has 250. Possible API failure');
  });
});

describe('cursor', () => {
  it('starts the window an overlap before the cursor', () => {
    expect(windowStart('2026-01-01T10:05:00.000Z', 120)).toBe('2026-01-01T10:03:00.000Z');
  });
  it('advances to the newest synced edit but never past a failed record', () => {
    expect(nextCursor('2026-01-01T10:00:00.000Z', ['2026-01-01T10:05:00.000Z', '2026-01-01T10:03:00.000Z'], [], 'x')).toBe('2026-01-01T10:05:00.000Z');
    expect(nextCursor('2026-01-01T10:00:00.000Z', ['2026-01-01T10:05:00.000Z'], ['2026-01-01T10:02:00.000Z'], 'x')).toBe('2026-01-01T10:02:00.000Z');
    expect(nextCursor(null, [], [], '2026-01-01T09:58:00.000Z')).toBe('2026-01-01T09:58:00.000Z');
    expect(nextCursor('2026-01-01T10:00:00.000Z', [], [], 'x')).toBe('2026-01-01T10:00:00.000Z');
  });
  it('never moves past now, so future-dated pages cannot hide the next edits', () => {
    expect(nextCursor(null, ['2027-05-01T00:00:00.000Z'], [], 'x', '2026-01-01T10:00:00.000Z')).toBe('2026-01-01T10:00:00.000Z');
  });
});
