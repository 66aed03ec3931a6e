/**
 * Calendar event → calendar_events row, pure. All-day events stay dates (Google's `date`, end
 * exclusive, as Google gives it) — never an instant that a time zone could shift by a day; timed
 * events are instants plus the zone they were scheduled in. The row's columns are the calendar
 * dataset's (src/datasets/calendar.ts), by their default names.
 */
import type { calendar_v3 } from '@googleapis/calendar';
import { normalizeEmail } from '../identity.ts';

export function isCancelled(e: calendar_v3.Schema$Event): boolean {
  return e.status === 'cancelled';
}

export function eventToRow(e: calendar_v3.Schema$Event, calendarId: string): Record<string, unknown> {
  if (!e.id) throw new Error('event without an id');
  const allDay = Boolean(e.start?.date);
  if (!allDay && !e.start?.dateTime) throw new Error(`event ${e.id} has neither start.date nor start.dateTime`);
  const instant = (v: string | null | undefined) => {
    if (!v) return null;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new Error(`event ${e.id}: invalid dateTime "${v}"`);
    return d.toISOString();
  };
  return {
    google_event_id: e.id,
    calendar_id: calendarId,
    summary: e.summary ?? null,
    description: e.description ?? null,
    location: e.location ?? null,
    starts_at: allDay ? null : instant(e.start?.dateTime),
    ends_at: allDay ? null : instant(e.end?.dateTime),
    all_day: allDay,
    start_date: allDay ? e.start!.date! : null,
    end_date: allDay ? (e.end?.date ?? null) : null,
    time_zone: e.start?.timeZone ?? null,
    status: e.status ?? 'confirmed',
    attendee_emails: (e.attendees ?? []).map((a) => normalizeEmail(a.email)).filter((x): x is string => Boolean(x)),
    recurring_event_id: e.recurringEventId ?? null,
    html_link: e.htmlLink ?? null,
    google_updated_at: instant(e.updated),
  };
}
