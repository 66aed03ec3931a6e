import { describe, expect, it } from 'vitest';
import {
  Build,
  Extract,
  NotionSyncError,
  PROPERTY_TYPES,
  buildValue,
  extractValue,
  splitText,
  type CanonicalValue,
  type NotionPropertyType,
  type PageLike,
} from '../../../src/connectors/notion/index.ts';
import { richTextItem } from './mock-notion.ts';

const PAGE_ID = '11111111-2222-3333-4444-555555555555';
const REL_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const REL_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const date = (start: string, end: string | null = null, time_zone: string | null = null) => ({ start, end, time_zone });

/** [type, property value as Notion returns it, canonical value] — one row per reading case. */
const readCases: Array<[NotionPropertyType, Record<string, unknown>, CanonicalValue]> = [
  ['title', { title: [richTextItem('Hello '), richTextItem('world')] }, 'Hello world'],
  ['title', { title: [] }, ''],
  ['rich_text', { rich_text: [richTextItem('a'), { type: 'mention', mention: {}, plain_text: '@Ada', href: null }] }, 'a@Ada'],
  ['rich_text', { rich_text: [] }, ''],
  ['number', { number: 12.5 }, 12.5],
  ['number', { number: 0 }, 0],
  ['number', { number: null }, null],
  ['select', { select: { id: 'x', name: 'Reading', color: 'blue' } }, 'Reading'],
  ['select', { select: null }, null],
  ['multi_select', { multi_select: [{ id: '1', name: 'a', color: 'red' }, { id: '2', name: 'b', color: 'red' }] }, ['a', 'b']],
  ['multi_select', { multi_select: [] }, []],
  ['status', { status: { id: 's', name: 'Done', color: 'green' } }, 'Done'],
  ['status', { status: null }, null],
  ['date', { date: { start: '2026-01-02', end: null, time_zone: null } }, date('2026-01-02')],
  ['date', { date: { start: '2026-01-02T10:00:00.000+01:00', end: '2026-01-02T11:00:00.000+01:00', time_zone: 'Europe/Berlin' } }, date('2026-01-02T10:00:00.000+01:00', '2026-01-02T11:00:00.000+01:00', 'Europe/Berlin')],
  ['date', { date: null }, null],
  ['checkbox', { checkbox: true }, true],
  ['checkbox', { checkbox: false }, false],
  ['url', { url: 'https://example.com' }, 'https://example.com'],
  ['url', { url: null }, null],
  ['email', { email: 'a@b.c' }, 'a@b.c'],
  ['email', { email: null }, null],
  ['phone_number', { phone_number: '+49 30 1234' }, '+49 30 1234'],
  ['phone_number', { phone_number: null }, null],
  ['relation', { relation: [{ id: REL_A }, { id: REL_B.replace(/-/g, '').toUpperCase() }], has_more: false }, [REL_A, REL_B]],
  ['relation', { relation: [], has_more: false }, []],
  ['people', { people: [{ object: 'user', id: 'u1' }, { object: 'user', id: 'u2', name: 'Ada', type: 'person', person: {} }] }, ['u1', 'u2']],
  ['files', { files: [{ name: 'a.pdf', type: 'file', file: { url: 'https://s3/a.pdf', expiry_time: '2026-01-05T10:00:00.000Z' } }, { name: 'site', type: 'external', external: { url: 'https://x.y' } }] }, [{ name: 'a.pdf', url: 'https://s3/a.pdf', type: 'file' }, { name: 'site', url: 'https://x.y', type: 'external' }]],
  ['formula', { formula: { type: 'string', string: 'hi' } }, 'hi'],
  ['formula', { formula: { type: 'number', number: 3 } }, 3],
  ['formula', { formula: { type: 'boolean', boolean: false } }, false],
  ['formula', { formula: { type: 'date', date: { start: '2026-01-02', end: null, time_zone: null } } }, date('2026-01-02')],
  ['formula', { formula: { type: 'string', string: null } }, null],
  ['rollup', { rollup: { type: 'number', number: 7, function: 'sum' } }, 7],
  ['rollup', { rollup: { type: 'date', date: { start: '2026-01-02', end: null, time_zone: null }, function: 'latest_date' } }, date('2026-01-02')],
  ['rollup', { rollup: { type: 'array', array: [{ type: 'title', title: [richTextItem('x')] }, { type: 'number', number: 2 }], function: 'show_original' } }, ['x', 2]],
  ['rollup', { rollup: { type: 'unsupported', unsupported: {}, function: 'count' } }, null],
  ['created_time', { created_time: '2026-01-05T08:00:00.000Z' }, '2026-01-05T08:00:00.000Z'],
  ['last_edited_time', { last_edited_time: '2026-01-05T08:30:00.000Z' }, '2026-01-05T08:30:00.000Z'],
  ['created_by', { created_by: { object: 'user', id: 'u1' } }, 'u1'],
  ['last_edited_by', { last_edited_by: { object: 'user', id: 'bot-1' } }, 'bot-1'],
  ['unique_id', { unique_id: { prefix: 'TASK', number: 12 } }, 'TASK-12'],
  ['unique_id', { unique_id: { prefix: null, number: 12 } }, '12'],
  ['unique_id', { unique_id: { prefix: null, number: null } }, null],
  ['verification', { verification: { state: 'verified', date: { start: '2026-01-02', end: null, time_zone: null }, verified_by: { object: 'user', id: 'u1' } } }, { state: 'verified', date: date('2026-01-02'), verified_by: 'u1' }],
  ['verification', { verification: { state: 'unverified', date: null, verified_by: null } }, { state: 'unverified', date: null, verified_by: null }],
  ['place', { place: { lat: 52.5, lon: 13.4, name: 'Berlin', address: null } }, { lat: 52.5, lon: 13.4, name: 'Berlin', address: null }],
  ['place', { place: null }, null],
  ['button', { button: {} }, null],
];

