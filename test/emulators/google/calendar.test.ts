/** Calendar v3 events.list through the real @googleapis/calendar client: full and incremental sync. */
import type { calendar_v3 } from '@googleapis/calendar';
import { afterEach, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../../../emulators/google/index.ts';
import { allPages, DAY, gaxiosError, start, type Started } from './helpers.ts';

let t: Started;
afterEach(async () => {
  await t.emulator.close();
});

const timed = (id: string, summary: string, start: string, end: string, tz = 'Europe/Berlin'): CalendarEvent => ({
  id,
  summary,
  start: { dateTime: start, timeZone: tz },
  end: { dateTime: end, timeZone: tz },
});

function seedEvents(n: number): CalendarEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const day = String(1 + (i % 28)).padStart(2, '0');
    return timed(`event${String(i).padStart(3, '0')}`, `Meeting ${i}`, `2026-02-${day}T10:00:00+01:00`, `2026-02-${day}T11:00:00+01:00`);
  });
}

const WEEKLY: CalendarEvent = {
  id: 'weeklysync',
  summary: 'Weekly sync',
  start: { dateTime: '2026-03-16T10:00:00+01:00', timeZone: 'Europe/Berlin' },
  end: { dateTime: '2026-03-16T10:30:00+01:00', timeZone: 'Europe/Berlin' },
  recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6'],
};

async function fullSync(cal: calendar_v3.Calendar, params: calendar_v3.Params$Resource$Events$List) {
  const pages = await allPages(async (pageToken) => (await cal.events.list({ calendarId: 'primary', ...params, pageToken })).data);
  return { pages, items: pages.flatMap((p) => p.items ?? []), syncToken: pages[pages.length - 1]!.nextSyncToken! };
}

