/**
 * Page property values in read shape: stored values rendered, computed ones (formula, rollup,
 * timestamps, users, unique_id) evaluated. Page/query responses cap relations (and rollup inputs and
 * people) at 25 items, like Notion; the property-item endpoint returns everything, paginated.
 */
import { plainText } from './rich-text.ts';
import type { PropertySchema } from './schema.ts';
import type { DataSourceRecord, PageRecord } from './records.ts';
import type { Workspace } from './workspace.ts';

/** Notion computes page properties with at most 25 references (relations, rollup inputs, people). */
export const REFERENCE_CAP = 25;

const iso = (ms: number) => new Date(ms).toISOString();
const user = (id: string) => ({ object: 'user', id });

export interface ReadOptions {
  /** Cap relations/people/rollup inputs at 25 (page and query responses); false for control reads. */
  truncate: boolean;
  /** Expiry of Notion-hosted file URLs is one hour from now. */
  now: number;
}

/** `{ id, type, [type]: value }` (+ `has_more` on relations). */
export function renderValue(ws: Workspace, ds: DataSourceRecord, page: PageRecord, prop: PropertySchema, opts: ReadOptions): Record<string, any> {
  const out: Record<string, any> = { id: prop.id, type: prop.type };
  if (prop.type === 'relation') {
    const all: string[] = page.values[prop.id] ?? [];
    const shown = opts.truncate && all.length > REFERENCE_CAP ? all.slice(0, REFERENCE_CAP) : all;
    out.relation = shown.map((id) => ({ id }));
    out.has_more = shown.length < all.length;
    return out;
  }
  out[prop.type] = valueOf(ws, ds, page, prop, opts);
  return out;
}

/** The inner value of a property (what sits under its type key). */
export function valueOf(ws: Workspace, ds: DataSourceRecord, page: PageRecord, prop: PropertySchema, opts: ReadOptions): any {
  const v = page.values[prop.id];
  switch (prop.type) {
    case 'title':
    case 'rich_text':
      return v ?? [];
    case 'number':
    case 'url':
    case 'email':
    case 'phone_number':
    case 'date':
    case 'place':
      return v ?? null;
    case 'checkbox':
      return v ?? false;
    case 'select':
    case 'status':
      return v ? option(prop, v) : null;
    case 'multi_select':
      return ((v ?? []) as string[]).map((id) => option(prop, id)).filter((o) => o !== null);
    case 'people': {
      const ids: string[] = v ?? [];
      return (opts.truncate ? ids.slice(0, REFERENCE_CAP) : ids).map(user);
    }
    case 'relation':
      return ((v ?? []) as string[]).map((id) => ({ id }));
    case 'files':
      return ((v ?? []) as any[]).map((f) =>
        f.type === 'file' ? { name: f.name, type: 'file', file: { url: f.file.url, expiry_time: iso(opts.now + 3_600_000) } } : f,
      );
    case 'verification':
      return v ?? { state: 'unverified', date: null, verified_by: null };
    case 'created_time':
      return iso(page.createdTime);
    case 'last_edited_time':
      return iso(page.lastEditedTime);
    case 'created_by':
      return user(page.createdBy);
    case 'last_edited_by':
      return user(page.lastEditedBy);
    case 'unique_id':
      return { prefix: prop.uniqueId?.prefix ?? null, number: v ?? null };
    case 'button':
      return {};
    case 'formula':
      return formula(ws, ds, page, prop, opts);
    case 'rollup':
      return rollup(ws, ds, page, prop, opts);
  }
  return v ?? null;
}

function option(prop: PropertySchema, id: string) {
  const o = prop.options?.find((x) => x.id === id);
  return o ? { id: o.id, name: o.name, color: o.color } : null;
}

/**
 * Formulas are minimal: `prop("X")` yields X's value (number, boolean, date or else its text);
 * any other expression reads as `{ type: "string", string: null }`.
 */
function formula(ws: Workspace, ds: DataSourceRecord, page: PageRecord, prop: PropertySchema, opts: ReadOptions) {
  const m = /^\s*prop\(\s*"([^"]+)"\s*\)\s*$/.exec(prop.formula?.expression ?? '');
  const ref = m ? ds.propByName.get(m[1]) : undefined;
  if (!ref || ref.type === 'formula') return { type: 'string', string: null };
  const v = valueOf(ws, ds, page, ref, opts);
  switch (ref.type) {
    case 'number':
    case 'unique_id':
      return { type: 'number', number: ref.type === 'number' ? v : v.number };
    case 'checkbox':
      return { type: 'boolean', boolean: v };
    case 'date':
      return { type: 'date', date: v };
    case 'created_time':
    case 'last_edited_time':
      return { type: 'date', date: { start: v, end: null, time_zone: null } };
  }
  const text = textOf(ref, v);
  return { type: 'string', string: text === '' ? null : text };
}

/** A value as text (formula strings, text filters on formulas, sorting). */
export function textOf(prop: PropertySchema, v: any): string {
  switch (prop.type) {
    case 'title':
    case 'rich_text':
      return plainText(v);
    case 'select':
    case 'status':
      return v?.name ?? '';
    case 'multi_select':
      return (v as any[]).map((o) => o.name).join(',');
    case 'people':
    case 'relation':
      return (v as any[]).map((o) => o.id).join(',');
    case 'date':
      return v?.start ?? '';
    case 'number':
    case 'url':
    case 'email':
    case 'phone_number':
      return v === null || v === undefined ? '' : String(v);
    case 'checkbox':
      return v ? 'true' : 'false';
    default:
      return typeof v === 'string' ? v : '';
  }
}

