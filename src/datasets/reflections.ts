import type { DatasetDescriptor } from './types.ts';

/** Reflections: two-way Notion ⇄ Postgres. */
export const reflections: DatasetDescriptor = {
  name: 'reflections',
  table: 'reflections',
  pattern: 'two-way',
  databaseIdEnv: 'NOTION_REFLECTIONS_DATABASE_ID',
  rowIdProperty: 'Supabase ID',
  fields: [
    { field: 'title', property: 'Title', kind: 'title', column: 'title', columnType: 'text' },
    { field: 'date', property: 'Date', kind: 'date', column: 'date', columnType: 'date' },
    { field: 'content', property: 'Content', kind: 'rich_text', column: 'content', columnType: 'text' },
    { field: 'mood', property: 'Mood', kind: 'select', column: 'mood', columnType: 'text' },
  ],
};
