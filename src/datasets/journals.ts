import type { DatasetDescriptor } from './types.ts';

/** Journals: two-way Notion ⇄ Postgres. */
export const journals: DatasetDescriptor = {
  name: 'journals',
  table: 'journals',
  pattern: 'two-way',
  databaseIdEnv: 'NOTION_JOURNALS_DATABASE_ID',
  rowIdProperty: 'Supabase ID',
  fields: [
    { field: 'title', property: 'Title', kind: 'title', column: 'title', columnType: 'text' },
    { field: 'date', property: 'Date', kind: 'date', column: 'date', columnType: 'date' },
    { field: 'content', property: 'Entry', kind: 'rich_text', column: 'content', columnType: 'text' },
    { field: 'tags', property: 'Tags', kind: 'multi_select', column: 'tags', columnType: 'text[]' },
  ],
};
