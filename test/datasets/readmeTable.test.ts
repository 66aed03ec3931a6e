/**
 * The README's dataset table is generated from the dataset definitions (src/datasets/describe.ts;
 * `npm run docs:datasets` writes it), so it cannot fall behind them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, withDatasetsTable } from '../../scripts/docsDatasets.ts';
import { defineDataset } from '../../src/datasets/define.ts';
import { datasetsTable, describeSource } from '../../src/datasets/describe.ts';

describe('the README dataset table', () => {
  it('is the one the definitions generate (run `npm run docs:datasets` after changing one)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withDatasetsTable(readme));
  });

  it('says what goes where: each property (kind) → its column and type, a Google record → its columns, notes and deletions', () => {
    const recipes = defineDataset({
      name: 'recipes',
      table: 'my_recipes',
      source: { notion: 'one-way' },
      fields: {
        name: { property: 'Name', kind: 'title' },
        served: { property: 'Served', kind: 'date', endColumn: 'served_until' },
        book_id: { property: 'Book', kind: 'relation', relates: 'books', type: 'uuid', note: 'one book | or none' },
      },
    });
    const events = defineDataset({
      name: 'events',
      table: 'events',
      source: { google: 'calendar' },
      columns: { event_id: 'text', starts: { type: 'timestamptz', note: 'timed events' } },
      key: 'event_id',
      doc: { rows: 'each event', deletes: 'cancelled' },
    });
    expect(datasetsTable([recipes, events]).split('\n').slice(2)).toEqual([
      '| `recipes` → `my_recipes` | Notion → Postgres | Name (title) → `name` text; Served (date) → `served` and `served_until` timestamptz (its start and end); Book (relation → books) → `book_id` uuid (one book \\| or none) |',
      '| `events` → `events` | Google Calendar → Postgres | each event → `event_id` text (the key), `starts` timestamptz (timed events); cancelled → `deleted_at` |',
      '',
    ]);
  });

  it('names how records travel, as `help sync` does', () => {
    expect([describeSource({ pattern: 'two-way', google: 'people' }), describeSource({ pattern: 'two-way' }), describeSource({ pattern: 'one-way' }), describeSource({ pattern: 'gmail' })]).toEqual([
      'Notion ⇄ Postgres ⇄ Google Contacts',
      'Notion ⇄ Postgres',
      'Notion → Postgres',
      'Gmail → Postgres',
    ]);
  });
});
