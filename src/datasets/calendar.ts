import type { DatasetDescriptor } from './types.ts';

/** Google Calendar events → Postgres, one-way (GOOGLE_CALENDAR_ID, default primary). */
export const calendar: DatasetDescriptor = {
  name: 'calendar',
  table: 'calendar_events',
  pattern: 'calendar',
  databaseIdEnv: '',
  fields: [],
};
