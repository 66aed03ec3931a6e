/**
 * Calendar time zones through the official client: a calendar has a zone (calendars.get,
 * calendarList, the events.list default), all-day events and all-day series occupy midnight to
 * midnight in it, and events.list's timeZone parameter answers in another zone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gaxiosError, start, type Started } from './helpers.ts';

let t: Started | undefined;
afterEach(async () => {
  await t?.emulator.close();
  t = undefined;
});

const ids = (items: Array<{ id?: string | null }> | undefined) => (items ?? []).map((e) => e.id);

describe('Calendar time zones', () => {
  it('calendars.get, calendarList and events.list report the calendar’s zone', async () => {
    t = await start({ calendarTimeZone: 'America/Los_Angeles', seed: { calendarTimeZones: { 'team@example.com': 'Europe/Berlin' }, calendars: { 'team@example.com': [] } } });
    const primary = await t.cal.calendars.get({ calendarId: 'primary' });
    expect(primary.data).toMatchObject({ kind: 'calendar#calendar', id: 'me@example.com', timeZone: 'America/Los_Angeles' });
    const list = await t.cal.calendarList.list();
    expect(list.data.items!.map((c) => [c.id, c.timeZone, c.primary ?? false])).toEqual([
      ['me@example.com', 'America/Los_Angeles', true],
      ['team@example.com', 'Europe/Berlin', false],
    ]);
    expect((await t.cal.calendarList.get({ calendarId: 'team@example.com' })).data.timeZone).toBe('Europe/Berlin');
    expect((await t.cal.events.list({ calendarId: 'team@example.com' })).data.timeZone).toBe('Europe/Berlin');
    expect((await gaxiosError(t.cal.calendars.get({ calendarId: 'nobody@example.com' }))).status).toBe(404);
  });

  it('an all-day event spans its day in the calendar’s zone, which decides the timeMin/timeMax windows', async () => {
    // Auckland is UTC+13 in January: 10 January there runs 2026-01-09T11:00Z → 2026-01-10T11:00Z.
    t = await start({ calendarTimeZone: 'Pacific/Auckland' });
    t.emulator.calendar.upsertEvent('primary', { id: 'holiday', summary: 'Holiday', start: { date: '2026-01-10' }, end: { date: '2026-01-11' } });
    const window = async (timeMin: string, timeMax: string) => ids((await t!.cal.events.list({ calendarId: 'primary', singleEvents: true, timeMin, timeMax })).data.items);
    expect(await window('2026-01-09T10:00:00Z', '2026-01-09T12:00:00Z')).toEqual(['holiday']); // already the 10th in Auckland
    expect(await window('2026-01-10T12:00:00Z', '2026-01-10T20:00:00Z')).toEqual([]); // the 11th there
    // Moved to UTC, the same date is the UTC day.
    t.emulator.calendar.setTimeZone('primary', 'UTC');
    expect(await window('2026-01-09T10:00:00Z', '2026-01-09T12:00:00Z')).toEqual([]);
    expect(await window('2026-01-10T12:00:00Z', '2026-01-10T20:00:00Z')).toEqual(['holiday']);
  });

  it('all-day series expand on the calendar’s local days (instance ids and dates), timed series on the event’s wall clock', async () => {
    t = await start({ calendarTimeZone: 'Pacific/Auckland' });
    t.emulator.calendar.upsertEvent('primary', { id: 'bins', summary: 'Bins out', start: { date: '2026-01-05' }, end: { date: '2026-01-06' }, recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3'] });
    t.emulator.calendar.upsertEvent('primary', { id: 'standup', summary: 'Standup', start: { dateTime: '2026-03-02T09:00:00', timeZone: 'America/New_York' }, end: { dateTime: '2026-03-02T09:15:00', timeZone: 'America/New_York' }, recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3'] });
    const res = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, orderBy: 'startTime', timeMin: '2026-01-01T00:00:00Z', timeMax: '2026-04-01T00:00:00Z' });
    const items = res.data.items!;
    expect(items.filter((e) => e.recurringEventId === 'bins').map((e) => [e.id, e.start!.date, e.end!.date])).toEqual([
      ['bins_20260105', '2026-01-05', '2026-01-06'],
      ['bins_20260112', '2026-01-12', '2026-01-13'],
      ['bins_20260119', '2026-01-19', '2026-01-20'],
    ]);
    // The first instance starts at Auckland midnight, which is the 4th in UTC: a window on the UTC 4th finds it.
    const early = await t.cal.events.list({ calendarId: 'primary', singleEvents: true, timeMin: '2026-01-04T12:00:00Z', timeMax: '2026-01-04T13:00:00Z' });
    expect(ids(early.data.items)).toEqual(['bins_20260105']);
    // New York moves to daylight time on 8 March: the standup stays at 09:00 there.
    expect(items.filter((e) => e.recurringEventId === 'standup').map((e) => e.start!.dateTime)).toEqual(['2026-03-02T09:00:00-05:00', '2026-03-09T09:00:00-04:00', '2026-03-16T09:00:00-04:00']);
    // An instance is addressable by its local-day id.
    expect((await t.cal.events.get({ calendarId: 'primary', eventId: 'bins_20260112' })).data.start).toEqual({ date: '2026-01-12' });
  });

  it('the timeZone parameter answers timed events in that zone (same instant) and is refused when unknown', async () => {
    t = await start();
    t.emulator.calendar.upsertEvent('primary', { id: 'call', summary: 'Call', start: { dateTime: '2026-01-06T10:00:00Z' }, end: { dateTime: '2026-01-06T11:00:00Z' } });
    t.emulator.calendar.upsertEvent('primary', { id: 'day', summary: 'Day', start: { date: '2026-01-07' }, end: { date: '2026-01-08' } });
    const utc = await t.cal.events.list({ calendarId: 'primary' });
    expect(utc.data.timeZone).toBe('UTC');
    const berlin = await t.cal.events.list({ calendarId: 'primary', timeZone: 'Europe/Berlin' });
    expect(berlin.data.timeZone).toBe('Europe/Berlin');
    const call = berlin.data.items!.find((e) => e.id === 'call')!;
    expect([call.start!.dateTime, call.end!.dateTime]).toEqual(['2026-01-06T11:00:00+01:00', '2026-01-06T12:00:00+01:00']);
    expect(Date.parse(call.start!.dateTime!)).toBe(Date.parse('2026-01-06T10:00:00Z'));
    expect(berlin.data.items!.find((e) => e.id === 'day')!.start).toEqual({ date: '2026-01-07' });
    // The stored event is unchanged.
    expect(t.emulator.calendar.getEvent('primary', 'call')!.start!.dateTime).toBe('2026-01-06T10:00:00Z');
    const bad = await gaxiosError(t.cal.events.list({ calendarId: 'primary', timeZone: 'Mars/Olympus_Mons' }));
    expect([bad.status, bad.response!.data.error.errors[0].location]).toEqual([400, 'timeZone']);
  });
});
