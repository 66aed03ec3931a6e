/**
 * Page property values (the API's inner read shape) → formula values, per property kind, as Notion's
 * formulas 2.0 see them: text kinds are text, select/status their option name, multi_select and
 * people and files and relations lists, dates dates, checkbox a boolean, rollups their result.
 */
import { Empty, FDate, parseNotionDate, type Value } from './values.ts';

export interface PropContext {
  /** The title of a related page (relations read as lists of page titles). */
  pageTitle(pageId: string): string;
  /** A user's display name (people and created_by read as names). */
  userName(userId: string): string;
}

const plain = (items: any[] | null | undefined) => (items ?? []).map((t) => t?.plain_text ?? '').join('');
const textOrEmpty = (s: string | null | undefined): Value => (s === null || s === undefined || s === '' ? new Empty('string') : s);
const dateOf = (d: any): Value => (d && typeof d.start === 'string' ? parseNotionDate(d.start, d.end ?? null, d.time_zone ?? null) : new Empty('date'));

export function fromPropertyValue(type: string, v: any, ctx: PropContext): Value {
  switch (type) {
    case 'title':
    case 'rich_text':
      return textOrEmpty(plain(v));
    case 'number':
      return typeof v === 'number' ? v : new Empty('number');
    case 'checkbox':
      return v === true;
    case 'select':
    case 'status':
      return textOrEmpty(v?.name);
    case 'multi_select':
      return (v ?? []).map((o: any) => o.name as string);
    case 'date':
      return dateOf(v);
    case 'url':
    case 'email':
    case 'phone_number':
      return textOrEmpty(v);
    case 'people':
      return (v ?? []).map((u: any) => ctx.userName(u.id));
    case 'files':
      return (v ?? []).map((f: any) => f.name as string);
    case 'relation':
      return (v ?? []).map((r: any) => ctx.pageTitle(r.id));
    case 'created_time':
    case 'last_edited_time':
      return new FDate(Date.parse(v), null, true);
    case 'created_by':
    case 'last_edited_by':
      return ctx.userName(v.id);
    case 'unique_id':
      if (v?.number === null || v?.number === undefined) return new Empty('number');
      return v.prefix ? `${v.prefix}-${v.number}` : v.number;
    case 'formula':
      return formulaResultToValue(v);
    case 'rollup':
      if (v?.type === 'number') return v.number ?? new Empty('number');
      if (v?.type === 'date') return dateOf(v.date);
      if (v?.type === 'array') return (v.array as any[]).map((item) => fromPropertyValue(item.type, item[item.type], ctx));
      return new Empty('string');
    case 'place':
      return textOrEmpty(v?.name ?? v?.address);
    case 'verification':
      return v?.state ?? 'unverified';
  }
  return new Empty('string');
}

/** A formula's API result read back as a value (prop() of another formula). */
function formulaResultToValue(r: any): Value {
  switch (r?.type) {
    case 'number':
      return r.number ?? new Empty('number');
    case 'boolean':
      return r.boolean ?? new Empty('boolean');
    case 'date':
      return dateOf(r.date);
    case 'string':
      return textOrEmpty(r.string);
  }
  return new Empty('string');
}
