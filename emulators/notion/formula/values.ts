/**
 * Runtime values of the formula evaluator: number, string, boolean, date, list, and typed empties
 * (an empty number property stays a number-typed empty, so the result type survives emptiness).
 * Dates are instants in UTC (the emulator has no workspace time zone) with a flag for "has a time".
 */

/** Anything the evaluator cannot evaluate: syntax, unknown functions or properties, type errors. */
export class FormulaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormulaError';
  }
}

export class FDate {
  constructor(
    readonly start: number,
    readonly end: number | null,
    readonly hasTime: boolean,
  ) {}
}

export type EmptyOf = 'number' | 'string' | 'date' | 'boolean';

export class Empty {
  constructor(readonly of: EmptyOf) {}
}

export type Value = number | string | boolean | FDate | Empty | Value[];

export const isEmptyValue = (v: Value): boolean =>
  v instanceof Empty || v === '' || (Array.isArray(v) && v.length === 0);

export function typeName(v: Value): string {
  if (v instanceof Empty) return `empty ${v.of}`;
  if (v instanceof FDate) return 'date';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

/** A Notion date string ("2026-01-02", or a date-time with offset) → FDate. */
export function parseNotionDate(start: string, end: string | null = null, timeZone: string | null = null): FDate {
  const hasTime = start.includes('T');
  const s = instantOf(start, timeZone);
  const e = end === null ? null : instantOf(end, timeZone);
  if (Number.isNaN(s) || (e !== null && Number.isNaN(e))) throw new FormulaError(`not a date: ${start}`);
  return new FDate(s, e, hasTime);
}

/**
 * A date property's start or end as an instant: a day alone is its midnight UTC; a time with an
 * offset is that instant; a time without one is wall time in the property's time zone (how Notion
 * stores a date with a time zone: "2026-07-01T09:30:00" + "Europe/London" is 08:30 UTC), else UTC —
 * never the emulator process's own zone.
 */
function instantOf(v: string, timeZone: string | null): number {
  if (!v.includes('T')) return Date.parse(`${v}T00:00:00Z`);
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(v)) return Date.parse(v);
  const asUtc = Date.parse(`${v}Z`);
  if (!timeZone || Number.isNaN(asUtc)) return asUtc;
  // The zone's offset at that wall time (twice: the first guess may sit across a DST change).
  let instant = asUtc - zoneOffsetMs(asUtc, timeZone);
  instant = asUtc - zoneOffsetMs(instant, timeZone);
  return instant;
}

function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(instant / 1000) * 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Day.js-style patterns as Notion's formatDate() takes them (YYYY YY MMMM MMM MM M DD D dddd ddd
 * HH H hh h mm ss A a), in UTC; text in [brackets] is literal.
 */
export function formatDatePattern(ms: number, pattern: string): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const tokens: Record<string, () => string> = {
    YYYY: () => String(d.getUTCFullYear()),
    YY: () => pad(d.getUTCFullYear() % 100),
    MMMM: () => MONTHS[d.getUTCMonth()]!,
    MMM: () => MONTHS[d.getUTCMonth()]!.slice(0, 3),
    MM: () => pad(d.getUTCMonth() + 1),
    M: () => String(d.getUTCMonth() + 1),
    DD: () => pad(d.getUTCDate()),
    D: () => String(d.getUTCDate()),
    dddd: () => WEEKDAYS[d.getUTCDay()]!,
    ddd: () => WEEKDAYS[d.getUTCDay()]!.slice(0, 3),
    HH: () => pad(h),
    H: () => String(h),
    hh: () => pad(h % 12 || 12),
    h: () => String(h % 12 || 12),
    mm: () => pad(d.getUTCMinutes()),
    ss: () => pad(d.getUTCSeconds()),
    A: () => (h < 12 ? 'AM' : 'PM'),
    a: () => (h < 12 ? 'am' : 'pm'),
  };
  return pattern.replace(/\[([^\]]*)]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|hh|h|mm|ss|A|a/g, (m, literal) =>
    literal !== undefined ? literal : tokens[m]!(),
  );
}

/** How Notion shows a value as text: what format() and `"text" + value` produce. */
export function toText(v: Value): string {
  if (v instanceof Empty) return '';
  if (v instanceof FDate) {
    const one = (ms: number) => formatDatePattern(ms, v.hasTime ? 'MMMM D, YYYY h:mm A' : 'MMMM D, YYYY');
    return v.end === null ? one(v.start) : `${one(v.start)} → ${one(v.end)}`;
  }
  if (Array.isArray(v)) return v.map(toText).join(', ');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15)));
  return String(v);
}

/** The API date shape of a date value (date-only values stay date-only). */
export function apiDate(d: FDate): { start: string; end: string | null; time_zone: null } {
  const one = (ms: number) => (d.hasTime ? new Date(ms).toISOString() : new Date(ms).toISOString().slice(0, 10));
  return { start: one(d.start), end: d.end === null ? null : one(d.end), time_zone: null };
}
