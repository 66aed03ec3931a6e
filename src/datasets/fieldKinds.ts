/**
 * The table of field kinds: for every Notion property type, the Postgres column types that hold
 * its value without loss (the first is the default), whether jarvis-sync may write it back, how a
 * page's value is read into a plain value that canonical.ts normalizes for the column, and how a
 * plain value is written as a page's value (the connector's builders). The DDL (column types, also
 * of the built-in definitions, define.ts), the config checks (`type` overrides), the readers and
 * the sample pages' values (notionSchema.ts) come from here.
 *
 * Readers take the property value as a page carries it (`{ id, type, [type]: … }`); relation and
 * people lists past 25, and rollups over a relation past 25, arrive completed by the connector
 * (truncated-properties.ts).
 */
import { buildValue, extractValue, type PropertyRequest, type WritablePropertyType } from '../connectors/notion/properties.ts';
import type { ColumnType } from '../store/types.ts';

/** Every Notion property type jarvis-sync knows. */
export const NOTION_KINDS = [
  'title',
  'rich_text',
  'number',
  'select',
  'multi_select',
  'status',
  'date',
  'people',
  'files',
  'checkbox',
  'url',
  'email',
  'phone_number',
  'formula',
  'relation',
  'rollup',
  'created_time',
  'created_by',
  'last_edited_time',
  'last_edited_by',
  'unique_id',
  'verification',
  'place',
  'button',
] as const;
export type NotionKind = (typeof NOTION_KINDS)[number];

/** A property as the data source's schema describes it (the parts that decide a column). */
export interface SchemaProperty {
  id: string;
  name: string;
  type: string;
  relation?: { data_source_id?: string; database_id?: string };
  rollup?: { function?: string };
  [k: string]: unknown;
}

/** A page's property value in read shape. */
export interface PropertyValue {
  id?: string;
  type: string;
  [k: string]: any;
}

export interface KindSpec {
  /** Column types that hold the value without loss; the first is the default. */
  columnTypes: ColumnType[];
  /** Computed by Notion (formula, rollup, created_time, …): synced Notion → Postgres only. */
  readOnly: boolean;
  /** Why the kind cannot be synced at all (a button holds no value). */
  refused?: string;
  /**
   * The page's value as a plain value for a column of `columnType` (canonical.ts normalizes it):
   * strings, numbers, booleans, ISO dates, string arrays, or an object for jsonb.
   */
  read: (value: PropertyValue, columnType: ColumnType) => unknown;
  /**
   * A plain value (text, number, ISO date or { start, end }, option names, page ids, …) as the
   * page's value in a write; absent for the kinds Notion computes. Throws on a value Notion would
   * refuse, naming the property.
   */
  write?: (value: unknown, property: string) => PropertyRequest;
}

/** Thrown by a reader when a computed property's result no longer fits its column (a formula now gives text). */
export class ResultTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultTypeError';
  }
}

const same = (v: PropertyValue) => extractValue(v);
const build = (kind: WritablePropertyType) => (value: unknown, property: string) => buildValue(kind, value, property);
const TEXT: ColumnType[] = ['text'];

/** A user as text: the e-mail when Notion gives it (integrations with user e-mail access), else the id. */
function userText(u: any): string | null {
  if (!u || typeof u !== 'object') return null;
  return u.person?.email ?? u.id ?? null;
}

/** A Notion date as a value for `columnType`: the start (its instant, or its day), or the whole { start, end, time_zone }. */
export function dateFor(d: { start: string; end?: string | null; time_zone?: string | null } | null | undefined, columnType: ColumnType): unknown {
  if (!d || typeof d.start !== 'string') return null;
  if (columnType === 'jsonb') return { start: d.start, end: d.end ?? null, time_zone: d.time_zone ?? null };
  if (columnType === 'date') return d.start.slice(0, 10);
  return instantOf(d.start, d.time_zone ?? null);
}

/**
 * An ISO start as an instant. Notion writes a date with a time zone as wall time without an offset
 * ("2026-03-02T09:00:00" + "Europe/Berlin"); read as is it would move with the process's zone.
 * A date alone is that day's midnight UTC.
 */
export function instantOf(start: string, timeZone: string | null): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(start)) return `${start}T00:00:00.000Z`;
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(start) || !timeZone) return new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(start) ? start : `${start}Z`).toISOString();
  const asUtc = Date.parse(`${start}Z`);
  // The zone's offset at that wall time (twice: the first guess may sit across a DST change).
  let instant = asUtc - zoneOffsetMs(asUtc, timeZone);
  instant = asUtc - zoneOffsetMs(instant, timeZone);
  return new Date(instant).toISOString();
}

