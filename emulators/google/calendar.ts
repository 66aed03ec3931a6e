/**
 * Calendar v3: events per calendar with a change log, recurring series expanded on read, and
 * events.list with full sync, incremental sync (syncToken), paging and the documented filters.
 *
 * Records are immutable snapshots: every change stores a new event object, so a result list cut at
 * one snapshot keeps rendering what it saw even if the event changes while a client pages through.
 */
import type { Clock } from '../../src/lib/clock.ts';
import { ChangeLog, type Sequence } from './changelog.ts';
import { badRequestV1, v1Error } from './errors.ts';
import { calendarEtag, eventIdFrom } from './ids.ts';
import { expand, parseRecurrence, RecurrenceError, seriesStart, stampOf, type Occurrence, type Recurrence, type SeriesStart } from './rrule.ts';
import { DAY_MS, formatInZone, isDate, isoUtc, isValidTimeZone, parseEventDateTime, parseRfc3339, zonedDate, zoneMidnight } from './time.ts';
import { compareKeys, decodeToken, encodeToken, fingerprint, firstAfter, ResultCache } from './tokens.ts';
import type { CalendarEvent } from './types.ts';

export interface EventRecord {
  id: string;
  /** Creation order within the calendar (the default list order). */
  ord: number;
  /** Sequence number of the last change. */
  seq: number;
  /** The stored event; replaced (never mutated) on every change. */
  event: CalendarEvent;
  /** A cancelled instance left behind when its series was rescheduled or shortened; only sync sees it. */
  ghost: boolean;
  /** Exceptions (modified/cancelled instances): their series. */
  masterId?: string;
  /** Masters: ids of their exception records. */
  exceptions?: Set<string>;
  startMs: number;
  endMs: number;
  allDay: boolean;
  /** Recurring masters. */
  rec?: Recurrence;
  series?: SeriesStart;
  /** Exceptions: the start their instance was originally scheduled at. */
  originalStartMs?: number;
}

export class CalendarData {
  readonly events = new Map<string, EventRecord>();
  readonly log = new ChangeLog();
  nextOrd = 0;
  /** Latest `updated` of any event (the collection's `updated`). */
  maxUpdated = 0;
  /**
   * The calendar's IANA time zone (calendars.get, calendarList, the events.list default timeZone): all-day
   * events and all-day series run midnight to midnight in it. Set with the calendarTimeZone option, the seed's
   * calendarTimeZones or calendar.setTimeZone.
   */
  timeZone: string;
  constructor(readonly id: string, timeZone = 'UTC') {
    this.timeZone = timeZone;
  }
}

export interface CalendarOptions {
  horizonMs: number;
  emptyPageEvery: number | null;
  /** The zone of calendars the store creates (the user's zone). Default UTC. */
  defaultTimeZone?: string;
}

interface SyncToken {
  c: string;
  s: number;
  t: number;
  /** The full sync's time window, used to expand changed series in later incremental syncs. */
  w: [number | null, number | null];
}

interface PageToken {
  f: string;
  v: number;
  a: Array<number | string> | null;
}

interface Item {
  key: Array<number | string>;
  ev: CalendarEvent;
}

const SYNC_PREFIX = 'CAL.s.';
const PAGE_PREFIX = 'CAL.p.';
/** UNCERTAIN: how far ahead an endless series is expanded when the request has no timeMax. */
const DEFAULT_EXPANSION_MS = 365 * DAY_MS;
/** UNCERTAIN: cap on instances per series in one response set. */
const MAX_INSTANCES = 2500;
const DISALLOWED_WITH_SYNC = ['iCalUID', 'orderBy', 'privateExtendedProperty', 'q', 'sharedExtendedProperty', 'timeMin', 'timeMax', 'updatedMin'];
/** UNCERTAIN (matches what Google is seen to do): instance ids are `<masterId>_<YYYYMMDDTHHMMSSZ>` (UTC), all-day `<masterId>_<YYYYMMDD>`. */
const INSTANCE_ID = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/;