describe('Calendar events.list: full and incremental sync', () => {
  it('pages carry nextPageToken xor nextSyncToken; incremental sync shows an edit and a cancelled tombstone', async () => {
    t = await start({ seed: { calendars: { primary: seedEvents(25) } } });
    const full = await fullSync(t.cal, { maxResults: 10 });
    expect(full.pages).toHaveLength(3);
    for (const [i, p] of full.pages.entries()) {
      const last = i === full.pages.length - 1;
      expect(Boolean(p.nextPageToken)).toBe(!last);
      expect(Boolean(p.nextSyncToken)).toBe(last);
    }
    expect(full.items.map((e) => e.id)).toEqual(seedEvents(25).map((e) => e.id));
    expect(full.items[0]).toMatchObject({ kind: 'calendar#event', status: 'confirmed', summary: 'Meeting 0', iCalUID: 'event000@google.com' });
    expect(full.items[0]!.etag).toMatch(/^"\d+"$/);

    // Nothing changed: an empty incremental page with a fresh token.
    const quiet = await t.cal.events.list({ calendarId: 'primary', syncToken: full.syncToken });
    expect(quiet.data.items).toEqual([]);
    expect(quiet.data.nextSyncToken).toBeTruthy();

    t.clock.advance(60_000);
    const before = full.items.find((e) => e.id === 'event003')!;
    const edited = t.emulator.calendar.upsertEvent('primary', { id: 'event003', summary: 'Moved meeting', location: 'Room 2' });
    expect(edited.updated).toBe('2026-01-05T09:01:00.000Z');
    expect(edited.etag).not.toBe(before.etag);
    t.emulator.calendar.cancelEvent('primary', 'event007');

    const inc = await t.cal.events.list({ calendarId: 'primary', syncToken: quiet.data.nextSyncToken! });
    expect(inc.data.nextPageToken).toBeUndefined();
    expect(inc.data.items).toHaveLength(2);
    expect(inc.data.items![0]).toMatchObject({ id: 'event003', summary: 'Moved meeting', location: 'Room 2', status: 'confirmed', updated: '2026-01-05T09:01:00.000Z' });
    expect(inc.data.items![1]).toEqual({ kind: 'calendar#event', etag: expect.stringMatching(/^"\d+"$/), id: 'event007', status: 'cancelled' });

    // Cancelled events stay out of full lists unless showDeleted.
    const again = await fullSync(t.cal, { maxResults: 2500 });
    expect(again.items.map((e) => e.id)).not.toContain('event007');
    const withDeleted = await fullSync(t.cal, { maxResults: 2500, showDeleted: true });
    expect(withDeleted.items.find((e) => e.id === 'event007')?.status).toBe('cancelled');
  });

  it('incremental results page too, and changes made while paging reach the next sync', async () => {
    t = await start({ seed: { calendars: { primary: seedEvents(30) } } });
    const { syncToken } = await fullSync(t.cal, {});
    for (let i = 0; i < 12; i++) t.emulator.calendar.upsertEvent('primary', { id: `event${String(i).padStart(3, '0')}`, description: `v2 ${i}` });
    const first = await t.cal.events.list({ calendarId: 'primary', syncToken, maxResults: 5 });
    expect(first.data.items).toHaveLength(5);
    expect(first.data.nextSyncToken).toBeUndefined();
    // A change between pages: not part of this pass (it is past the snapshot)...
    t.emulator.calendar.upsertEvent('primary', { id: 'event020', description: 'during paging' });
    const rest = await allPages(async (pageToken) => (await t.cal.events.list({ calendarId: 'primary', syncToken, maxResults: 5, pageToken: pageToken ?? first.data.nextPageToken! })).data);
    const ids = [...first.data.items!, ...rest.flatMap((p) => p.items ?? [])].map((e) => e.id);
    expect(ids).toHaveLength(12);
    // ...but the next incremental sync has it.
    const next = await t.cal.events.list({ calendarId: 'primary', syncToken: rest[rest.length - 1]!.nextSyncToken! });
    expect(next.data.items!.map((e) => e.id)).toEqual(['event020']);
  });

  it('an expired sync token gets 410 fullSyncRequired (expireSyncTokens, or older than the horizon)', async () => {
    t = await start({ seed: { calendars: { primary: seedEvents(3) } } });
    const { syncToken } = await fullSync(t.cal, {});
    t.emulator.expireSyncTokens();
    const e = await gaxiosError(t.cal.events.list({ calendarId: 'primary', syncToken }));
    expect(e.status).toBe(410);
    expect(e.message).toBe('Sync token is no longer valid, a full sync is required.');
    expect(e.response!.data).toEqual({
      error: {
        errors: [{ domain: 'global', reason: 'fullSyncRequired', message: 'Sync token is no longer valid, a full sync is required.' }],
        code: 410,
        message: 'Sync token is no longer valid, a full sync is required.',
      },
    });
    // A new full sync works again, until the token is older than 7 days.
    const again = await fullSync(t.cal, {});
    t.clock.advance(6 * DAY);
    const ok = await t.cal.events.list({ calendarId: 'primary', syncToken: again.syncToken });
    expect(ok.status).toBe(200);
    t.clock.advance(2 * DAY);
    expect((await gaxiosError(t.cal.events.list({ calendarId: 'primary', syncToken: again.syncToken }))).status).toBe(410);
    // The token from 8 days ago's follow-up call is only 2 days old: still fine.
    expect((await t.cal.events.list({ calendarId: 'primary', syncToken: ok.data.nextSyncToken! })).status).toBe(200);
  });

  it('rejects parameters not allowed with a sync token, and other bad requests', async () => {
    t = await start({ seed: { calendars: { primary: seedEvents(3) } } });
    const { syncToken } = await fullSync(t.cal, { timeMin: '2026-01-01T00:00:00Z' });
    for (const extra of [{ timeMin: '2026-01-01T00:00:00Z' }, { timeMax: '2026-12-01T00:00:00Z' }, { q: 'x' }, { updatedMin: '2026-01-01T00:00:00Z' }, { showDeleted: false }]) {
      const e = await gaxiosError(t.cal.events.list({ calendarId: 'primary', syncToken, ...extra }));
      expect(e.status).toBe(400);
      expect(e.response!.data.error.errors[0].reason).toBe('invalid');
    }
    expect((await t.cal.events.list({ calendarId: 'primary', syncToken, singleEvents: true, showDeleted: true })).status).toBe(200);

    const order = await gaxiosError(t.cal.events.list({ calendarId: 'primary', orderBy: 'startTime' }));
    expect(order.status).toBe(400);
    expect(order.message).toBe('The requested ordering is not available for the particular query.');
    const empty = await gaxiosError(t.cal.events.list({ calendarId: 'primary', timeMin: '2026-02-02T00:00:00Z', timeMax: '2026-02-01T00:00:00Z' }));
    expect(empty.response!.data.error.errors[0]).toMatchObject({ domain: 'calendar', reason: 'timeRangeEmpty' });
    const noOffset = await gaxiosError(t.cal.events.list({ calendarId: 'primary', timeMin: '2026-02-01T00:00:00' }));
    expect(noOffset.status).toBe(400);
    const missing = await gaxiosError(t.cal.events.list({ calendarId: 'nobody@example.com' }));
    expect(missing.status).toBe(404);
    expect(missing.response!.data.error.errors[0]).toEqual({ domain: 'global', reason: 'notFound', message: 'Not Found' });
  });

  it('timeMin bounds the end and timeMax the start (both exclusive); maxResults caps at 2500', async () => {
    t = await start({ seed: { calendars: { primary: [timed('a', 'A', '2026-02-01T10:00:00Z', '2026-02-01T11:00:00Z', 'UTC'), timed('b', 'B', '2026-02-01T11:00:00Z', '2026-02-01T12:00:00Z', 'UTC')] } } });
    const res = await t.cal.events.list({ calendarId: 'primary', timeMin: '2026-02-01T11:00:00Z', timeMax: '2026-02-01T12:00:00Z', maxResults: 100_000 });
    expect(res.data.items!.map((e) => e.id)).toEqual(['b']);
  });

  it('expands a weekly RRULE into instances within the window, on the wall clock of its time zone', async () => {
    t = await start({ seed: { calendars: { primary: [WEEKLY] } } });
    const res = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, orderBy: 'startTime', timeMin: '2026-03-20T00:00:00Z', timeMax: '2026-04-10T00:00:00Z' });
    const items = res.data.items!;
    expect(items.map((e) => e.id)).toEqual(['weeklysync_20260323T090000Z', 'weeklysync_20260330T080000Z', 'weeklysync_20260406T080000Z']);
    // Berlin switches to summer time on 29 March: still 10:00 local.
    expect(items[1]).toMatchObject({
      recurringEventId: 'weeklysync',
      originalStartTime: { dateTime: '2026-03-30T10:00:00+02:00', timeZone: 'Europe/Berlin' },
      start: { dateTime: '2026-03-30T10:00:00+02:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2026-03-30T10:30:00+02:00', timeZone: 'Europe/Berlin' },
      summary: 'Weekly sync',
      iCalUID: 'weeklysync@google.com',
    });
    expect(items[1]!.recurrence).toBeUndefined();
    // COUNT=6: the series ends on 20 April. Without singleEvents the master comes back as one item.
    const all = await t.cal.events.list({ calendarId: 'primary', singleEvents: true });
    expect(all.data.items).toHaveLength(6);
    expect(all.data.items![5]!.id).toBe('weeklysync_20260420T080000Z');
    const masters = await t.cal.events.list({ calendarId: 'primary' });
    expect(masters.data.items!.map((e) => [e.id, e.recurrence])).toEqual([['weeklysync', ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6']]]);
    // events.get on an instance id.
    const one = await t.cal.events.get({ calendarId: 'primary', eventId: 'weeklysync_20260330T080000Z' });
    expect(one.data.start!.dateTime).toBe('2026-03-30T10:00:00+02:00');
  });

  it('supports DAILY with BYDAY, INTERVAL, UNTIL and EXDATE', async () => {
    const standup: CalendarEvent = {
      id: 'standup',
      summary: 'Standup',
      start: { dateTime: '2026-01-05T09:30:00-05:00', timeZone: 'America/New_York' },
      end: { dateTime: '2026-01-05T09:45:00-05:00', timeZone: 'America/New_York' },
      recurrence: ['RRULE:FREQ=DAILY;BYDAY=MO,WE,FR;UNTIL=20260116T235959Z', 'EXDATE;TZID=America/New_York:20260109T093000'],
    };
    const biweekly: CalendarEvent = { ...WEEKLY, id: 'biweekly', recurrence: ['RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=4'] };
    t = await start({ seed: { calendars: { primary: [standup, biweekly] } } });
    const res = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, orderBy: 'startTime' });
    const ids = res.data.items!.map((e) => e.id);
    expect(ids.filter((i) => i!.startsWith('standup_'))).toEqual([
      'standup_20260105T143000Z',
      'standup_20260107T143000Z',
      'standup_20260112T143000Z',
      'standup_20260114T143000Z',
      'standup_20260116T143000Z',
    ]);
    expect(ids.filter((i) => i!.startsWith('biweekly_'))).toEqual(['biweekly_20260316T090000Z', 'biweekly_20260319T090000Z', 'biweekly_20260330T080000Z', 'biweekly_20260402T080000Z']);
  });

  it('supports MONTHLY with ordinal BYDAY and YEARLY series, and rejects what it cannot expand', async () => {
    const lastFriday: CalendarEvent = { ...WEEKLY, id: 'lastfriday', start: { dateTime: '2026-01-30T17:00:00+01:00', timeZone: 'Europe/Berlin' }, end: { dateTime: '2026-01-30T18:00:00+01:00', timeZone: 'Europe/Berlin' }, recurrence: ['RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=3'] };
    const anniversary: CalendarEvent = { id: 'anniv', summary: 'Anniversary', start: { date: '2026-02-28' }, end: { date: '2026-03-01' }, recurrence: ['RRULE:FREQ=YEARLY;COUNT=2'] };
    t = await start({ seed: { calendars: { primary: [lastFriday, anniversary] } } });
    const res = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, orderBy: 'startTime', timeMax: '2028-01-01T00:00:00Z' });
    expect(res.data.items!.map((e) => e.id)).toEqual(['lastfriday_20260130T160000Z', 'lastfriday_20260227T160000Z', 'anniv_20260228', 'lastfriday_20260327T160000Z', 'anniv_20270228']);
    expect(() => t.emulator.calendar.upsertEvent('primary', { ...WEEKLY, id: 'weird', recurrence: ['RRULE:FREQ=HOURLY'] })).toThrow(/Unsupported RRULE FREQ/);
    expect(() => t.emulator.calendar.upsertEvent('primary', { ...WEEKLY, id: 'weird2', recurrence: ['RRULE:FREQ=WEEKLY;BYSETPOS=1'] })).toThrow(/BYSETPOS/);
  });

  it('cancelled and modified instances: exceptions in full lists, tombstones with recurringEventId in incremental sync', async () => {
    t = await start({ seed: { calendars: { primary: [WEEKLY] } } });
    const full = await fullSync(t.cal, { singleEvents: true });
    expect(full.items).toHaveLength(6);
    t.emulator.calendar.cancelEvent('primary', 'weeklysync_20260330T080000Z');
    t.emulator.calendar.upsertEvent('primary', { id: 'weeklysync_20260406T080000Z', summary: 'Weekly sync (moved)', start: { dateTime: '2026-04-07T15:00:00+02:00', timeZone: 'Europe/Berlin' }, end: { dateTime: '2026-04-07T15:30:00+02:00', timeZone: 'Europe/Berlin' } });

    const inc = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, syncToken: full.syncToken });
    expect(inc.data.items).toEqual([
      {
        kind: 'calendar#event',
        etag: expect.any(String),
        id: 'weeklysync_20260330T080000Z',
        status: 'cancelled',
        recurringEventId: 'weeklysync',
        originalStartTime: { dateTime: '2026-03-30T10:00:00+02:00', timeZone: 'Europe/Berlin' },
      },
      expect.objectContaining({ id: 'weeklysync_20260406T080000Z', summary: 'Weekly sync (moved)', recurringEventId: 'weeklysync', originalStartTime: { dateTime: '2026-04-06T10:00:00+02:00', timeZone: 'Europe/Berlin' } }),
    ]);
    const after = await fullSync(t.cal, { singleEvents: true, orderBy: 'startTime' });
    expect(after.items.map((e) => e.id)).toEqual([
      'weeklysync_20260316T090000Z',
      'weeklysync_20260323T090000Z',
      'weeklysync_20260406T080000Z',
      'weeklysync_20260413T080000Z',
      'weeklysync_20260420T080000Z',
    ]);
    expect(after.items[2]!.start!.dateTime).toBe('2026-04-07T15:00:00+02:00');
    // Without singleEvents: the master plus its exceptions; the cancelled one comes back even without showDeleted.
    const masters = await fullSync(t.cal, {});
    expect(masters.items.map((e) => [e.id, e.status])).toEqual([
      ['weeklysync', 'confirmed'],
      ['weeklysync_20260330T080000Z', 'cancelled'],
      ['weeklysync_20260406T080000Z', 'confirmed'],
    ]);
  });

  it('a rescheduled or cancelled series reports its vanished instances as cancelled', async () => {
    t = await start({ seed: { calendars: { primary: [WEEKLY] } } });
    const full = await fullSync(t.cal, { singleEvents: true });
    t.emulator.calendar.upsertEvent('primary', { id: 'weeklysync', recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4'] });
    const inc = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, syncToken: full.syncToken });
    const byStatus = (s: string) => inc.data.items!.filter((e) => e.status === s).map((e) => e.id);
    expect(byStatus('confirmed')).toHaveLength(4);
    expect(byStatus('cancelled')).toEqual(['weeklysync_20260413T080000Z', 'weeklysync_20260420T080000Z']);

    t.emulator.calendar.cancelEvent('primary', 'weeklysync');
    const gone = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, syncToken: inc.data.nextSyncToken! });
    expect(gone.data.items!.map((e) => [e.id, e.status, e.recurringEventId])).toEqual([
      ['weeklysync_20260316T090000Z', 'cancelled', 'weeklysync'],
      ['weeklysync_20260323T090000Z', 'cancelled', 'weeklysync'],
      ['weeklysync_20260330T080000Z', 'cancelled', 'weeklysync'],
      ['weeklysync_20260406T080000Z', 'cancelled', 'weeklysync'],
    ]);
    // Without singleEvents the series itself is the tombstone.
    const masters = await fullSync(t.cal, {});
    expect(masters.items).toEqual([]);
  });

  it('all-day events keep {date} (including the offsite on 2026-05-07)', async () => {
    t = await start({
      seed: {
        calendars: {
          primary: [
            { id: 'offsite', summary: 'Offsite', start: { date: '2026-05-07' }, end: { date: '2026-05-08' } },
            { id: 'birthdays', summary: 'Birthday', start: { date: '2026-05-07' }, end: { date: '2026-05-08' }, recurrence: ['RRULE:FREQ=YEARLY'] },
          ],
        },
      },
    });
    const res = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, timeMin: '2026-05-07T00:00:00Z', timeMax: '2026-05-08T00:00:00Z' });
    expect(res.data.items!.map((e) => [e.id, e.start, e.end])).toEqual([
      ['offsite', { date: '2026-05-07' }, { date: '2026-05-08' }],
      ['birthdays_20260507', { date: '2026-05-07' }, { date: '2026-05-08' }],
    ]);
    expect(res.data.items![1]!.originalStartTime).toEqual({ date: '2026-05-07' });
    // Without singleEvents a series is listed when one of its instances falls in the window.
    const nextYear = await t.cal.events.list({ calendarId: 'primary', timeMin: '2027-05-07T00:00:00Z', timeMax: '2027-05-08T00:00:00Z' });
    expect(nextYear.data.items!.map((e) => e.id)).toEqual(['birthdays']);
    const between = await t.cal.events.list({ calendarId: 'primary', timeMin: '2026-05-08T00:00:00Z', timeMax: '2026-05-09T00:00:00Z' });
    expect(between.data.items).toEqual([]);
  });

  it('emptyPageEvery: empty pages that still carry a nextPageToken', async () => {
    t = await start({ emptyPageEvery: 2, seed: { calendars: { primary: seedEvents(9) } } });
    const full = await fullSync(t.cal, { maxResults: 3 });
    expect(full.pages.some((p) => p.items!.length === 0 && p.nextPageToken)).toBe(true);
    expect(full.items.map((e) => e.id)).toEqual(seedEvents(9).map((e) => e.id));
    expect(full.syncToken).toBeTruthy();
  });

  it('control API: listEvents / getEvent reflect the stored events', async () => {
    t = await start({ seed: { calendars: { primary: [WEEKLY, ...seedEvents(2)], 'team@example.com': seedEvents(1) } } });
    t.emulator.calendar.cancelEvent('primary', 'event001');
    expect(t.emulator.calendar.listEvents('primary').map((e) => e.id)).toEqual(['weeklysync', 'event000']);
    expect(t.emulator.calendar.listEvents('primary', { includeCancelled: true })).toHaveLength(3);
    expect(t.emulator.calendar.getEvent('primary', 'event001')!.status).toBe('cancelled');
    const team = await t.cal.events.list({ calendarId: 'team@example.com' });
    expect(team.data.items!.map((e) => e.id)).toEqual(['event000']);
    expect(() => t.emulator.calendar.upsertEvent('primary', { id: 'bad', summary: 'x', start: { dateTime: '2026-01-01T10:00:00Z' }, end: { dateTime: '2026-01-01T09:00:00Z' } })).toThrow(/end must be after start/);
    expect(() => t.emulator.calendar.upsertEvent('primary', { id: 'bad2', summary: 'x', start: { dateTime: '2026-01-01T10:00:00Z' }, end: { dateTime: '2026-01-01T11:00:00Z' }, recurrence: ['RRULE:FREQ=WEEKLY'] })).toThrow(/timeZone/);
  });
});
