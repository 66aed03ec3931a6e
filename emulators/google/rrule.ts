/**
 * RFC 5545 recurrence, the subset realistic calendars use: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with
 * INTERVAL, COUNT, UNTIL, BYDAY (with ordinals for MONTHLY/YEARLY, e.g. 1MO, -1FR), BYMONTHDAY,
 * BYMONTH, WKST (only MO), plus EXDATE lines. Instances are generated on the wall clock of the
 * event's time zone, so a 09:00 Europe/Berlin series stays at 09:00 across DST.
 * Anything else (RDATE, EXRULE, BYSETPOS, BYHOUR, ...) is rejected with a clear error.
 */
import { DAY_MS, dateMs, fromZoned, isValidTimeZone, msDate, zoned, zonedDate, zoneMidnight } from './time.ts';

export class RecurrenceError extends Error {}

type Freq = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

export interface Recurrence {
  freq: Freq;
  interval: number;
  count?: number;
  until?: { ms: number } | { date: string };
  byDay?: Array<{ n: number; wd: number }>;
  byMonthDay?: number[];
  byMonth?: number[];
  /** Excluded instance stamps (see `stampOf`). */
  exdates: Set<string>;
}

/** The start of a series: an all-day date, or a wall-clock time in a zone. */
export interface SeriesStart {
  allDay: boolean;
  /** Local start date, yyyy-mm-dd. */
  date: string;
  hour: number;
  minute: number;
  second: number;
  tz: string;
  /** Length of each instance. */
  durationMs: number;
}

export interface Occurrence {
  /** "20260105T080000Z" (timed, UTC) or "20260105" (all-day): the suffix of the instance id. */
  stamp: string;
  startMs: number;
  endMs: number;
  /** All-day instances: start date. */
  date?: string;
}

const compactUtc = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
/** All-day stamps are the instance's day in the calendar's zone `tz`. */
export const stampOf = (allDay: boolean, ms: number, tz = 'UTC') => (allDay ? zonedDate(ms, tz).replace(/-/g, '') : compactUtc(ms));

function parseStamp(value: string, params: Record<string, string>, seriesTz: string, allDay: boolean): string {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value.trim());
  if (!m) throw new RecurrenceError(`Invalid date-time in recurrence: ${value}`);
  const [, y, mo, d, h, mi, s, z] = m;
  if (h === undefined || params.VALUE === 'DATE' || allDay) return `${y}${mo}${d}`;
  const wall = { year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi!, second: +s! };
  if (z) return compactUtc(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second));
  const tz = params.TZID ?? seriesTz;
  if (!isValidTimeZone(tz)) throw new RecurrenceError(`Unknown TZID in recurrence: ${tz}`);
  return compactUtc(fromZoned(wall, tz));
}

function parseLine(line: string): { name: string; params: Record<string, string>; value: string } {
  const colon = line.indexOf(':');
  if (colon < 0) throw new RecurrenceError(`Invalid recurrence line: ${line}`);
  const [name, ...rest] = line.slice(0, colon).split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const [k, v] = p.split('=');
    if (k) params[k.toUpperCase()] = v ?? '';
  }
  return { name: name!.toUpperCase(), params, value: line.slice(colon + 1) };
}

/** Parses an event's `recurrence[]` (one RRULE, any number of EXDATE lines). */
export function parseRecurrence(lines: string[], start: Pick<SeriesStart, 'allDay' | 'tz'>): Recurrence {
  let rule: Recurrence | null = null;
  const exdates = new Set<string>();
  for (const raw of lines) {
    const { name, params, value } = parseLine(raw);
    if (name === 'EXDATE') {
      for (const v of value.split(',')) exdates.add(parseStamp(v, params, start.tz, start.allDay));
      continue;
    }
    if (name !== 'RRULE') throw new RecurrenceError(`The emulator does not support ${name} in recurrence (only RRULE and EXDATE).`);
    if (rule) throw new RecurrenceError('The emulator supports one RRULE per event.');
    rule = parseRule(value, start);
  }
  if (!rule) throw new RecurrenceError('recurrence has no RRULE line.');
  rule.exdates = exdates;
  return rule;
}