function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** One item of a rollup array or a computed value as text (what a text[] column holds). */
function itemTexts(item: PropertyValue): string[] {
  const v = item.type === 'people' ? (item.people ?? []).map(userText) : extractValue(item);
  const flat = Array.isArray(v) ? v : [v];
  return flat.flatMap((x): string[] => {
    if (x === null || x === undefined || x === '') return [];
    if (typeof x === 'object') {
      if ('start' in x) return [String((x as { start: string }).start)];
      if ('url' in x) return [String((x as { url: string }).url)];
      return [JSON.stringify(x)];
    }
    return [String(x)];
  });
}

/** A computed scalar (formula result, rollup number/date) into the column it maps to; refuses what does not fit. */
function computedFor(kind: string, result: { type: string; value: unknown }, columnType: ColumnType): unknown {
  const { type, value } = result;
  if (columnType === 'jsonb') return value ?? null;
  if (value === null || value === undefined) return null;
  const fits: Record<string, string[]> = { text: ['string', 'number', 'boolean', 'date'], numeric: ['number'], integer: ['number'], boolean: ['boolean'], date: ['date'], timestamptz: ['date'] };
  if (!(fits[columnType] ?? []).includes(type)) {
    throw new ResultTypeError(`the ${kind} now gives ${type}, which a ${columnType} column cannot hold`);
  }
  if (type === 'date') {
    const d = value as { start: string; end: string | null; time_zone: string | null };
    return columnType === 'text' ? d.start : dateFor(d, columnType);
  }
  return columnType === 'text' ? String(value) : value;
}

export const FIELD_KINDS: Record<NotionKind, KindSpec> = {
  title: { columnTypes: TEXT, readOnly: false, read: same, write: build('title') },
  rich_text: { columnTypes: TEXT, readOnly: false, read: same, write: build('rich_text') },
  number: { columnTypes: ['numeric', 'text'], readOnly: false, read: same, write: build('number') },
  select: { columnTypes: TEXT, readOnly: false, read: same, write: build('select') },
  multi_select: { columnTypes: ['text[]', 'jsonb'], readOnly: false, read: same, write: build('multi_select') },
  status: { columnTypes: TEXT, readOnly: false, read: same, write: build('status') },
  // Config fields read the start (its instant, or its day), or the whole value as jsonb. The
  // built-in fields read dates whole instead (canonical.ts takes start and, for meetings, end).
  date: { columnTypes: ['timestamptz', 'date', 'jsonb'], readOnly: false, read: (v, t) => dateFor(extractValue(v) as Parameters<typeof dateFor>[0], t), write: build('date') },
  checkbox: { columnTypes: ['boolean'], readOnly: false, read: same, write: build('checkbox') },
  url: { columnTypes: TEXT, readOnly: false, read: same, write: build('url') },
  email: { columnTypes: TEXT, readOnly: false, read: same, write: build('email') },
  phone_number: { columnTypes: TEXT, readOnly: false, read: same, write: build('phone_number') },
  // uuid[] when the related database is a synced dataset (its rows' ids), text[] of page ids otherwise.
  relation: { columnTypes: ['uuid[]', 'text[]'], readOnly: false, read: same, write: build('relation') },
  people: { columnTypes: ['text[]', 'jsonb'], readOnly: true, read: (v, t) => (t === 'jsonb' ? v.people ?? [] : (v.people ?? []).map(userText).filter(Boolean)), write: build('people') },
  files: {
    columnTypes: ['text[]', 'jsonb'],
    readOnly: true,
    read: (v, t) => {
      const files = extractValue(v) as Array<{ name: string; url: string; type: string }>;
      return t === 'jsonb' ? files : files.map((f) => f.url).filter(Boolean);
    },
    write: build('files'),
  },
  formula: {
    // A data source's schema does not say what a formula gives: text unless `type` says otherwise.
    columnTypes: ['text', 'numeric', 'boolean', 'timestamptz', 'date', 'jsonb'],
    readOnly: true,
    read: (v, t) => {
      const f = v.formula ?? {};
      if (t === 'jsonb') return f;
      return computedFor('formula', { type: f.type, value: f[f.type] }, t);
    },
  },
  rollup: {
    // The default follows the rollup's function (rollupColumnType).
    columnTypes: ['numeric', 'timestamptz', 'date', 'text[]', 'text', 'jsonb'],
    readOnly: true,
    read: (v, t) => {
      const r = v.rollup ?? {};
      if (t === 'jsonb') return r;
      if (r.type === 'array') {
        if (t !== 'text[]') throw new ResultTypeError(`the rollup now gives a list, which a ${t} column cannot hold`);
        return ((r.array ?? []) as PropertyValue[]).flatMap(itemTexts);
      }
      if (t === 'text[]') throw new ResultTypeError(`the rollup now gives ${r.type}, not the list a text[] column holds`);
      return computedFor('rollup', { type: r.type, value: r[r.type] }, t);
    },
  },
  created_time: { columnTypes: ['timestamptz'], readOnly: true, read: (v, t) => dateFor({ start: String(v.created_time) }, t) },
  last_edited_time: { columnTypes: ['timestamptz'], readOnly: true, read: (v, t) => dateFor({ start: String(v.last_edited_time) }, t) },
  created_by: { columnTypes: TEXT, readOnly: true, read: (v) => userText(v.created_by) },
  last_edited_by: { columnTypes: TEXT, readOnly: true, read: (v) => userText(v.last_edited_by) },
  unique_id: { columnTypes: ['text', 'jsonb'], readOnly: true, read: (v, t) => (t === 'jsonb' ? v.unique_id ?? null : same(v)) },
  verification: {
    columnTypes: ['text', 'jsonb'],
    readOnly: true,
    read: (v, t) => (t === 'jsonb' ? v.verification ?? null : ((v.verification as { state?: string } | null)?.state ?? null)),
    write: build('verification'),
  },
  place: { columnTypes: ['jsonb'], readOnly: false, read: (v) => v.place ?? null, write: build('place') },
  button: { columnTypes: [], readOnly: true, refused: 'a button holds no value to store', read: () => null },
};

