import type { DatasetDescriptor } from './types.ts';

/** Tasks: two-way Notion ⇄ Postgres; Meeting relates to meetings. */
export const tasks: DatasetDescriptor = {
  name: 'tasks',
  table: 'tasks',
  pattern: 'two-way',
  databaseIdEnv: 'NOTION_TASKS_DATABASE_ID',
  rowIdProperty: 'Supabase ID',
  fields: [
    { field: 'title', property: 'Name', kind: 'title', column: 'title', columnType: 'text' },
    { field: 'status', property: 'Status', kind: 'status', column: 'status', columnType: 'text' },
    { field: 'due_date', property: 'Due', kind: 'date', column: 'due_date', columnType: 'date' },
    { field: 'priority', property: 'Priority', kind: 'select', column: 'priority', columnType: 'text' },
    { field: 'notes', property: 'Notes', kind: 'rich_text', column: 'notes', columnType: 'text' },
    { field: 'meeting_id', property: 'Meeting', kind: 'relation', column: 'meeting_id', columnType: 'uuid', relation: { dataset: 'meetings' } },
  ],
  indexes: [{ on: 'meeting_id' }],
};