function parseRule(value: string, start: Pick<SeriesStart, 'allDay' | 'tz'>): Recurrence {
  const parts: Record<string, string> = {};
  for (const p of value.split(';')) {
    const [k, v] = p.split('=');
    if (k) parts[k.toUpperCase()] = (v ?? '').toUpperCase();
  }
  const freq = parts.FREQ as Freq;
  if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq)) throw new RecurrenceError(`Unsupported RRULE FREQ: ${parts.FREQ}`);
  const rec: Recurrence = { freq, interval: 1, exdates: new Set() };
  for (const [k, v] of Object.entries(parts)) {
    switch (k) {
      case 'FREQ':
        break;
      case 'INTERVAL':
        rec.interval = positiveInt(k, v);
        break;
      case 'COUNT':
        rec.count = positiveInt(k, v);
        break;
      case 'UNTIL': {
        const stamp = parseStamp(v, {}, start.tz, false);
        rec.until = stamp.length === 8
          ? { date: `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}` }
          : { ms: Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`) };
        break;
      }
      case 'BYDAY':
        rec.byDay = v.split(',').map((d) => {
          const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(d);
          if (!m) throw new RecurrenceError(`Invalid BYDAY value: ${d}`);
          const n = m[1] ? Number(m[1]) : 0;
          if (n !== 0 && (freq === 'DAILY' || freq === 'WEEKLY')) throw new RecurrenceError(`BYDAY ordinals need FREQ=MONTHLY or YEARLY: ${d}`);
          return { n, wd: WEEKDAYS.indexOf(m[2]!) };
        });
        break;
      case 'BYMONTHDAY':
        rec.byMonthDay = v.split(',').map((x) => {
          const n = Number(x);
          if (!Number.isInteger(n) || n === 0 || Math.abs(n) > 31) throw new RecurrenceError(`Invalid BYMONTHDAY: ${x}`);
          return n;
        });
        break;
      case 'BYMONTH':
        rec.byMonth = v
          .split(',')
          .map((x) => {
            const n = Number(x);
            if (!Number.isInteger(n) || n < 1 || n > 12) throw new RecurrenceError(`Invalid BYMONTH: ${x}`);
            return n;
          })
          .sort((a, b) => a - b);
        break;
      case 'WKST':
        if (v !== 'MO') throw new RecurrenceError('The emulator supports only WKST=MO.');
        break;
      default:
        throw new RecurrenceError(`The emulator does not support RRULE part ${k}.`);
    }
  }
  if (rec.count !== undefined && rec.until !== undefined) throw new RecurrenceError('RRULE cannot have both COUNT and UNTIL.');
  return rec;
}

function positiveInt(k: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RecurrenceError(`Invalid RRULE ${k}: ${v}`);
  return n;
}

// ---- expansion ----------------------------------------------------------------------------------

const dayNum = (date: string) => Math.round(dateMs(date) / DAY_MS);
const weekday = (day: number) => (((day + 4) % 7) + 7) % 7; // day 0 = 1970-01-01, a Thursday
const ymd = (day: number) => {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};
const dayOf = (year: number, month: number, d: number) => Math.round(Date.UTC(year, month - 1, d) / DAY_MS);
const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Days of a month matching BYDAY (with ordinals) / BYMONTHDAY, or `fallbackDay`. Sorted. */
function monthDays(rec: Recurrence, year: number, month: number, fallbackDay: number): number[] {
  const dim = daysInMonth(year, month);
  const out = new Set<number>();
  if (rec.byMonthDay) {
    for (const md of rec.byMonthDay) {
      const d = md > 0 ? md : dim + md + 1;
      if (d >= 1 && d <= dim) out.add(dayOf(year, month, d));
    }
  }
  if (rec.byDay) {
    for (const { n, wd } of rec.byDay) {
      const all: number[] = [];
      for (let d = 1; d <= dim; d++) if (weekday(dayOf(year, month, d)) === wd) all.push(dayOf(year, month, d));
      if (n === 0) all.forEach((x) => out.add(x));
      else {
        const pick = n > 0 ? all[n - 1] : all[all.length + n];
        if (pick !== undefined) out.add(pick);
      }
    }
  }
  if (!rec.byMonthDay && !rec.byDay && fallbackDay <= dim) out.add(dayOf(year, month, fallbackDay));
  return [...out].sort((a, b) => a - b);
}

/** Candidate local days in ascending order, starting at the series' first day. */
function* candidates(rec: Recurrence, startDay: number, skipToDay: number): Generator<number> {
  const s = ymd(startDay);
  const iv = rec.interval;
  switch (rec.freq) {
    case 'DAILY': {
      let k = Math.max(0, Math.floor((skipToDay - startDay) / iv));
      for (;; k++) {
        const d = startDay + k * iv;
        if (!rec.byDay || rec.byDay.some((b) => b.wd === weekday(d))) yield d;
      }
    }
    case 'WEEKLY': {
      const week0 = startDay - ((weekday(startDay) + 6) % 7);
      const offsets = (rec.byDay ?? [{ n: 0, wd: weekday(startDay) }]).map((b) => (b.wd + 6) % 7).sort((a, b) => a - b);
      let k = Math.max(0, Math.floor((skipToDay - week0) / (7 * iv)));
      for (;; k++) {
        const ws = week0 + k * 7 * iv;
        for (const o of offsets) if (ws + o >= startDay) yield ws + o;
      }
    }
    case 'MONTHLY': {
      for (let k = 0; ; k++) {
        const mi = s.year * 12 + (s.month - 1) + k * iv;
        for (const d of monthDays(rec, Math.floor(mi / 12), (mi % 12) + 1, s.day)) if (d >= startDay) yield d;
      }
    }
    case 'YEARLY': {
      for (let k = 0; ; k++) {
        const year = s.year + k * iv;
        for (const month of rec.byMonth ?? [s.month]) {
          for (const d of monthDays(rec, year, month, s.day)) if (d >= startDay) yield d;
        }
      }
    }
  }
}

/** Safety net against pathological rules: candidates examined per expansion. */
const MAX_STEPS = 200_000;

/**
 * Instances whose span overlaps (from, to) — end > from and start < to — in start order, at most
 * `limit`. COUNT is counted from the series start (EXDATEs still count, as in RFC 5545).
 */
export function expand(rec: Recurrence, start: SeriesStart, window: { from: number; to: number }, limit: number): Occurrence[] {
  const out: Occurrence[] = [];
  const startDay = dayNum(start.date);
  // Without COUNT nothing before the window matters: jump close to it (a day or two of slack for zones).
  const durDays = Math.ceil(start.durationMs / DAY_MS);
  const skipTo = rec.count === undefined && Number.isFinite(window.from) ? Math.floor(window.from / DAY_MS) - durDays - 2 : startDay;
  let counted = 0;
  let steps = 0;
  for (const day of candidates(rec, startDay, skipTo)) {
    if (++steps > MAX_STEPS) break;
    const w = ymd(day);
    // All-day instances run from midnight to midnight in the calendar's zone (DST days are 23 or 25 hours).
    const startMs = start.allDay
      ? zoneMidnight(msDate(day * DAY_MS), start.tz)
      : fromZoned({ year: w.year, month: w.month, day: w.day, hour: start.hour, minute: start.minute, second: start.second }, start.tz);
    if (rec.until) {
      if ('ms' in rec.until ? startMs > rec.until.ms : msDate(day * DAY_MS) > rec.until.date) break;
    }
    counted++;
    if (rec.count !== undefined && counted > rec.count) break;
    if (startMs >= window.to) break;
    const stamp = start.allDay ? msDate(day * DAY_MS).replace(/-/g, '') : stampOf(false, startMs);
    if (rec.exdates.has(stamp)) continue;
    const endMs = start.allDay ? zoneMidnight(msDate((day + Math.round(start.durationMs / DAY_MS)) * DAY_MS), start.tz) : startMs + start.durationMs;
    if (endMs <= window.from) continue;
    out.push({ stamp, startMs, endMs, date: start.allDay ? msDate(day * DAY_MS) : undefined });
    if (out.length >= limit) break;
  }
  return out;
}

/** The wall-clock start of a series from an event's start (dateTime + timeZone, or date). */
export function seriesStart(startMs: number, endMs: number, allDay: boolean, tz: string): SeriesStart {
  if (allDay) return { allDay, date: zonedDate(startMs, tz), hour: 0, minute: 0, second: 0, tz, durationMs: endMs - startMs };
  const w = zoned(startMs, tz);
  const pad = (n: number) => String(n).padStart(2, '0');
  return { allDay, date: `${w.year}-${pad(w.month)}-${pad(w.day)}`, hour: w.hour, minute: w.minute, second: w.second, tz, durationMs: endMs - startMs };
}