function pageWith(type: string, value: Record<string, unknown>): PageLike {
  return { id: PAGE_ID, properties: { Prop: { id: 'p1', type, ...value } } };
}

describe('reading property values', () => {
  it.each(readCases)('Extract.%s reads %j', (type, value, expected) => {
    const page = pageWith(type, value);
    expect(Extract[type](page, 'Prop')).toEqual(expected);
    expect(extractValue(page.properties.Prop!)).toEqual(expected);
  });

  it('covers every property type', () => {
    expect(new Set(readCases.map(([t]) => t))).toEqual(new Set(PROPERTY_TYPES));
  });

  it('refuses a missing property, naming it, the expected type and the properties present', () => {
    const page = pageWith('title', { title: [] });
    expect(() => Extract.rich_text(page, 'Summary')).toThrow(NotionSyncError);
    expect(() => Extract.rich_text(page, 'Summary')).toThrow(/"Summary" is missing on page 11111111.*expected type rich_text.*Prop/);
    try {
      Extract.rich_text(page, 'Summary');
    } catch (e) {
      expect((e as NotionSyncError).kind).toBe('validation');
    }
  });

  it('refuses a property of another type, naming expected and actual', () => {
    const page = pageWith('select', { select: null });
    expect(() => Extract.rich_text(page, 'Prop')).toThrow(/"Prop" on page .* has type select, expected rich_text/);
  });

  it('does not read prototype keys as properties', () => {
    expect(() => Extract.title(pageWith('title', { title: [] }), 'constructor')).toThrow(/missing/);
  });

  it('refuses a relation still truncated by Notion (has_more) rather than reading 25 of N', () => {
    const page = pageWith('relation', { relation: [{ id: REL_A }], has_more: true });
    expect(() => Extract.relation(page, 'Prop')).toThrow(/truncated \(has_more\)/);
  });

  it('refuses an unsupported property type', () => {
    expect(() => extractValue({ id: 'x', type: 'hologram', hologram: 1 }, 'H')).toThrow(/"H": type "hologram" is not supported/);
  });
});

