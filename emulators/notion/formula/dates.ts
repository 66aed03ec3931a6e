/**
 * Date functions: now/today from the emulator's clock, dateAdd/dateSubtract/dateBetween with the
 * units Notion accepts, formatDate, parts (year, month, date, hour, minute), ranges. All in UTC.
 */
import { Empty, FDate, formatDatePattern, FormulaError, parseNotionDate, typeName, type Value } from './values.ts';

const UNIT_MS: Record<string, number> = { weeks: 604_800_000, days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000, milliseconds: 1 };
const MONTH_UNITS: Record<string, number> = { years: 12, quarters: 3, months: 1 };

function unitOf(v: Value): string {
  if (typeof v !== 'string') throw new FormulaError(`a date unit must be text, not ${typeName(v)}`);
  const u = v.endsWith('s') ? v : `${v}s`; // "day" and "days" both
  if (!(u in UNIT_MS) && !(u in MONTH_UNITS)) throw new FormulaError(`unknown date unit "${v}"`);
  return u;
}

export function asDate(v: Value, fn: string): FDate | null {
  if (v instanceof Empty) return null;
  if (v instanceof FDate) return v;
  throw new FormulaError(`${fn}() needs a date, not ${typeName(v)}`);
}

function asNumber(v: Value, fn: string): number | null {
  if (v instanceof Empty) return null;
  if (typeof v === 'number') return v;
  throw new FormulaError(`${fn}() needs a number, not ${typeName(v)}`);
}

/** Calendar month arithmetic that clamps to the month's last day (Jan 31 + 1 month = Feb 28/29). */
function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.getTime();
}

function shift(ms: number, amount: number, unit: string): number {
  if (unit in MONTH_UNITS) return addMonths(ms, Math.trunc(amount) * MONTH_UNITS[unit]!);
  return ms + amount * UNIT_MS[unit]!;
}

function dateAdd(args: Value[], sign: 1 | -1, fn: string): Value {
  if (args.length !== 3) throw new FormulaError(`${fn}() takes a date, a number and a unit`);
  const d = asDate(args[0]!, fn);
  const n = asNumber(args[1]!, fn);
  const unit = unitOf(args[2]!);
  if (!d || n === null) return new Empty('date');
  return new FDate(shift(d.start, sign * n, unit), d.end === null ? null : shift(d.end, sign * n, unit), d.hasTime);
}

/** Whole units from b to a (a − b), truncated toward zero, as Notion's dateBetween. */
function dateBetween(args: Value[]): Value {
  if (args.length !== 3) throw new FormulaError('dateBetween() takes two dates and a unit');
  const a = asDate(args[0]!, 'dateBetween');
  const b = asDate(args[1]!, 'dateBetween');
  const unit = unitOf(args[2]!);
  if (!a || !b) return new Empty('number');
  if (unit in UNIT_MS) return Math.trunc((a.start - b.start) / UNIT_MS[unit]!);
  const da = new Date(a.start);
  const db = new Date(b.start);
  let months = (da.getUTCFullYear() - db.getUTCFullYear()) * 12 + (da.getUTCMonth() - db.getUTCMonth());
  // Not a whole month yet: step back toward zero.
  if (months > 0 && addMonths(b.start, months) > a.start) months--;
  if (months < 0 && addMonths(b.start, months) < a.start) months++;
  return Math.trunc(months / MONTH_UNITS[unit]!);
}

function part(fn: string, get: (d: Date) => number) {
  return (args: Value[]): Value => {
    const d = asDate(args[0] ?? new Empty('date'), fn);
    return d ? get(new Date(d.start)) : new Empty('number');
  };
}

export function dateFunctions(now: () => number): Record<string, (args: Value[]) => Value> {
  return {
    now: () => new FDate(now(), null, true),
    today: () => new FDate(now() - (now() % 86_400_000), null, false),
    dateAdd: (args) => dateAdd(args, 1, 'dateAdd'),
    dateSubtract: (args) => dateAdd(args, -1, 'dateSubtract'),
    dateBetween,
    formatDate: (args) => {
      const d = asDate(args[0] ?? new Empty('date'), 'formatDate');
      if (typeof args[1] !== 'string') throw new FormulaError('formatDate() takes a date and a text pattern');
      return d ? formatDatePattern(d.start, args[1]) : new Empty('string');
    },
    year: part('year', (d) => d.getUTCFullYear()),
    month: part('month', (d) => d.getUTCMonth() + 1),
    date: part('date', (d) => d.getUTCDate()),
    hour: part('hour', (d) => d.getUTCHours()),
    minute: part('minute', (d) => d.getUTCMinutes()),
    timestamp: part('timestamp', (d) => d.getTime()),
    fromTimestamp: (args) => {
      const n = asNumber(args[0] ?? new Empty('number'), 'fromTimestamp');
      return n === null ? new Empty('date') : new FDate(n, null, true);
    },
    parseDate: (args) => {
      if (typeof args[0] !== 'string') throw new FormulaError('parseDate() takes ISO 8601 text');
      return parseNotionDate(args[0]);
    },
    dateStart: (args) => {
      const d = asDate(args[0] ?? new Empty('date'), 'dateStart');
      return d ? new FDate(d.start, null, d.hasTime) : new Empty('date');
    },
    dateEnd: (args) => {
      const d = asDate(args[0] ?? new Empty('date'), 'dateEnd');
      return d ? new FDate(d.end ?? d.start, null, d.hasTime) : new Empty('date');
    },
    dateRange: (args) => {
      const a = asDate(args[0] ?? new Empty('date'), 'dateRange');
      const b = asDate(args[1] ?? new Empty('date'), 'dateRange');
      return a && b ? new FDate(a.start, b.start, a.hasTime || b.hasTime) : new Empty('date');
    },
  };
}
