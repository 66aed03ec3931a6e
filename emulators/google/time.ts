/**
 * Time helpers without dependencies: RFC 3339 with mandatory offsets (Calendar's rule), IANA time
 * zones through Intl (wall-clock ↔ UTC, DST-correct), date-only arithmetic and RFC 2822 dates.
 */

const DAY_MS = 86_400_000;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch ms of an RFC 3339 timestamp with an offset (or Z); null otherwise. */
export function parseRfc3339(s: unknown): number | null {
  if (typeof s !== 'string' || !RFC3339.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

export const isDate = (s: unknown): s is string => typeof s === 'string' && DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

/** "2026-01-05T09:00:00.000Z" (Calendar's `updated`/`created` style). */
export const isoUtc = (ms: number) => new Date(ms).toISOString();

/** Midnight UTC of a yyyy-mm-dd date. */
export const dateMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
export const msDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (date: string, n: number) => msDate(dateMs(date) + n * DAY_MS);

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock in `tz` at an instant. */
export function zoned(ms: number, tz: string): WallClock {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute!, second: p.second! };
}

/** Offset of `tz` from UTC at an instant, in ms (local = utc + offset). */
export function offsetMs(ms: number, tz: string): number {
  const w = zoned(ms, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant a wall clock in `tz` shows (for a skipped DST hour: the later reading, like most calendars). */
export function fromZoned(w: WallClock, tz: string): number {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  let t = guess - offsetMs(guess, tz);
  const o2 = offsetMs(t, tz);
  if (guess - o2 !== t) {
    const t2 = guess - o2;
    if (offsetMs(t2, tz) === o2) t = t2;
  }
  return t;
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** "2026-01-05T10:00:00+01:00": an instant as the wall clock of `tz` with its offset. */
export function formatInZone(ms: number, tz: string): string {
  const off = offsetMs(ms, tz);
  const w = zoned(ms, tz);
  const sign = off < 0 ? '-' : '+';
  const mins = Math.abs(off) / 60_000;
  const zone = off === 0 && tz === 'UTC' ? 'Z' : `${sign}${pad(Math.floor(mins / 60))}:${pad(mins % 60)}`;
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${zone}`;
}

/** The instant a calendar day starts in `tz` (an all-day event's start in its calendar's zone). */
export function zoneMidnight(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return fromZoned({ year: y, month: m, day: d, hour: 0, minute: 0, second: 0 }, tz);
}

/** The calendar day (yyyy-mm-dd) an instant falls on in `tz`. */
export function zonedDate(ms: number, tz: string): string {
  const w = zoned(ms, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** An event's dateTime: with an offset it is absolute; without one it is a wall clock in `tz`. */
export function parseEventDateTime(dateTime: string, tz: string | null | undefined): number | null {
  const abs = parseRfc3339(dateTime);
  if (abs !== null) return abs;
  const m = LOCAL.exec(dateTime);
  if (!m || !tz || !isValidTimeZone(tz)) return null;
  return fromZoned({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]! }, tz);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mon, 5 Jan 2026 09:00:00 +0000" (a Date header). */
export function rfc2822(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export { DAY_MS };
