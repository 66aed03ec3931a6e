import type { DatasetDescriptor } from './types.ts';

/** Kindle highlights: Notion → Postgres, one-way; Book relation resolved to books.id. */
export const highlights: DatasetDescriptor = {
  name: 'highlights',
  table: 'highlights',
  pattern: 'one-way',
  databaseIdEnv: 'NOTION_HIGHLIGHTS_DATABASE_ID',
  fields: [
    { field: 'text', property: 'Text', kind: 'title', column: 'text', columnType: 'text' },
    { field: 'book_id', property: 'Book', kind: 'relation', column: 'book_id', columnType: 'uuid', relation: { dataset: 'books' } },
    { field: 'location', property: 'Location', kind: 'rich_text', column: 'location', columnType: 'text' },
    { field: 'note', property: 'Note', kind: 'rich_text', column: 'note', columnType: 'text' },
    { field: 'highlighted_at', property: 'Highlighted', kind: 'date', column: 'highlighted_at', columnType: 'timestamptz' },
  ],
  indexes: [{ on: 'book_id' }],
};
