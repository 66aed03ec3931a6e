import type { DatasetDescriptor } from './types.ts';
import { books } from './books.ts';
import { calendar } from './calendar.ts';
import { gmail } from './gmail.ts';
import { contacts } from './contacts.ts';
import { highlights } from './highlights.ts';
import { journals } from './journals.ts';
import { meetings } from './meetings.ts';
import { reflections } from './reflections.ts';
import { tasks } from './tasks.ts';

export type { ColumnDef, ConfigField, DatasetDescriptor, FieldDef, FieldKind, IndexDef, SyncPattern } from './types.ts';
export { DEFAULT_ROW_ID_PROPERTY } from './define.ts';

/**
 * The registry of built-in datasets, each defined once in its own file (define.ts). Adding a
 * dataset is adding its file and its place here, in the spec's `/sync/all` order: contacts first
 * (meetings link to them), two-way before one-way, books and highlights last.
 */
export const presetDatasets: DatasetDescriptor[] = [contacts, meetings, tasks, reflections, journals, calendar, gmail, books, highlights];

/** The built-in datasets under their default table and column names (what migrate uses without a config). */
export function defaultDatasets(): DatasetDescriptor[] {
  return presetDatasets;
}

/** The spec's sync order, by name: the registry's. */
export const syncOrder: readonly string[] = presetDatasets.map((d) => d.name);
