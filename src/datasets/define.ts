/**
 * defineDataset: a built-in dataset described once — where its records come from, its table, its
 * fields (a Notion property each) or its own columns (Google's values), its key and indexes — in
 * the descriptor the rest of jarvis-sync reads (types.ts). A field's column type follows its kind
 * (fieldKinds.ts) unless the field says otherwise. From this one description come the table's DDL
 * (store/datasetTables.ts), the check that a Notion database fits (mappingCheck.ts), the emulator's
 * sample schemas (notionSchema.ts, emulators/samples) and the README's dataset table
 * (scripts/datasetsTable.ts): adding a property is one file, adding a dataset two (its file and
 * its place in the registry, index.ts).
 */
import type { ColumnType } from '../store/types.ts';
import { FIELD_KINDS, type NotionKind } from './fieldKinds.ts';
import type { ColumnDef, DatasetDescriptor, FieldDef, IndexDef, SyncPattern } from './types.ts';

/** The rich_text property a two-way dataset's pages keep their Postgres row id in, unless it names another. */
export const DEFAULT_ROW_ID_PROPERTY = 'Supabase ID';

/** The environment variable that may hold a Notion dataset's database id: NOTION_RECIPES_DATABASE_ID. */
export function databaseIdEnvOf(name: string): string {
  return `NOTION_${name.toUpperCase()}_DATABASE_ID`;
}

export interface FieldDefinition {
  /** The Notion property (its default name; the config may map another). */
  property: string;
  kind: NotionKind;
  /** The column's type, when not the kind's default (FIELD_KINDS[kind].columnTypes[0]). */
  type?: ColumnType;
  /** The column, when not named like the field. */
  column?: string;
  /** A relation: the dataset whose rows the related pages are. */
  relates?: string;
  /** A date: the column that receives its end. */
  endColumn?: string;
  /** The column is an array whose first element is the page's value (types.ts, FieldDef.primaryOfArray). */
  primaryOfArray?: true;
  /** Which system wins this field when both changed it (contacts). */
  owner?: 'notion' | 'google';
  /** How the value is kept, when the column does not say it (the README's dataset table). */
  note?: string;
}

/** Where a dataset's records come from. */
export type DatasetSource =
  /** A Notion database, one-way into Postgres or two-way; contacts also meet Google's People. */
  | { notion: 'one-way' | 'two-way'; rowIdProperty?: string; google?: 'people' }
  /** A Google feed into Postgres. */
  | { google: 'calendar' | 'gmail' };

/** A column of the dataset's own: its type, or its type and how its value is kept. */
export type ColumnDefinition = ColumnType | { type: ColumnType; note: string };

export interface DatasetDefinition {
  name: string;
  /** The table (its default name; the config may give another). */
  table: string;
  source: DatasetSource;
  /** Notion datasets: field → its property, in table order. */
  fields?: Record<string, FieldDefinition>;
  /** Columns besides the fields' and the standard ones (Google's values and ids), in table order after the fields'. */
  columns?: Record<string, ColumnDefinition>;
  /** The column holding Google's id of a record (unique): Google's rows are written by it. */
  key?: string;
  /** Further one-column indexes: a field or a column, btree unless it says. */
  indexes?: Array<string | IndexDef>;
  /** Before creating a row for a new page, look for an unlinked row with the same value of these fields. */
  matchUnlinkedBy?: string[];
  /** For the README's dataset table: what one row is, and what marks it deleted, when not a Notion page. */
  doc?: DatasetDescriptor['doc'];
}

/** The descriptor of a built-in dataset. Throws on a definition that contradicts itself (at import: a programming error). */
export function defineDataset(def: DatasetDefinition): DatasetDescriptor {
  const fail = (what: string): never => {
    throw new Error(`defineDataset ${def.name}: ${what}`);
  };
  const fields = Object.entries(def.fields ?? {}).map(([field, f]): FieldDef => {
    if ((f.kind === 'relation') !== Boolean(f.relates)) fail(`field ${field}: a relation names the dataset it relates to (relates), and only a relation does`);
    const columnType = f.type ?? FIELD_KINDS[f.kind].columnTypes[0] ?? fail(`field ${field}: a ${f.kind} holds no value to store`);
    return {
      field,
      property: f.property,
      kind: f.kind,
      column: f.column ?? field,
      columnType,
      ...(f.relates ? { relation: { dataset: f.relates } } : {}),
      ...(f.endColumn ? { endColumn: f.endColumn } : {}),
      ...(f.primaryOfArray ? { primaryOfArray: true } : {}),
      ...(f.owner ? { owner: f.owner } : {}),
      ...(f.note ? { note: f.note } : {}),
    };
  });
  const columns = Object.entries(def.columns ?? {}).map(([column, c]): ColumnDef => (typeof c === 'string' ? { column, columnType: c } : { column, columnType: c.type, note: c.note }));
  const names = new Set([...fields.map((f) => f.field), ...columns.map((c) => c.column)]);
  if (def.key && !columns.some((c) => c.column === def.key)) fail(`key ${def.key} is not one of its columns`);
  const indexes: IndexDef[] = [...(def.key ? [{ on: def.key, unique: true }] : []), ...(def.indexes ?? []).map((i) => (typeof i === 'string' ? { on: i } : i))];
  for (const i of indexes) if (!names.has(i.on)) fail(`index on ${i.on}, which is neither a field nor a column`);

  const source = def.source;
  const notion = 'notion' in source;
  const pattern: SyncPattern = notion ? source.notion : source.google;
  if (notion !== fields.length > 0) fail(notion ? 'a Notion dataset maps at least one property (fields)' : 'a Google dataset has columns, not fields');
  return {
    name: def.name,
    table: def.table,
    pattern,
    databaseIdEnv: notion ? databaseIdEnvOf(def.name) : '',
    fields,
    ...(notion && source.notion === 'two-way' ? { rowIdProperty: source.rowIdProperty ?? DEFAULT_ROW_ID_PROPERTY } : {}),
    ...(notion && source.google ? { google: source.google } : {}),
    ...(def.matchUnlinkedBy ? { matchUnlinkedBy: def.matchUnlinkedBy } : {}),
    ...(columns.length ? { extraColumns: columns } : {}),
    ...(def.key ? { key: def.key } : {}),
    ...(indexes.length ? { indexes } : {}),
    ...(def.doc ? { doc: def.doc } : {}),
  };
}
