import { defineDataset } from './define.ts';

/** Books: Notion → Postgres, one-way (Postgres is a read-only replica). */
export const books = defineDataset({
  name: 'books',
  table: 'books',
  source: { notion: 'one-way' },
  fields: {
    title: { property: 'Title', kind: 'title' },
    author: { property: 'Author', kind: 'rich_text' },
    status: { property: 'Status', kind: 'select' },
    rating: { property: 'Rating', kind: 'number' },
    finished_at: { property: 'Finished', kind: 'date', type: 'date' },
    url: { property: 'URL', kind: 'url' },
    tags: { property: 'Tags', kind: 'multi_select' },
  },
});
