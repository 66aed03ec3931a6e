import { defineDataset } from './define.ts';

/** Reflections: two-way Notion ⇄ Postgres. */
export const reflections = defineDataset({
  name: 'reflections',
  table: 'reflections',
  source: { notion: 'two-way' },
  fields: {
    title: { property: 'Title', kind: 'title' },
    date: { property: 'Date', kind: 'date', type: 'date' },
    content: { property: 'Content', kind: 'rich_text' },
    mood: { property: 'Mood', kind: 'select' },
  },
});