/** [case, built value, expected request value] */
const buildCases: Array<[string, unknown, unknown]> = [
  ['title', Build.title('Hello'), { title: [{ type: 'text', text: { content: 'Hello' } }] }],
  ['title empty', Build.title(''), { title: [] }],
  ['title null', Build.title(null), { title: [] }],
  ['rich_text', Build.rich_text('x'), { rich_text: [{ type: 'text', text: { content: 'x' } }] }],
  ['rich_text null', Build.rich_text(null), { rich_text: [] }],
  ['number', Build.number(12.5), { number: 12.5 }],
  ['number from numeric string (pg numeric)', Build.number('42.10'), { number: 42.1 }],
  ['number null', Build.number(null), { number: null }],
  ['select', Build.select('Reading'), { select: { name: 'Reading' } }],
  ['select null', Build.select(null), { select: null }],
  ['select empty', Build.select(''), { select: null }],
  ['multi_select (deduplicated)', Build.multi_select(['a', 'b', 'a']), { multi_select: [{ name: 'a' }, { name: 'b' }] }],
  ['multi_select null', Build.multi_select(null), { multi_select: [] }],
  ['status', Build.status('Done'), { status: { name: 'Done' } }],
  ['date string', Build.date('2026-01-02'), { date: { start: '2026-01-02' } }],
  ['date object', Build.date({ start: '2026-01-02T10:00:00Z', end: '2026-01-02T11:00:00Z', time_zone: null }), { date: { start: '2026-01-02T10:00:00Z', end: '2026-01-02T11:00:00Z' } }],
  ['date with zone', Build.date({ start: '2026-01-02T10:00:00', end: null, time_zone: 'Europe/Berlin' }), { date: { start: '2026-01-02T10:00:00', time_zone: 'Europe/Berlin' } }],
  ['date Date', Build.date(new Date('2026-01-02T10:00:00Z')), { date: { start: '2026-01-02T10:00:00.000Z' } }],
  ['date null', Build.date(null), { date: null }],
  ['checkbox', Build.checkbox(true), { checkbox: true }],
  ['checkbox null is unchecked', Build.checkbox(null), { checkbox: false }],
  ['url', Build.url('https://x.y'), { url: 'https://x.y' }],
  ['url empty', Build.url(''), { url: null }],
  ['email', Build.email('a@b.c'), { email: 'a@b.c' }],
  ['phone_number', Build.phone_number('+1 555'), { phone_number: '+1 555' }],
  ['phone_number null', Build.phone_number(null), { phone_number: null }],
  ['relation ids normalized to dashed', Build.relation([REL_A.replace(/-/g, ''), REL_B.toUpperCase(), REL_A]), { relation: [{ id: REL_A }, { id: REL_B }] }],
  ['relation null', Build.relation(null), { relation: [] }],
  ['people', Build.people(['u1', 'u2']), { people: [{ object: 'user', id: 'u1' }, { object: 'user', id: 'u2' }] }],
  ['files external', Build.files([{ name: 'site', url: 'https://x.y/a.pdf' }, { url: 'https://x.y/b.pdf', type: 'external' }]), { files: [{ name: 'site', external: { url: 'https://x.y/a.pdf' } }, { name: 'b.pdf', external: { url: 'https://x.y/b.pdf' } }] }],
  ['place', Build.place({ lat: 1, lon: 2, name: 'X' }), { place: { lat: 1, lon: 2, name: 'X' } }],
  ['place null', Build.place(null), { place: null }],
  ['verification verified', Build.verification({ state: 'verified', date: '2026-01-02' }), { verification: { state: 'verified', date: { start: '2026-01-02' } } }],
  ['verification null', Build.verification(null), { verification: { state: 'unverified' } }],
];

describe('building property values', () => {
  it.each(buildCases)('Build: %s', (_name, built, expected) => {
    expect(built).toEqual(expected);
  });

  it('Build.properties assembles a body and leaves out fields not to touch', () => {
    expect(Build.properties({ Title: Build.title('T'), Skip: undefined, Done: Build.checkbox(true) })).toEqual({
      Title: { title: [{ type: 'text', text: { content: 'T' } }] },
      Done: { checkbox: true },
    });
  });

  it('buildValue is the generic, run-time checked builder', () => {
    expect(buildValue('number', 3, 'Rating')).toEqual({ number: 3 });
    expect(() => buildValue('number', 'three', 'Rating')).toThrow(/"Rating": expected a finite number, got a string/);
    expect(() => buildValue('checkbox', 'yes', 'Done')).toThrow(/"Done": expected a boolean/);
    expect(() => buildValue('formula' as never, 1, 'F')).toThrow(/cannot be written/);
  });

  it.each([
    ['number NaN', () => Build.number(Number.NaN, 'N'), /"N": expected a finite number/],
    ['select with comma', () => Build.select('a,b', 'S'), /"S": select option "a,b" contains a comma/],
    ['bad date', () => Build.date('next tuesday', 'D'), /"D": expected an ISO 8601 date/],
    ['bad relation id', () => Build.relation(['nope'], 'R'), /"R": relation target "nope" is not a Notion page id/],
    ['Notion-hosted file', () => Build.files([{ name: 'a', url: 'https://s3/a', type: 'file' }], 'F'), /"F": file "a" is hosted by Notion/],
    ['url too long', () => Build.url('https://x/' + 'a'.repeat(2000), 'U'), /"U": url of 2010 characters exceeds Notion's limit of 2000/],
    ['email too long', () => Build.email('a'.repeat(201), 'E'), /limit of 200/],
    ['text not a string', () => Build.rich_text(42 as never, 'T'), /"T": expected text, got a number/],
    ['expired verification', () => Build.verification({ state: 'expired' }, 'V'), /cannot be written/],
  ])('refuses %s with a validation error naming the property', (_n, build, message) => {
    expect(build).toThrow(message);
    try {
      build();
    } catch (e) {
      expect(e).toBeInstanceOf(NotionSyncError);
      expect((e as NotionSyncError).kind).toBe('validation');
    }
  });
});

describe('array limits (never truncated)', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => (i + 1).toString(16).padStart(32, '0'));

  it('accepts 100 relations and refuses 101, naming the property and the limit', () => {
    expect(Build.relation(ids(100), 'Tasks').relation).toHaveLength(100);
    expect(() => Build.relation(ids(101), 'Tasks')).toThrow(/"Tasks": 101 related pages exceed Notion's limit of 100/);
  });

  it('refuses 101 multi_select options and 101 people', () => {
    const names = Array.from({ length: 101 }, (_, i) => `tag${i}`);
    expect(() => Build.multi_select(names, 'Tags')).toThrow(/"Tags": 101 multi_select options exceed .* 100/);
    expect(() => Build.people(names, 'Owners')).toThrow(/"Owners": 101 people exceed .* 100/);
  });
});