const notFound = () => v1Error(404, 'notFound', 'Not Found');
export const fullSyncRequired = () =>
  v1Error(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.');

function tombstone(rec: EventRecord, ev: CalendarEvent): CalendarEvent {
  const t: CalendarEvent = { kind: 'calendar#event', etag: ev.etag, id: ev.id, status: 'cancelled' };
  if (ev.recurringEventId) {
    t.recurringEventId = ev.recurringEventId;
    t.originalStartTime = ev.originalStartTime;
  }
  void rec;
  return t;
}

/**
 * An event as a response in another zone: timed start/end/originalStartTime carry that zone's offset (the
 * same instant); their own timeZone field and all-day dates are untouched.
 */
function inZone(ev: CalendarEvent, tz: string): CalendarEvent {
  const out = structuredClone(ev);
  for (const t of [out.start, out.end, out.originalStartTime]) {
    const ms = t?.dateTime ? parseRfc3339(t.dateTime) : null;
    if (t && ms !== null) t.dateTime = formatInZone(ms, tz);
  }
  return out;
}

export class CalendarStore {
  readonly calendars = new Map<string, CalendarData>();
  private readonly cache = new ResultCache<Item[]>(16);
  private pagesServed = 0;
  private created = 0;

  constructor(
    private readonly seq: Sequence,
    private readonly clock: Clock,
    readonly userEmail: string,
    private readonly opts: CalendarOptions,
  ) {
    this.calendars.set(userEmail, new CalendarData(userEmail, opts.defaultTimeZone));
  }

  /** Moves a calendar to another zone: its all-day events and series are re-placed in it. */
  setTimeZone(calendarId: string, tz: string): void {
    if (!isValidTimeZone(tz)) throw new Error(`setTimeZone: unknown time zone ${tz}`);
    const cal = this.calendar(calendarId, true)!;
    cal.timeZone = tz;
    for (const rec of cal.events.values()) {
      if (rec.ghost || !rec.event.start) continue;
      this.deriveTimes(rec, rec.event, cal);
      if (rec.masterId && rec.event.originalStartTime) rec.originalStartMs = this.timeOf(rec.event.originalStartTime, cal.events.get(rec.masterId)?.series?.tz ?? cal.timeZone, 'originalStartTime');
    }
    this.cache.clear();
  }

  /** calendars.get / calendarList entries: the calendar's own fields. */
  describe(calendarId: string, asListEntry: boolean): Record<string, unknown> {
    const cal = this.get404(calendarId);
    const out: Record<string, unknown> = {
      kind: asListEntry ? 'calendar#calendarListEntry' : 'calendar#calendar',
      etag: `"c${cal.id.length.toString(32)}${cal.timeZone.length.toString(32)}"`,
      id: cal.id,
      summary: cal.id,
      timeZone: cal.timeZone,
      conferenceProperties: { allowedConferenceSolutionTypes: ['hangoutsMeet'] },
    };
    if (asListEntry) {
      Object.assign(out, { accessRole: 'owner', defaultReminders: [{ method: 'popup', minutes: 10 }], backgroundColor: '#9fe1e7', foregroundColor: '#000000', colorId: '14', selected: true });
      if (cal.id === this.userEmail) out.primary = true;
    }
    return out;
  }

  /** calendarList.list: every calendar of the account, primary first (one page). */
  calendarList(): Record<string, unknown> {
    const ids = [this.userEmail, ...[...this.calendars.keys()].filter((id) => id !== this.userEmail)];
    return { kind: 'calendar#calendarList', etag: `"l${this.seq.current.toString(32)}"`, nextSyncToken: `CAL.l.${this.seq.current}`, items: ids.map((id) => this.describe(id, true)) };
  }

  resolveId(calendarId: string): string {
    return calendarId === 'primary' ? this.userEmail : calendarId;
  }

  calendar(calendarId: string, create = false): CalendarData | undefined {
    const id = this.resolveId(calendarId);
    let cal = this.calendars.get(id);
    if (!cal && create) {
      cal = new CalendarData(id, this.opts.defaultTimeZone);
      this.calendars.set(id, cal);
    }
    return cal;
  }

  // ---- writes (control API and seeds) ----------------------------------------------------------

  /**
   * Creates or merges an event. `patch` fields replace stored ones (null deletes). An id of the form
   * `<masterId>_<stamp>` (or recurringEventId + originalStartTime) addresses one instance of a series
   * and stores an exception. Seeds may carry their own created/updated; other writes get now.
   */
  upsert(calendarId: string, patch: Partial<CalendarEvent>, o: { seeding?: boolean } = {}): EventRecord {
    const cal = this.calendar(calendarId, true)!;
    const now = this.clock.now();
    let id = typeof patch.id === 'string' && patch.id !== '' ? patch.id : undefined;
    if (!id && patch.recurringEventId && patch.originalStartTime) {
      const master = cal.events.get(patch.recurringEventId);
      if (!master?.series) throw new Error(`upsertEvent: ${patch.recurringEventId} is not a recurring event in ${cal.id}`);
      id = `${master.id}_${stampOf(master.allDay, this.timeOf(patch.originalStartTime, master.series.tz, 'originalStartTime'), master.series.tz)}`;
    }
    const existing = id ? cal.events.get(id) : undefined;
    let base: CalendarEvent;
    let masterId = existing?.masterId;
    if (existing) base = existing.event;
    else {
      const inst = id ? this.instanceFromId(cal, id) : null;
      if (inst) {
        base = inst.event;
        masterId = inst.master.id;
      } else base = {};
    }
    const ev: CalendarEvent = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete (ev as Record<string, unknown>)[k];
      else if (v !== undefined) (ev as Record<string, unknown>)[k] = structuredClone(v);
    }
    if (!id) id = eventIdFrom(`${cal.id}:${++this.created}:${ev.summary ?? ''}`);
    if (!/^[a-z0-9_@.-]{1,1024}$/i.test(id)) throw new Error(`upsertEvent: invalid event id ${JSON.stringify(id)}`);
    ev.kind = 'calendar#event';
    ev.id = id;
    ev.status = ev.status ?? 'confirmed';
    if (!['confirmed', 'tentative', 'cancelled'].includes(ev.status)) throw new Error(`upsertEvent: invalid status ${ev.status}`);

    const rec: EventRecord = {
      id,
      ord: existing?.ord ?? cal.nextOrd++,
      seq: 0,
      event: ev,
      ghost: false,
      masterId,
      exceptions: existing?.exceptions,
      startMs: NaN,
      endMs: NaN,
      allDay: false,
    };
    this.deriveTimes(rec, ev, cal);
    if (masterId) {
      const master = cal.events.get(masterId)!;
      ev.recurringEventId = masterId;
      ev.iCalUID = master.event.iCalUID;
      if (!ev.originalStartTime) throw new Error(`upsertEvent: instance ${id} needs originalStartTime`);
      rec.originalStartMs = this.timeOf(ev.originalStartTime, master.series?.tz ?? 'UTC', 'originalStartTime');
      delete ev.recurrence;
    }
    const organizer = { email: cal.id, self: true } as CalendarEvent['organizer'];
    ev.created = existing?.event.created ?? (o.seeding && ev.created ? ev.created : isoUtc(now));
    ev.updated = o.seeding && patch.updated ? patch.updated : isoUtc(now);
    if (Number.isNaN(Date.parse(ev.updated)) || Number.isNaN(Date.parse(ev.created))) throw new Error(`upsertEvent: invalid created/updated on ${id}`);
    ev.htmlLink = ev.htmlLink ?? `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${cal.id}`).toString('base64url')}`;
    ev.iCalUID = ev.iCalUID ?? `${id}@google.com`;
    ev.creator = ev.creator ?? { ...organizer };
    ev.organizer = ev.organizer ?? { ...organizer };
    ev.sequence = ev.sequence ?? 0;
    ev.reminders = ev.reminders ?? { useDefault: true };
    ev.eventType = ev.eventType ?? 'default';
    this.commit(cal, rec, now);
    if (masterId) cal.events.get(masterId)!.exceptions = new Set([...(cal.events.get(masterId)!.exceptions ?? []), id]);
    if (existing?.series && !existing.ghost) this.leaveGhosts(cal, existing, rec, now);
    return rec;
  }

  /** Cancels an event, a series, or one instance of a series (stored as a cancelled exception). */
  cancel(calendarId: string, id: string): void {
    const cal = this.calendar(calendarId);
    const rec = cal?.events.get(id);
    if (!cal || (!rec && !this.instanceFromId(cal, id))) throw new Error(`cancelEvent: no event ${id} in calendar ${calendarId}`);
    this.upsert(calendarId, { id, status: 'cancelled' });
  }

  private commit(cal: CalendarData, rec: EventRecord, now: number): void {
    rec.seq = this.seq.next();
    const updated = Date.parse(rec.event.updated!);
    rec.event.etag = calendarEtag(updated, rec.seq);
    if (updated > cal.maxUpdated) cal.maxUpdated = updated;
    cal.events.set(rec.id, rec);
    cal.log.append(rec.id, rec.seq, now);
    if (cal.log.length % 4096 === 0) cal.log.prune(now - 2 * this.opts.horizonMs); // margin for page tokens cut earlier
  }

  private timeOf(t: CalendarEvent['start'], tz: string, what: string): number {
    // An all-day date starts at midnight in the calendar's zone.
    if (t?.date && isDate(t.date)) return zoneMidnight(t.date, tz);
    const ms = t?.dateTime ? parseEventDateTime(t.dateTime, t.timeZone ?? tz) : null;
    if (ms === null) throw new Error(`upsertEvent: invalid ${what} ${JSON.stringify(t)}`);
    return ms;
  }

  /** Validates start/end/recurrence and caches their instants on the record. */
  private deriveTimes(rec: EventRecord, ev: CalendarEvent, cal: CalendarData): void {
    if (!ev.start && !ev.end && ev.status === 'cancelled') return;
    const where = `event ${rec.id}`;
    if (!ev.start || !ev.end) throw new Error(`upsertEvent: ${where} needs start and end`);
    const allDay = ev.start.date != null;
    if (allDay !== (ev.end.date != null)) throw new Error(`upsertEvent: ${where}: start and end must both be dates or both dateTimes`);
    for (const t of [ev.start, ev.end]) {
      if (t.timeZone != null && !isValidTimeZone(t.timeZone)) throw new Error(`upsertEvent: ${where}: unknown timeZone ${t.timeZone}`);
      if (!allDay && t.dateTime && parseRfc3339(t.dateTime) === null) {
        // A wall-clock dateTime without offset is allowed with a timeZone; answer it with the offset.
        const ms = this.timeOf(t, t.timeZone ?? '', 'start/end');
        t.dateTime = formatInZone(ms, t.timeZone!);
      }
    }
    rec.allDay = allDay;
    rec.startMs = this.timeOf(ev.start, cal.timeZone, 'start');
    rec.endMs = this.timeOf(ev.end, cal.timeZone, 'end');
    if (!(rec.endMs > rec.startMs)) throw new Error(`upsertEvent: ${where}: end must be after start`);
    if (ev.recurrence && ev.recurrence.length > 0) {
      if (rec.masterId) throw new Error(`upsertEvent: ${where}: an instance cannot carry recurrence`);
      const tz = allDay ? cal.timeZone : ev.start.timeZone;
      if (!tz) throw new Error(`upsertEvent: ${where}: a recurring event needs start.timeZone`);
      try {
        rec.rec = parseRecurrence(ev.recurrence, { allDay, tz });
      } catch (e) {
        if (e instanceof RecurrenceError) throw new Error(`upsertEvent: ${where}: ${e.message}`);
        throw e;
      }
      rec.series = seriesStart(rec.startMs, rec.endMs, allDay, tz);
    }
  }

  /** The generated instance an id like `<masterId>_<stamp>` names, when that series has it. */
  private instanceFromId(cal: CalendarData, id: string): { master: EventRecord; event: CalendarEvent } | null {
    const m = INSTANCE_ID.exec(id);
    const master = m ? cal.events.get(m[1]!) : undefined;
    if (!m || !master?.rec || !master.series) return null;
    const occ = this.findOccurrence(master, m[2]!);
    return occ ? { master, event: this.instanceEvent(master, occ) } : null;
  }

  private findOccurrence(master: EventRecord, stamp: string): Occurrence | null {
    const at = stamp.length === 8
      ? zoneMidnight(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}`, master.series!.tz)
      : Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
    const hits = expand(master.rec!, master.series!, { from: at, to: at + 1 }, 1);
    return hits[0]?.stamp === stamp ? hits[0] : null;
  }

  /** One generated instance of a series, shaped like Google's (no recurrence, own id, originalStartTime). UNCERTAIN: it shares the master's etag and updated. */
  private instanceEvent(master: EventRecord, occ: Occurrence): CalendarEvent {
    const tz = master.series!.tz;
    const m = master.event;
    const when = (ms: number) => (master.allDay ? { date: zonedDate(ms, tz) } : { dateTime: formatInZone(ms, tz), timeZone: tz });
    const ev: CalendarEvent = { ...m, id: `${master.id}_${occ.stamp}`, recurringEventId: master.id, originalStartTime: when(occ.startMs), start: when(occ.startMs), end: when(occ.endMs) };
    delete ev.recurrence;
    return ev;
  }

  /**
   * When a series changes shape, its vanished instances become cancelled ghosts, so incremental sync reports them.
   * UNCERTAIN: Google's exact behaviour; reporting them is the safe side for a client that stores instances.
   */
  private leaveGhosts(cal: CalendarData, before: EventRecord, after: EventRecord, now: number): void {
    const shapeChanged = !after.rec || after.startMs !== before.startMs || after.endMs !== before.endMs ||
      JSON.stringify(after.event.recurrence) !== JSON.stringify(before.event.recurrence);
    if (!shapeChanged || after.event.status === 'cancelled') return; // a cancelled series: sync reports its instances itself
    const window = { from: -Infinity, to: now + DEFAULT_EXPANSION_MS };
    const keep = new Set(after.rec && after.series ? expand(after.rec, after.series, window, MAX_INSTANCES).map((o) => o.stamp) : []);
    for (const occ of expand(before.rec!, before.series!, window, MAX_INSTANCES)) {
      if (keep.has(occ.stamp)) continue;
      const id = `${before.id}_${occ.stamp}`;
      if (cal.events.has(id)) continue;
      const inst = this.instanceEvent(before, occ);
      const ev: CalendarEvent = { kind: 'calendar#event', id, status: 'cancelled', recurringEventId: before.id, originalStartTime: inst.originalStartTime, updated: isoUtc(now) };
      const ghost: EventRecord = { id, ord: cal.nextOrd++, seq: 0, event: ev, ghost: true, masterId: before.id, startMs: occ.startMs, endMs: occ.endMs, allDay: before.allDay, originalStartMs: occ.startMs };
      this.commit(cal, ghost, now);
    }
  }

  // ---- reads -------------------------------------------------------------------------------------

  /** The calendar, or Calendar's 404 (e.g. events.watch on an unknown calendar). */
  get404(calendarId: string): CalendarData {
    const cal = this.calendar(calendarId);
    if (!cal) throw notFound();
    return cal;
  }

  /** events.get: a stored event (cancelled ones too) or a generated instance. */
  get(calendarId: string, eventId: string): CalendarEvent {
    const cal = this.calendar(calendarId);
    if (!cal) throw notFound();
    const rec = cal.events.get(eventId);
    if (rec && !rec.ghost) return structuredClone(rec.event);
    const inst = this.instanceFromId(cal, eventId);
    if (!inst || inst.master.event.status === 'cancelled') throw notFound();
    return structuredClone(inst.event);
  }

  /** events.list. */
  list(calendarId: string, q: URLSearchParams): Record<string, unknown> {
    const cal = this.calendar(calendarId);
    if (!cal) throw notFound();
    const now = this.clock.now();
    const bool = (k: string) => (q.has(k) ? q.get(k) === 'true' : undefined);
    const singleEvents = bool('singleEvents') === true;
    const showDeletedParam = bool('showDeleted');
    const syncRaw = q.get('syncToken');
    const orderBy = q.get('orderBy');

    if (syncRaw !== null) {
      for (const p of DISALLOWED_WITH_SYNC) {
        if (q.has(p)) throw badRequestV1(`The ${p} parameter cannot be combined with syncToken.`); // UNCERTAIN wording
      }
      if (showDeletedParam === false) throw badRequestV1('showDeleted=false is not allowed together with syncToken.'); // UNCERTAIN wording
    }
    const time = (k: string) => {
      const raw = q.get(k);
      if (raw === null) return null;
      const ms = parseRfc3339(raw);
      if (ms === null) throw v1Error(400, 'badRequest', 'Bad Request');
      return ms;
    };
    const timeMin = time('timeMin');
    const timeMax = time('timeMax');
    if (timeMin !== null && timeMax !== null && timeMin >= timeMax) {
      throw v1Error(400, 'timeRangeEmpty', 'The specified time range is empty.', { domain: 'calendar', location: 'timeMax', locationType: 'parameter' });
    }
    const updatedMin = time('updatedMin');
    // "Time zone used in the response. The default is the time zone of the calendar."
    const responseTz = q.get('timeZone');
    if (responseTz !== null && !isValidTimeZone(responseTz)) throw badRequestV1(`Invalid time zone definition for parameter timeZone: ${responseTz}`, 'invalid', { location: 'timeZone', locationType: 'parameter' }); // UNCERTAIN wording
    if (orderBy !== null && orderBy !== 'startTime' && orderBy !== 'updated') throw badRequestV1(`Invalid value for orderBy: ${orderBy}`);
    if (orderBy === 'startTime' && !singleEvents) throw v1Error(400, 'badRequest', 'The requested ordering is not available for the particular query.');
    let maxResults = 250;
    if (q.has('maxResults')) {
      const n = Number(q.get('maxResults'));
      if (!Number.isInteger(n) || n < 1) throw badRequestV1(`Invalid value '${q.get('maxResults')}'. Values must be within the range: [1, 2500]`);
      maxResults = Math.min(n, 2500); // "The page size can never be larger than 2500 events."
    }

    let sync: SyncToken | null = null;
    if (syncRaw !== null) {
      // UNCERTAIN: a token that is garbage, for another calendar, or expired all answer 410 (a full sync fixes each).
      sync = decodeToken<SyncToken>(SYNC_PREFIX, syncRaw);
      if (!sync || sync.c !== cal.id || typeof sync.s !== 'number') throw fullSyncRequired();
      if (sync.s < this.seq.barrier || now - sync.t > this.opts.horizonMs) throw fullSyncRequired();
    }

    const fp = fingerprint([cal.id, singleEvents, showDeletedParam ?? null, timeMin, timeMax, orderBy, updatedMin, q.get('q'), q.get('iCalUID'), q.getAll('eventTypes'), syncRaw, responseTz]);
    const pageRaw = q.get('pageToken');
    let page: PageToken | null = null;
    if (pageRaw !== null) {
      page = decodeToken<PageToken>(PAGE_PREFIX, pageRaw);
      if (!page || page.f !== fp) throw badRequestV1('Invalid page token value.', 'invalid', { location: 'pageToken', locationType: 'parameter' }); // UNCERTAIN wording
    }
    const snapshot = page?.v ?? this.seq.current;
    const window: [number | null, number | null] = sync ? sync.w : [timeMin, timeMax];
    const horizonDay = Math.floor(now / DAY_MS);
    const items = this.cache.get(`${fp}|${snapshot}|${horizonDay}`, () =>
      sync
        ? this.incremental(cal, sync.s, snapshot, singleEvents, window, now)
        : this.full(cal, { singleEvents, showDeleted: showDeletedParam === true, timeMin, timeMax, updatedMin, orderBy, text: q.get('q'), iCalUID: q.get('iCalUID'), eventTypes: q.getAll('eventTypes') }, now),
    );

    const body: Record<string, unknown> = {
      kind: 'calendar#events',
      etag: `"p${snapshot.toString(32)}"`,
      summary: cal.id,
      description: '',
      updated: isoUtc(cal.maxUpdated || now),
      timeZone: responseTz ?? cal.timeZone,
      accessRole: 'owner',
      defaultReminders: [{ method: 'popup', minutes: 10 }],
    };
    const start = firstAfter(items, (i) => i.key, page?.a ?? undefined);
    this.pagesServed++;
    const every = this.opts.emptyPageEvery;
    if (every && this.pagesServed % every === 0) {
      // "The number of events in the resulting page may be less than this value, or none at all."
      body.nextPageToken = encodeToken(PAGE_PREFIX, { f: fp, v: snapshot, a: page?.a ?? null } satisfies PageToken);
      body.items = [];
      return body;
    }
    const slice = items.slice(start, start + maxResults);
    if (start + maxResults < items.length) {
      body.nextPageToken = encodeToken(PAGE_PREFIX, { f: fp, v: snapshot, a: slice[slice.length - 1]!.key } satisfies PageToken);
    } else {
      body.nextSyncToken = encodeToken(SYNC_PREFIX, { c: cal.id, s: snapshot, t: now, w: window } satisfies SyncToken);
    }
    body.items = slice.map((i) => (responseTz === null ? structuredClone(i.ev) : inZone(i.ev, responseTz)));
    return body;
  }

  private expansionWindow(from: number | null, to: number | null, now: number) {
    return { from: from ?? -Infinity, to: to ?? now + DEFAULT_EXPANSION_MS };
  }

  private full(
    cal: CalendarData,
    f: { singleEvents: boolean; showDeleted: boolean; timeMin: number | null; timeMax: number | null; updatedMin: number | null; orderBy: string | null; text: string | null; iCalUID: string | null; eventTypes: string[] },
    now: number,
  ): Item[] {
    const out: Item[] = [];
    const inWindow = (s: number, e: number) => (f.timeMin === null || e > f.timeMin) && (f.timeMax === null || s < f.timeMax);
    const window = this.expansionWindow(f.timeMin, f.timeMax, now);
    const needle = f.text?.toLowerCase() ?? null;
    const matches = (ev: CalendarEvent) => {
      if (f.iCalUID !== null && ev.iCalUID !== f.iCalUID) return false;
      if (f.eventTypes.length > 0 && !f.eventTypes.includes(ev.eventType ?? 'default')) return false;
      if (f.updatedMin !== null && Date.parse(ev.updated ?? '') < f.updatedMin) return false;
      if (needle !== null) {
        const hay = [ev.summary, ev.description, ev.location, ev.organizer?.email, ev.organizer?.displayName, ...(ev.attendees ?? []).flatMap((a) => [a.email, a.displayName])];
        if (!hay.some((h) => typeof h === 'string' && h.toLowerCase().includes(needle))) return false;
      }
      return true;
    };
    // With updatedMin, "entries deleted since that time will always be included regardless of showDeleted".
    const showDeleted = f.showDeleted || f.updatedMin !== null;
    const key = (rec: EventRecord, ev: CalendarEvent, startMs: number, seriesOrd: number): Array<number | string> => {
      if (!Number.isFinite(startMs)) startMs = 0; // cancelled events may have no times
      if (f.orderBy === 'startTime') return [startMs, ev.id!];
      if (f.orderBy === 'updated') return [Date.parse(ev.updated ?? ''), ev.id!];
      return [seriesOrd, startMs, rec.ord];
    };
    for (const rec of cal.events.values()) {
      const ev = rec.event;
      const cancelled = ev.status === 'cancelled';
      if (!matches(ev)) continue;
      if (rec.masterId) {
        // An exception (or ghost) of a series.
        const master = cal.events.get(rec.masterId);
        if (!master || master.event.status === 'cancelled') continue;
        const start = rec.originalStartMs ?? rec.startMs;
        if (cancelled) {
          // Cancelled instances come back when showDeleted, and (not ghosts) whenever singleEvents is false.
          if (!(showDeleted || (!f.singleEvents && !rec.ghost))) continue;
          if (!inWindow(start, start + (master.endMs - master.startMs))) continue;
          out.push({ key: key(rec, ev, start, master.ord), ev: tombstone(rec, ev) });
          continue;
        }
        if (!inWindow(rec.startMs, rec.endMs)) continue;
        out.push({ key: key(rec, ev, rec.startMs, master.ord), ev });
        continue;
      }
      if (rec.ghost) continue;
      if (cancelled) {
        if (!showDeleted) continue;
        if (f.singleEvents && rec.rec) continue; // "but not the underlying recurring events"
        out.push({ key: key(rec, ev, rec.startMs || 0, rec.ord), ev: tombstone(rec, ev) });
        continue;
      }
      if (rec.rec && rec.series) {
        if (!f.singleEvents) {
          // UNCERTAIN: a series is listed when at least one of its instances overlaps the window.
          if (expand(rec.rec, rec.series, window, 1).length === 0) continue;
          out.push({ key: key(rec, ev, rec.startMs, rec.ord), ev });
          continue;
        }
        for (const occ of expand(rec.rec, rec.series, window, MAX_INSTANCES)) {
          if (rec.exceptions?.has(`${rec.id}_${occ.stamp}`)) continue; // the exception record speaks for it
          const inst = this.instanceEvent(rec, occ);
          out.push({ key: key(rec, inst, occ.startMs, rec.ord), ev: inst });
        }
        continue;
      }
      if (!inWindow(rec.startMs, rec.endMs)) continue;
      out.push({ key: key(rec, ev, rec.startMs, rec.ord), ev });
    }
    out.sort((a, b) => compareKeys(a.key, b.key));
    return out;
  }

  private incremental(cal: CalendarData, since: number, upTo: number, singleEvents: boolean, w: [number | null, number | null], now: number): Item[] {
    const out: Item[] = [];
    const seen = new Set<string>();
    const push = (key: Array<number | string>, ev: CalendarEvent) => {
      if (seen.has(ev.id!)) return;
      seen.add(ev.id!);
      out.push({ key, ev });
    };
    const window = this.expansionWindow(w[0], w[1], now);
    for (const id of cal.log.changedSince(since, upTo, (x) => cal.events.get(x)?.seq)) {
      const rec = cal.events.get(id)!;
      const ev = rec.event;
      const cancelled = ev.status === 'cancelled';
      if (singleEvents && rec.rec && rec.series) {
        // A changed series: every instance (in the full sync's window) is reported, as cancelled if the series is.
        // UNCERTAIN: Google's choice of which instances to re-send; all of them is the safe side.
        for (const occ of expand(rec.rec, rec.series, window, MAX_INSTANCES)) {
          const instId = `${rec.id}_${occ.stamp}`;
          const exc = rec.exceptions?.has(instId) ? cal.events.get(instId) : undefined;
          const inst = exc ? exc.event : this.instanceEvent(rec, occ);
          const gone = cancelled || inst.status === 'cancelled';
          push([rec.seq, occ.startMs], gone ? tombstone(rec, { ...inst, etag: ev.etag }) : inst);
        }
        continue;
      }
      push([rec.seq, 0], cancelled ? tombstone(rec, ev) : ev);
    }
    return out;
  }

  // ---- control views -----------------------------------------------------------------------------

  controlList(calendarId: string, includeCancelled: boolean): CalendarEvent[] {
    const cal = this.calendar(calendarId);
    if (!cal) return [];
    const out: CalendarEvent[] = [];
    for (const rec of cal.events.values()) {
      if (rec.ghost || (!includeCancelled && rec.event.status === 'cancelled')) continue;
      out.push(structuredClone(rec.event));
    }
    return out;
  }

  controlGet(calendarId: string, id: string): CalendarEvent | undefined {
    const rec = this.calendar(calendarId)?.events.get(id);
    return rec && !rec.ghost ? structuredClone(rec.event) : undefined;
  }
}