/** Rollups over the related pages' values (the first 25 related pages in page/query responses). */
function rollup(ws: Workspace, ds: DataSourceRecord, page: PageRecord, prop: PropertySchema, opts: ReadOptions): any {
  const fn = prop.rollup!.function;
  const rel = ds.propById.get(prop.rollup!.relationPropertyId);
  const targetDs = rel?.relation ? ws.dataSources.get(rel.relation.dataSourceId) : undefined;
  const target = targetDs?.propById.get(prop.rollup!.rollupPropertyId);
  if (!rel || !targetDs || !target) return { type: 'unsupported', unsupported: {}, function: fn };
  let ids: string[] = page.values[rel.id] ?? [];
  if (opts.truncate) ids = ids.slice(0, REFERENCE_CAP);
  const related = ids.map((id) => ws.pages.get(id)).filter((p): p is PageRecord => p !== undefined);
  const values = related.map((p) => valueOf(ws, targetDs, p, target, opts));
  const isEmpty = (v: any) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  const numbers = values.filter((v) => typeof v === 'number') as number[];
  const num = (n: number | null) => ({ type: 'number', number: n, function: fn });
  const dates = values.filter((v) => v && typeof v.start === 'string').map((v) => v.start as string).sort();
  const date = (d: any) => ({ type: 'date', date: d, function: fn });
  const pct = (n: number) => (values.length === 0 ? 0 : n / values.length);
  switch (fn) {
    case 'count':
      return num(values.length);
    case 'count_values':
      return num(values.reduce((n, v) => n + (Array.isArray(v) ? v.length : isEmpty(v) ? 0 : 1), 0));
    case 'empty':
      return num(values.filter(isEmpty).length);
    case 'not_empty':
      return num(values.filter((v) => !isEmpty(v)).length);
    case 'unique':
      return num(new Set(values.filter((v) => !isEmpty(v)).map((v) => JSON.stringify(v))).size);
    case 'percent_empty':
      return num(pct(values.filter(isEmpty).length));
    case 'percent_not_empty':
      return num(pct(values.filter((v) => !isEmpty(v)).length));
    case 'checked':
      return num(values.filter((v) => v === true).length);
    case 'unchecked':
      return num(values.filter((v) => v === false).length);
    case 'percent_checked':
      return num(pct(values.filter((v) => v === true).length));
    case 'percent_unchecked':
      return num(pct(values.filter((v) => v === false).length));
    case 'sum':
      return num(numbers.reduce((a, b) => a + b, 0));
    case 'average':
      return num(numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : null);
    case 'median': {
      if (!numbers.length) return num(null);
      const s = [...numbers].sort((a, b) => a - b);
      const mid = s.length >> 1;
      return num(s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2);
    }
    case 'min':
      return num(numbers.length ? Math.min(...numbers) : null);
    case 'max':
      return num(numbers.length ? Math.max(...numbers) : null);
    case 'range':
      return num(numbers.length ? Math.max(...numbers) - Math.min(...numbers) : null);
    case 'earliest_date':
      return date(dates.length ? { start: dates[0], end: null, time_zone: null } : null);
    case 'latest_date':
      return date(dates.length ? { start: dates[dates.length - 1], end: null, time_zone: null } : null);
    case 'date_range':
      return date(dates.length ? { start: dates[0], end: dates[dates.length - 1], time_zone: null } : null);
    case 'show_original':
    case 'show_unique': {
      let items = related.map((p) => ({ type: target.type, [target.type]: valueOf(ws, targetDs, p, target, opts) }));
      if (fn === 'show_unique') {
        const seen = new Set<string>();
        items = items.filter((it) => !seen.has(JSON.stringify(it)) && !!seen.add(JSON.stringify(it)));
      }
      return { type: 'array', array: items, function: fn };
    }
  }
  return { type: 'unsupported', unsupported: {}, function: fn };
}

/**
 * GET /v1/pages/:id/properties/:pid. title, rich_text, people, relation and rollup answer a paginated
 * property_item list; every other type answers one property_item object.
 */
export function renderPropertyItem(
  ws: Workspace,
  ds: DataSourceRecord,
  page: PageRecord,
  prop: PropertySchema,
  offset: number,
  pageSize: number,
  nextUrl: (cursor: string) => string,
  now: number,
): Record<string, any> {
  const opts: ReadOptions = { truncate: false, now };
  const paginated = ['title', 'rich_text', 'people', 'relation'];
  if (!paginated.includes(prop.type) && prop.type !== 'rollup') {
    return { object: 'property_item', id: prop.id, type: prop.type, [prop.type]: valueOf(ws, ds, page, prop, opts) };
  }
  if (prop.type === 'rollup') {
    return {
      object: 'list', results: [], next_cursor: null, has_more: false, type: 'property_item',
      property_item: { id: prop.id, next_url: null, type: 'rollup', rollup: valueOf(ws, ds, page, prop, opts) },
    };
  }
  const all: any[] = valueOf(ws, ds, page, prop, opts);
  const slice = all.slice(offset, offset + pageSize);
  const end = offset + slice.length;
  const hasMore = end < all.length;
  const cursor = hasMore ? encodeOffsetCursor(end) : null;
  return {
    object: 'list',
    results: slice.map((item) => ({ object: 'property_item', id: prop.id, type: prop.type, [prop.type]: item })),
    next_cursor: cursor,
    has_more: hasMore,
    type: 'property_item',
    property_item: { id: prop.id, next_url: cursor ? nextUrl(cursor) : null, type: prop.type, [prop.type]: {} },
  };
}

export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

export function decodeOffsetCursor(cursor: string): number | null {
  try {
    const o = JSON.parse(Buffer.from(cursor, 'base64url').toString()).o;
    return Number.isInteger(o) && o >= 0 ? o : null;
  } catch {
    return null;
  }
}