describe('long text', () => {
  const contents = (v: { rich_text: Array<{ text: { content: string } }> }) => v.rich_text.map((t) => t.text.content);

  it('splits 5,000 characters into 2,000 + 2,000 + 1,000 and reads back identical', () => {
    const text = 'abcdefghij'.repeat(500);
    const built = Build.rich_text(text, 'Body');
    expect(contents(built).map((c) => c.length)).toEqual([2000, 2000, 1000]);
    const asRead = { id: 'b', type: 'rich_text', rich_text: contents(built).map(richTextItem) };
    expect(extractValue(asRead)).toBe(text);
  });

  it('never splits a surrogate pair: an emoji straddling 2,000 moves to the next chunk', () => {
    const text = 'a'.repeat(1999) + '😀' + 'b'.repeat(10); // 😀 occupies code units 1999–2000
    const chunks = contents(Build.rich_text(text, 'Body'));
    expect(chunks.map((c) => c.length)).toEqual([1999, 12]);
    expect(chunks[1]!.startsWith('😀')).toBe(true);
    expect(chunks.join('')).toBe(text);
    for (const c of chunks) expect(c).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });

  it('keeps a ZWJ emoji sequence whole across a chunk boundary', () => {
    const family = '👨‍👩‍👧‍👦'; // 11 code units, 7 code points, 1 grapheme
    const text = 'x'.repeat(1995) + family + 'y';
    const chunks = splitText(text);
    expect(chunks[0]).toBe('x'.repeat(1995));
    expect(chunks[1]).toBe(family + 'y');
  });

  it('keeps a skin-tone emoji whole and cuts a giant combining sequence on code points', () => {
    const thumbs = '👍🏽'; // 4 code units, 1 grapheme
    expect(splitText('x'.repeat(1998) + thumbs)).toEqual(['x'.repeat(1998), thumbs]);
    const giant = 'e' + '\u0301'.repeat(3000); // one grapheme of 3,001 code units
    const chunks = splitText(giant);
    expect(chunks.every((c) => c.length <= 2000)).toBe(true);
    expect(chunks.join('')).toBe(giant);
  });

  it('fills chunks with emoji only, each ≤ 2,000 code units, losslessly', () => {
    const text = '🎉'.repeat(3001); // 6,002 code units
    const chunks = splitText(text);
    expect(chunks.every((c) => c.length <= 2000)).toBe(true);
    expect(chunks.join('')).toBe(text);
    expect(chunks.map((c) => c.length)).toEqual([2000, 2000, 2000, 2]);
  });

  it('accepts exactly 200,000 characters (100 objects) and refuses 200,001', () => {
    expect(Build.rich_text('z'.repeat(200_000), 'Body').rich_text).toHaveLength(100);
    expect(() => Build.rich_text('z'.repeat(200_001), 'Body')).toThrow(/"Body": text of 200001 characters exceeds Notion's limit of 100 text objects × 2000 characters/);
    expect(() => Build.title('z'.repeat(200_001), 'Title')).toThrow(NotionSyncError);
  });
});
