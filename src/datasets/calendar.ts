import type { DatasetDescriptor } from './types.ts';

/** Google Calendar events → Postgres, one-way (GOOGLE_CALENDAR_ID, default primary). */
export const calendar: DatasetDescriptor = {
  name: 'calendar',
  table: 'calendar_events',
  pattern: 'calendar',
  databaseIdEnv: '',
  fields: [],
  /** What engine/google/calendarRows.ts writes (CALENDAR_COLUMNS), keyed by google_event_id. */
  extraColumns: [
    { column: 'google_event_id', columnType: 'text' },
    { column: 'calendar_id', columnType: 'text' },
    { column: 'summary', columnType: 'text' },
    { column: 'description', columnType: 'text' },
    { column: 'location', columnType: 'text' },
    { column: 'starts_at', columnType: 'timestamptz' },
    { column: 'ends_at', columnType: 'timestamptz' },
    { column: 'all_day', columnType: 'boolean' },
    { column: 'start_date', columnType: 'date' },
    { column: 'end_date', columnType: 'date' },
    { column: 'time_zone', columnType: 'text' },
    { column: 'status', columnType: 'text' },
    { column: 'attendee_emails', columnType: 'text[]' },
    { column: 'contact_ids', columnType: 'uuid[]' },
    { column: 'recurring_event_id', columnType: 'text' },
    { column: 'html_link', columnType: 'text' },
    { column: 'google_updated_at', columnType: 'timestamptz' },
  ],
  indexes: [{ on: 'google_event_id', unique: true }, { on: 'starts_at' }],
};