const DATE_ROLLUPS = new Set(['earliest_date', 'latest_date', 'date_range']);
const LIST_ROLLUPS = new Set(['show_original', 'show_unique']);

/** A rollup's column follows its function: a list, a date, or else a number. */
export function rollupColumnType(fn: string | undefined): ColumnType {
  if (fn && LIST_ROLLUPS.has(fn)) return 'text[]';
  if (fn && DATE_ROLLUPS.has(fn)) return 'timestamptz';
  return 'numeric';
}

/**
 * Why a property of this kind, in a column of this type, is synced Notion → Postgres only in a
 * two-way dataset; null when a Postgres edit can be written to the page. Kinds Notion computes
 * cannot be written at all; people are chosen in Notion (the column holds e-mails, Notion takes only
 * user ids); files are attached in Notion (a Notion-hosted URL expires and cannot be written back);
 * a verification's state and date are set in Notion; a jsonb column is a copy of the value as
 * Notion gives it, a document an edit could give any shape.
 */
export function readOnlyReason(kind: NotionKind, columnType: ColumnType): string | null {
  switch (kind) {
    case 'formula':
    case 'rollup':
    case 'created_time':
    case 'created_by':
    case 'last_edited_time':
    case 'last_edited_by':
    case 'unique_id':
    case 'button':
      return `a ${kind}, computed by Notion`;
    case 'verification':
      return 'a verification, set in Notion';
    case 'people':
      return 'people, chosen in Notion (the column holds e-mails; Notion takes user ids)';
    case 'files':
      return 'files, attached in Notion (Notion-hosted URLs expire and cannot be written back)';
    default:
      return columnType === 'jsonb' ? `a ${kind} mapped to jsonb, a copy of Notion's value` : null;
  }
}

export function isNotionKind(type: string): type is NotionKind {
  return (NOTION_KINDS as readonly string[]).includes(type);
}

/**
 * The column type for a schema property, or why it cannot be synced. `override` is the config's
 * `type`, accepted when the kind can hold its value there without loss. `relationSynced`: the
 * related database is one of the synced datasets (then its rows' uuids, else page ids as text).
 */
export function columnTypeFor(prop: SchemaProperty, override: ColumnType | undefined, relationSynced: boolean): { type: ColumnType } | { problem: string } {
  if (!isNotionKind(prop.type)) return { problem: `"${prop.name}" is a ${prop.type} property, which jarvis-sync does not read` };
  const spec = FIELD_KINDS[prop.type];
  if (spec.refused) return { problem: `"${prop.name}" is a ${prop.type}: ${spec.refused}` };
  const fallback: ColumnType =
    prop.type === 'relation' ? (relationSynced ? 'uuid[]' : 'text[]') : prop.type === 'rollup' ? rollupColumnType(prop.rollup?.function) : spec.columnTypes[0]!;
  if (!override) return { type: fallback };
  const allowed = prop.type === 'relation' ? (relationSynced ? ['uuid[]', 'text[]'] : ['text[]']) : spec.columnTypes;
  if (!allowed.includes(override)) {
    return { problem: `"${prop.name}" is a ${prop.type} property, which a ${override} column cannot hold without loss (possible: ${allowed.join(', ')})` };
  }
  return { type: override };
}
