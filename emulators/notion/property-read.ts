/**
 * Page property values in read shape: stored values rendered, computed ones (formula, rollup,
 * timestamps, users, unique_id) evaluated. Page/query responses cap relations (and rollup inputs and
 * people) at 25 items, like Notion; the property-item endpoint returns everything, paginated.
 */
import { evaluateExpression, FormulaError, fromPropertyValue, toResult, type FormulaResult, type PropContext } from './formula/index.ts';
import { computeRollup, type RolledValue } from './rollup.ts';
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
      // Notion documents no has_more for people: past 25 the page object just stops (the rest is
      // only on the property-item endpoint), so a reader must treat exactly 25 as "maybe more".
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
 * Formulas are evaluated (formula/): `prop()` sees the page's values in formula types, `now()` the
 * emulator clock. A formula that reads itself, directly or through others, cannot be evaluated.
 */
const evaluating = new Set<string>();

function formula(ws: Workspace, ds: DataSourceRecord, page: PageRecord, prop: PropertySchema, opts: ReadOptions): FormulaResult {
  const key = `${page.id}/${prop.id}`;
  if (evaluating.has(key)) throw new FormulaError(`formula "${prop.name}" refers to itself`);
  evaluating.add(key);
  try {
    const ctx: PropContext = {
      pageTitle: (id) => {
        const other = ws.pages.get(id);
        const otherDs = other && ws.dataSources.get(other.dataSourceId);
        return other && otherDs ? plainText(other.values[ws.titleProperty(otherDs).id]) : '';
      },
      userName: (id) => ws.userNames.get(id) ?? id,
    };
    const value = evaluateExpression(prop.formula?.expression ?? '', {
      now: () => opts.now,
      prop: (name) => {
        const ref = ds.propByName.get(name);
        if (!ref) throw new FormulaError(`no property named "${name}"`);
        return fromPropertyValue(ref.type, valueOf(ws, ds, page, ref, opts), ctx);
      },
    });
    return toResult(value);
  } catch (e) {
    if (!(e instanceof FormulaError) && !(e instanceof RangeError)) throw e;
    // Nested (prop() of a formula that fails, or a cycle): the error reaches the outermost formula.
    if (evaluating.size > 1) throw e instanceof FormulaError ? e : new FormulaError(String(e));
    return { type: 'unsupported', unsupported: {} };
  } finally {
    evaluating.delete(key);
  }
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

interface RollupInputs {
  rel: PropertySchema;
  target: PropertySchema;
  related: PageRecord[];
  values: RolledValue[];
}

/** The related pages (the first 25 in page/query responses) and their values of the rolled-up property. */
function rollupInputs(ws: Workspace, ds: DataSourceRecord, page: PageRecord, prop: PropertySchema, opts: ReadOptions): RollupInputs | null {
  const rel = ds.propById.get(prop.rollup!.relationPropertyId);
  const targetDs = rel?.relation ? ws.dataSources.get(rel.relation.dataSourceId) : undefined;
  const target = targetDs?.propById.get(prop.rollup!.rollupPropertyId);
  if (!rel || !targetDs || !target) return null;
  let ids: string[] = page.values[rel.id] ?? [];
  if (opts.truncate) ids = ids.slice(0, REFERENCE_CAP);
  const related = ids.map((id) => ws.pages.get(id)).filter((p): p is PageRecord => p !== undefined);
  const values = related.map((p) => ({ type: target.type, value: valueOf(ws, targetDs, p, target, opts) }));
  return { rel, target, related, values };
}

function rollup(ws: Workspace, ds: DataSourceRecord, page: PageRecord, prop: PropertySchema, opts: ReadOptions): any {
  const inputs = rollupInputs(ws, ds, page, prop, opts);
  if (!inputs) return { type: 'unsupported', unsupported: {}, function: prop.rollup!.function };
  return computeRollup(prop.rollup!.function, inputs.values);
}

/** Paginated types of the property-item endpoint: one item per element. */
const PAGINATED = new Set(['title', 'rich_text', 'people', 'relation']);

/**
 * The property-item list of a rollup. "Show original"/"show unique": the rolled-up values flattened
 * into property items. Aggregations: the relation's items, with the aggregate in
 * `property_item.rollup` computed over the related pages paged through so far (final once
 * has_more is false), as Notion documents it.
 */
function rollupItems(ws: Workspace, ds: DataSourceRecord, page: PageRecord, prop: PropertySchema, opts: ReadOptions, offset: number, pageSize: number) {
  const fn = prop.rollup!.function;
  const inputs = rollupInputs(ws, ds, page, prop, opts);
  if (!inputs) return { items: [], total: 0, rollup: { type: 'unsupported', unsupported: {}, function: fn } };
  if (fn === 'show_original' || fn === 'show_unique') {
    const shown = computeRollup(fn, inputs.values).array as Array<Record<string, any>>;
    const t = inputs.target;
    const all = shown.flatMap((v) =>
      PAGINATED.has(t.type) ? (v[t.type] as any[]).map((x) => ({ object: 'property_item', id: t.id, type: t.type, [t.type]: x })) : [{ object: 'property_item', id: t.id, ...v }],
    );
    return { items: all.slice(offset, offset + pageSize), total: all.length, rollup: { type: 'array', array: [], function: fn } };
  }
  const end = Math.min(offset + pageSize, inputs.related.length);
  const items = inputs.related.slice(offset, end).map((p) => ({ object: 'property_item', id: inputs.rel.id, type: 'relation', relation: { id: p.id } }));
  return { items, total: inputs.related.length, rollup: computeRollup(fn, inputs.values.slice(0, end)) };
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
  if (!PAGINATED.has(prop.type) && prop.type !== 'rollup') {
    return { object: 'property_item', id: prop.id, type: prop.type, [prop.type]: valueOf(ws, ds, page, prop, opts) };
  }
  if (prop.type === 'rollup') {
    const r = rollupItems(ws, ds, page, prop, opts, offset, pageSize);
    const end = offset + r.items.length;
    const cursor = end < r.total ? encodeOffsetCursor(end) : null;
    return {
      object: 'list', results: r.items, next_cursor: cursor, has_more: cursor !== null, type: 'property_item',
      property_item: { id: prop.id, next_url: cursor ? nextUrl(cursor) : null, type: 'rollup', rollup: r.rollup },
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
