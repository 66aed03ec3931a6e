import { defineDataset } from './define.ts';

/** Tasks: two-way Notion ⇄ Postgres; Meeting relates to meetings. */
export const tasks = defineDataset({
  name: 'tasks',
  table: 'tasks',
  source: { notion: 'two-way' },
  fields: {
    title: { property: 'Name', kind: 'title' },
    status: { property: 'Status', kind: 'status' },
    due_date: { property: 'Due', kind: 'date', type: 'date' },
    priority: { property: 'Priority', kind: 'select' },
    notes: { property: 'Notes', kind: 'rich_text' },
    meeting_id: { property: 'Meeting', kind: 'relation', relates: 'meetings', type: 'uuid' },
  },
  indexes: ['meeting_id'],
});
