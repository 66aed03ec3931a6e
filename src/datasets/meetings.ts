import type { DatasetDescriptor } from './types.ts';

/** Meetings: two-way Notion ⇄ Postgres; Attendees relate to contacts. */
export const meetings: DatasetDescriptor = {
  name: 'meetings',
  table: 'meetings',
  pattern: 'two-way',
  databaseIdEnv: 'NOTION_MEETINGS_DATABASE_ID',
  rowIdProperty: 'Supabase ID',
  fields: [
    { field: 'title', property: 'Title', kind: 'title', column: 'title', columnType: 'text' },
    { field: 'date', property: 'Date', kind: 'date', column: 'date', columnType: 'timestamptz', endColumn: 'end_date' },
    { field: 'summary', property: 'Summary', kind: 'rich_text', column: 'summary', columnType: 'text' },
    { field: 'type', property: 'Type', kind: 'select', column: 'type', columnType: 'text' },
    { field: 'contact_ids', property: 'Attendees', kind: 'relation', column: 'contact_ids', columnType: 'uuid[]', relation: { dataset: 'contacts' } },
  ],
};
