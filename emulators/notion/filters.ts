/**
 * Query filters compiled to predicates over stored pages. Follows the SDK's filter types; invalid
 * filters are validation_errors. Compound filters nest at most two levels, like Notion.
 */
import { bodyInvalid, validation } from './errors.ts';
import { normalizeId } from './ids.ts';
import { valueOf, type ReadOptions } from './property-read.ts';
import { plainText } from './rich-text.ts';
import type { PropertySchema } from './schema.ts';
import type { DataSourceRecord, PageRecord } from './records.ts';
import type { Workspace } from './workspace.ts';

export type Predicate = (p: PageRecord) => boolean;

export interface FilterContext {
  ws: Workspace;
  ds: DataSourceRecord;
  /** Clock time, for relative dates ("today", past_week, ...). */
  now: number;
  /** The user "me" means in people filters (the bot). */
  me: string;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DAY = 86_400_000;
const MAX_COMPOUND_DEPTH = 2;

export function compileFilter(filter: unknown, ctx: FilterContext, path = 'body.filter', depth = 0): Predicate {
  if (filter === undefined || filter === null) return () => true;
  if (!isObject(filter)) throw bodyInvalid(path, 'an object', filter);
  for (const op of ['and', 'or'] as const) {
    if (!(op in filter)) continue;
    if (depth >= MAX_COMPOUND_DEPTH) {
      throw validation(`body failed validation: ${path}.${op} is nested too deeply; filters can be nested at most ${MAX_COMPOUND_DEPTH} levels.`);
    }
    const list = filter[op];
    if (!Array.isArray(list)) throw bodyInvalid(`${path}.${op}`, 'an array', list);
    const preds = list.map((f, i) => compileFilter(f, ctx, `${path}.${op}[${i}]`, depth + 1));
    if (op === 'and') return (p) => preds.every((f) => f(p));
    // UNCERTAIN: an empty `or` matches everything (no constraint), like an empty `and`.
    return preds.length === 0 ? () => true : (p) => preds.some((f) => f(p));
  }
  if (typeof filter.timestamp === 'string') {
    const ts = filter.timestamp;
    if (ts !== 'created_time' && ts !== 'last_edited_time') throw bodyInvalid(`${path}.timestamp`, '`created_time` or `last_edited_time`', ts);
    const test = dateCondition(filter[ts], `${path}.${ts}`, ctx.now);
    return ts === 'created_time' ? (p) => test(p.createdTime) : (p) => test(p.lastEditedTime);
  }
  if (typeof filter.property !== 'string') throw bodyInvalid(path, 'an object with `property`, `timestamp`, `and` or `or`', filter);
  const prop = ctx.ws.findProperty(ctx.ds, filter.property);
  if (!prop) throw validation(`Could not find property with name or id: ${filter.property}`);
  const key = Object.keys(filter).find((k) => k !== 'property' && k !== 'type');
  if (!key) throw bodyInvalid(path, `an object with a \`${prop.type}\` condition`, filter);
  if (key !== prop.type) throw validation(`database property ${prop.type} does not match filter ${key}`);
  return propertyPredicate(prop, filter[key], `${path}.${key}`, ctx);
}

function propertyPredicate(prop: PropertySchema, cond: unknown, path: string, ctx: FilterContext): Predicate {
  const { ws, ds } = ctx;
  const readOpts: ReadOptions = { truncate: true, now: ctx.now };
  const stored = (p: PageRecord) => p.values[prop.id];
  switch (prop.type) {
    case 'title':
    case 'rich_text': {
      const test = textCondition(cond, path);
      return (p) => test(plainText(stored(p)));
    }
    case 'url':
    case 'email':
    case 'phone_number': {
      const test = textCondition(cond, path);
      return (p) => test(stored(p) ?? '');
    }
    case 'number': {
      const test = numberCondition(cond, path);
      return (p) => test(stored(p) ?? null);
    }
    case 'unique_id': {
      const test = numberCondition(cond, path);
      return (p) => test(stored(p) ?? null);
    }
    case 'checkbox': {
      const c = oneOperator(cond, path, ['equals', 'does_not_equal']);
      if (typeof c.value !== 'boolean') throw bodyInvalid(`${path}.${c.op}`, 'a boolean', c.value);
      return c.op === 'equals' ? (p) => (stored(p) ?? false) === c.value : (p) => (stored(p) ?? false) !== c.value;
    }
    case 'select':
    case 'status': {
      const c = oneOperator(cond, path, ['equals', 'does_not_equal', 'is_empty', 'is_not_empty']);
      if (c.op === 'is_empty' || c.op === 'is_not_empty') return existence(c, path, (p) => !stored(p));
      const names = stringOrArray(c.value, `${path}.${c.op}`);
      const ids = new Set(prop.options!.filter((o) => names.includes(o.name)).map((o) => o.id));
      return c.op === 'equals' ? (p) => ids.has(stored(p)) : (p) => !ids.has(stored(p));
    }
    case 'multi_select': {
      const c = oneOperator(cond, path, ['contains', 'does_not_contain', 'is_empty', 'is_not_empty']);
      if (c.op === 'is_empty' || c.op === 'is_not_empty') return existence(c, path, (p) => !(stored(p)?.length > 0));
      const names = stringOrArray(c.value, `${path}.${c.op}`);
      const ids = new Set(prop.options!.filter((o) => names.includes(o.name)).map((o) => o.id));
      // An array value means "contains any of".
      const any = (p: PageRecord) => ((stored(p) ?? []) as string[]).some((id) => ids.has(id));
      return c.op === 'contains' ? any : (p) => !any(p);
    }
    case 'date': {
      const test = dateCondition(cond, path, ctx.now);
      return (p) => test(dateMs(stored(p)));
    }
    case 'created_time': {
      const test = dateCondition(cond, path, ctx.now);
      return (p) => test(p.createdTime);
    }
    case 'last_edited_time': {
      const test = dateCondition(cond, path, ctx.now);
      return (p) => test(p.lastEditedTime);
    }
    case 'people':
    case 'created_by':
    case 'last_edited_by':
    case 'relation': {
      const c = oneOperator(cond, path, ['contains', 'does_not_contain', 'is_empty', 'is_not_empty']);
      const idsOf = (p: PageRecord): string[] =>
        prop.type === 'created_by' ? [p.createdBy] : prop.type === 'last_edited_by' ? [p.lastEditedBy] : (stored(p) ?? []);
      if (c.op === 'is_empty' || c.op === 'is_not_empty') return existence(c, path, (p) => idsOf(p).length === 0);
      const id = c.value === 'me' && prop.type !== 'relation' ? ctx.me : normalizeId(c.value);
      if (!id) throw bodyInvalid(`${path}.${c.op}`, 'a valid uuid', c.value);
      return c.op === 'contains' ? (p) => idsOf(p).includes(id) : (p) => !idsOf(p).includes(id);
    }
    case 'files': {
      const c = oneOperator(cond, path, ['is_empty', 'is_not_empty']);
      return existence(c, path, (p) => !(stored(p)?.length > 0));
    }
    case 'formula': {
      if (!isObject(cond)) throw bodyInvalid(path, 'an object', cond);
      const sub = Object.keys(cond)[0];
      const value = (p: PageRecord) => valueOf(ws, ds, p, prop, readOpts);
      if (sub === 'string') {
        const test = textCondition(cond.string, `${path}.string`);
        return (p) => test(value(p).string ?? '');
      }
      if (sub === 'number') {
        const test = numberCondition(cond.number, `${path}.number`);
        return (p) => test(value(p).number ?? null);
      }
      if (sub === 'checkbox') {
        const c = oneOperator(cond.checkbox, `${path}.checkbox`, ['equals', 'does_not_equal']);
        if (typeof c.value !== 'boolean') throw bodyInvalid(`${path}.checkbox.${c.op}`, 'a boolean', c.value);
        return (p) => ((value(p).boolean ?? false) === c.value) === (c.op === 'equals');
      }
      if (sub === 'date') {
        const test = dateCondition(cond.date, `${path}.date`, ctx.now);
        return (p) => test(dateMs(value(p).date));
      }
      throw bodyInvalid(path, 'an object with one of `string`, `number`, `checkbox` or `date`', cond);
    }
    case 'rollup': {
      if (!isObject(cond)) throw bodyInvalid(path, 'an object', cond);
      const value = (p: PageRecord) => valueOf(ws, ds, p, prop, readOpts);
      if ('number' in cond) {
        const test = numberCondition(cond.number, `${path}.number`);
        return (p) => test(value(p).number ?? null);
      }
      if ('date' in cond) {
        const test = dateCondition(cond.date, `${path}.date`, ctx.now);
        return (p) => test(dateMs(value(p).date));
      }
      throw validation('The emulator supports rollup filters on `number` and `date` only.');
    }
  }
  throw validation(`The emulator does not support filters on ${prop.type} properties.`);
}

interface Operator {
  op: string;
  value: any;
}

function oneOperator(cond: unknown, path: string, allowed: string[]): Operator {
  if (!isObject(cond)) throw bodyInvalid(path, 'an object', cond);
  const keys = Object.keys(cond);
  if (keys.length !== 1 || !allowed.includes(keys[0])) {
    throw bodyInvalid(path, `an object with exactly one of ${allowed.map((k) => `\`${k}\``).join(', ')}`, cond);
  }
  return { op: keys[0], value: cond[keys[0]] };
}

function existence(c: Operator, path: string, isEmpty: Predicate): Predicate {
  if (c.value !== true) throw bodyInvalid(`${path}.${c.op}`, '`true`', c.value);
  return c.op === 'is_empty' ? isEmpty : (p) => !isEmpty(p);
}

function stringOrArray(v: unknown, path: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw bodyInvalid(path, 'a string or an array of strings', v);
}

/**
 * UNCERTAIN: equals/does_not_equal compare exactly; contains/starts_with/ends_with ignore case
 * (Notion's UI search does).
 */
function textCondition(cond: unknown, path: string): (s: string) => boolean {
  const c = oneOperator(cond, path, ['equals', 'does_not_equal', 'contains', 'does_not_contain', 'starts_with', 'ends_with', 'is_empty', 'is_not_empty']);
  if (c.op === 'is_empty' || c.op === 'is_not_empty') {
    if (c.value !== true) throw bodyInvalid(`${path}.${c.op}`, '`true`', c.value);
    return c.op === 'is_empty' ? (s) => s === '' : (s) => s !== '';
  }
  if (typeof c.value !== 'string') throw bodyInvalid(`${path}.${c.op}`, 'a string', c.value);
  const x = c.value;
  const lx = x.toLowerCase();
  switch (c.op) {
    case 'equals':
      return (s) => s === x;
    case 'does_not_equal':
      return (s) => s !== x;
    case 'contains':
      return (s) => s.toLowerCase().includes(lx);
    case 'does_not_contain':
      return (s) => !s.toLowerCase().includes(lx);
    case 'starts_with':
      return (s) => s.toLowerCase().startsWith(lx);
    default:
      return (s) => s.toLowerCase().endsWith(lx);
  }
}

/** UNCERTAIN: an empty number matches only does_not_equal among the comparisons. */
function numberCondition(cond: unknown, path: string): (n: number | null) => boolean {
  const c = oneOperator(cond, path, ['equals', 'does_not_equal', 'greater_than', 'less_than', 'greater_than_or_equal_to', 'less_than_or_equal_to', 'is_empty', 'is_not_empty']);
  if (c.op === 'is_empty' || c.op === 'is_not_empty') {
    if (c.value !== true) throw bodyInvalid(`${path}.${c.op}`, '`true`', c.value);
    return c.op === 'is_empty' ? (n) => n === null : (n) => n !== null;
  }
  if (typeof c.value !== 'number') throw bodyInvalid(`${path}.${c.op}`, 'a number', c.value);
  const x = c.value;
  switch (c.op) {
    case 'equals':
      return (n) => n === x;
    case 'does_not_equal':
      return (n) => n !== x;
    case 'greater_than':
      return (n) => n !== null && n > x;
    case 'less_than':
      return (n) => n !== null && n < x;
    case 'greater_than_or_equal_to':
      return (n) => n !== null && n >= x;
    default:
      return (n) => n !== null && n <= x;
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The instant a stored date value starts at (date-only values: UTC midnight). */
export function dateMs(d: { start: string } | null | undefined): number | null {
  if (!d?.start) return null;
  return Date.parse(DATE_ONLY.test(d.start) ? `${d.start}T00:00:00Z` : d.start);
}

const dayStart = (ms: number) => ms - (((ms % DAY) + DAY) % DAY);

/** A filter value as [from, to): a whole UTC day for dates, a single instant for datetimes. */
function dateTarget(v: unknown, path: string, now: number): [number, number] {
  if (typeof v !== 'string') throw bodyInvalid(path, 'a date string', v);
  const today = dayStart(now);
  const months = (n: number) => {
    const d = new Date(today);
    d.setUTCMonth(d.getUTCMonth() + n);
    return d.getTime();
  };
  const relative: Record<string, number> = {
    today,
    tomorrow: today + DAY,
    yesterday: today - DAY,
    one_week_ago: today - 7 * DAY,
    one_week_from_now: today + 7 * DAY,
    one_month_ago: months(-1),
    one_month_from_now: months(1),
  };
  if (v in relative) return [relative[v], relative[v] + DAY];
  const ms = Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(ms)) throw bodyInvalid(path, 'a valid ISO 8601 date string', v);
  return DATE_ONLY.test(v) ? [ms, ms + DAY] : [ms, ms];
}

/**
 * Date conditions over an instant (null = empty). Date-only filter values cover their whole UTC day
 * (`after: "2026-01-05"` starts the next day); datetimes compare exactly. UNCERTAIN: this_week starts
 * on Monday (UTC); the past_/next_ windows are rolling from now.
 */
function dateCondition(cond: unknown, path: string, now: number): (ms: number | null) => boolean {
  const c = oneOperator(cond, path, [
    'equals', 'before', 'after', 'on_or_before', 'on_or_after', 'this_week', 'past_week', 'past_month', 'past_year',
    'next_week', 'next_month', 'next_year', 'is_empty', 'is_not_empty',
  ]);
  if (c.op === 'is_empty' || c.op === 'is_not_empty') {
    if (c.value !== true) throw bodyInvalid(`${path}.${c.op}`, '`true`', c.value);
    return c.op === 'is_empty' ? (ms) => ms === null : (ms) => ms !== null;
  }
  const windows: Record<string, [number, number]> = {
    past_week: [now - 7 * DAY, now],
    past_month: [now - 30 * DAY, now],
    past_year: [now - 365 * DAY, now],
    next_week: [now, now + 7 * DAY],
    next_month: [now, now + 30 * DAY],
    next_year: [now, now + 365 * DAY],
  };
  if (c.op === 'this_week') {
    const start = dayStart(now) - ((new Date(now).getUTCDay() + 6) % 7) * DAY;
    return (ms) => ms !== null && ms >= start && ms < start + 7 * DAY;
  }
  if (c.op in windows) {
    const [from, to] = windows[c.op];
    return (ms) => ms !== null && ms >= from && ms <= to;
  }
  const [from, to] = dateTarget(c.value, `${path}.${c.op}`, now);
  const point = from === to;
  switch (c.op) {
    case 'equals':
      return point ? (ms) => ms === from : (ms) => ms !== null && ms >= from && ms < to;
    case 'before':
      return (ms) => ms !== null && ms < from;
    case 'after':
      return point ? (ms) => ms !== null && ms > from : (ms) => ms !== null && ms >= to;
    case 'on_or_before':
      return point ? (ms) => ms !== null && ms <= from : (ms) => ms !== null && ms < to;
    default:
      return (ms) => ms !== null && ms >= from;
  }
}
