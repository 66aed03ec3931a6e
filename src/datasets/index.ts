import type { DatasetDescriptor } from './types.ts';
import { books } from './books.ts';
import { highlights } from './highlights.ts';

export type { DatasetDescriptor, FieldDef, FieldKind, SyncPattern } from './types.ts';

/**
 * The registry of built-in datasets. Adding a dataset is adding one descriptor file here.
 * Order is the spec's `/sync/all` order: contacts, two-way datasets, Google, then books and highlights.
 */
export const presetDatasets: DatasetDescriptor[] = [books, highlights];

/** The spec's sync order, by name (datasets that are not built yet are simply absent from the registry). */
export const syncOrder = ['contacts', 'meetings', 'tasks', 'reflections', 'journals', 'calendar', 'gmail', 'books', 'highlights'];
