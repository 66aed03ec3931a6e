import { defineDataset } from './define.ts';

/** Kindle highlights: Notion → Postgres, one-way; Book relation resolved to books.id. */
export const highlights = defineDataset({
  name: 'highlights',
  table: 'highlights',
  source: { notion: 'one-way' },
  fields: {
    text: { property: 'Text', kind: 'title' },
    book_id: { property: 'Book', kind: 'relation', relates: 'books', type: 'uuid', note: "the related book's `books.id`" },
    location: { property: 'Location', kind: 'rich_text' },
    note: { property: 'Note', kind: 'rich_text' },
    highlighted_at: { property: 'Highlighted', kind: 'date' },
  },
  indexes: ['book_id'],
});
