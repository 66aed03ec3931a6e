import { defineDataset } from './define.ts';

/** Journals: two-way Notion ⇄ Postgres. */
export const journals = defineDataset({
  name: 'journals',
  table: 'journals',
  source: { notion: 'two-way' },
  fields: {
    title: { property: 'Title', kind: 'title' },
    date: { property: 'Date', kind: 'date', type: 'date' },
    content: { property: 'Entry', kind: 'rich_text' },
    tags: { property: 'Tags', kind: 'multi_select' },
  },
});
