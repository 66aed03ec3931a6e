import { defineDataset } from './define.ts';

/** Meetings: two-way Notion ⇄ Postgres; Attendees relate to contacts. */
export const meetings = defineDataset({
  name: 'meetings',
  table: 'meetings',
  source: { notion: 'two-way' },
  fields: {
    title: { property: 'Title', kind: 'title' },
    date: { property: 'Date', kind: 'date', endColumn: 'end_date' },
    summary: { property: 'Summary', kind: 'rich_text' },
    type: { property: 'Type', kind: 'select' },
    contact_ids: { property: 'Attendees', kind: 'relation', relates: 'contacts' },
  },
});
