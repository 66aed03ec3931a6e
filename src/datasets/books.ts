import type { DatasetDescriptor } from './types.ts';

/** Books: Notion → Postgres, one-way (Postgres is a read-only replica). */
export const books: DatasetDescriptor = {
  name: 'books',
  table: 'books',
  pattern: 'one-way',
  databaseIdEnv: 'NOTION_BOOKS_DATABASE_ID',
  fields: [
    { field: 'title', property: 'Title', kind: 'title', column: 'title', columnType: 'text' },
    { field: 'author', property: 'Author', kind: 'rich_text', column: 'author', columnType: 'text' },
    { field: 'status', property: 'Status', kind: 'select', column: 'status', columnType: 'text' },
    { field: 'rating', property: 'Rating', kind: 'number', column: 'rating', columnType: 'numeric' },
    { field: 'finished_at', property: 'Finished', kind: 'date', column: 'finished_at', columnType: 'date' },
    { field: 'url', property: 'URL', kind: 'url', column: 'url', columnType: 'text' },
    { field: 'tags', property: 'Tags', kind: 'multi_select', column: 'tags', columnType: 'text[]' },
  ],
};
