import { defineDataset } from './define.ts';

/**
 * Google Calendar events → Postgres, one-way (GOOGLE_CALENDAR_ID, default primary). The columns are
 * what engine/google/calendarRows.ts makes of an event, keyed by its id.
 */
export const calendar = defineDataset({
  name: 'calendar',
  table: 'calendar_events',
  source: { google: 'calendar' },
  columns: {
    google_event_id: 'text',
    calendar_id: 'text',
    summary: 'text',
    description: 'text',
    location: 'text',
    starts_at: { type: 'timestamptz', note: 'timed events' },
    ends_at: { type: 'timestamptz', note: 'timed events' },
    all_day: 'boolean',
    start_date: { type: 'date', note: 'all-day events' },
    end_date: { type: 'date', note: 'all-day events; exclusive, as Google gives it' },
    time_zone: { type: 'text', note: 'the zone a timed event was scheduled in' },
    status: 'text',
    attendee_emails: { type: 'text[]', note: 'lower-case' },
    contact_ids: { type: 'uuid[]', note: 'the contacts with those addresses' },
    recurring_event_id: 'text',
    html_link: 'text',
    google_updated_at: 'timestamptz',
  },
  key: 'google_event_id',
  indexes: ['starts_at'],
  doc: { rows: 'each event (recurring events as their instances)', deletes: 'cancelled' },
});
