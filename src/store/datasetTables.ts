/**
 * The dataset tables, generated from the dataset descriptors (src/datasets/*.ts) as the config
 * resolves them (table and column renames): one description per dataset, no hand-written DDL.
 * Pure: what a table must look like (TableSpec), the SQL that creates or completes it, and whether
 * an existing column's type can hold what jarvis-sync reads and writes there (columnTypeProblem).
 * Catalog inspection and applying live in adoptTables.ts.
 *
 * Column order of a created table: id, the fields' columns (a date field's end column right after
 * it), the descriptor's extra columns, then the standard sync columns. For the built-in datasets
 * this reproduces the hand-written 0002_datasets.sql of earlier releases exactly (columns, types,
 * defaults, indexes, trigger name and function), which test/store/datasetTables.test.ts checks
 * against a copy of it; the trigger fires on INSERT as well as UPDATE since 0004.
 */
import { createHash } from 'node:crypto';
import type { DatasetDescriptor, FieldDef } from '../datasets/types.ts';
import { quoteIdent } from './identifiers.ts';
import type { ColumnType } from './types.ts';

/** Why a column exists, which decides the wording of a refusal and whether its type is checked. */
export type ColumnRole = 'id' | 'field' | 'end' | 'extra' | 'standard';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  role: ColumnRole;
  /** The field whose value the column holds (role field / end). */
  field?: FieldDef;
  /** SQL after the type when the column is created or added: `NOT NULL DEFAULT now()`. */
  constraint?: string;
  /**
   * false: jarvis-sync never reads or writes it (created_at, kept for the user), so an existing
   * column of another type is left alone rather than refused.
   */
  checked: boolean;
}

export interface IndexSpec {
  name: string;
  column: string;
  unique: boolean;
  using: 'btree' | 'gin';
}

export interface TableSpec {
  dataset: string;
  table: string;
  columns: ColumnSpec[];
  /** Besides the primary key on id, which a created table has and an existing one needs as a unique index. */
  indexes: IndexSpec[];
  trigger: string;
}

/** The trigger function of every dataset table (0001_core.sql, rules of 0004_updated_at_truthful.sql). */
export const UPDATED_AT_FUNCTION = 'jarvis_sync.set_updated_at()';

/** Standard columns every dataset table has after its own, in this order. */
const STANDARD_COLUMNS: Array<Omit<ColumnSpec, 'role'>> = [
  { name: 'notion_page_id', type: 'text', checked: true },
  { name: 'notion_updated_at', type: 'timestamptz', checked: true },
  { name: 'last_sync_source', type: 'text', checked: true },
  { name: 'created_at', type: 'timestamptz', constraint: 'NOT NULL DEFAULT now()', checked: false },
  { name: 'updated_at', type: 'timestamptz', constraint: 'NOT NULL DEFAULT now()', checked: true },
  { name: 'deleted_at', type: 'timestamptz', checked: true },
];

/** What a dataset's table must have. Throws on a descriptor that names a column twice. */
export function tableSpec(ds: DatasetDescriptor): TableSpec {
  const columns: ColumnSpec[] = [{ name: 'id', type: 'uuid', role: 'id', constraint: 'PRIMARY KEY DEFAULT gen_random_uuid()', checked: true }];
  for (const f of ds.fields) {
    columns.push({ name: f.column, type: f.columnType, role: 'field', field: f, checked: true });
    if (f.endColumn) columns.push({ name: f.endColumn, type: f.columnType, role: 'end', field: f, checked: true });
  }
  for (const c of ds.extraColumns ?? []) columns.push({ name: c.column, type: c.columnType, role: 'extra', checked: true });
  for (const c of STANDARD_COLUMNS) columns.push({ ...c, role: 'standard' });
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new Error(`dataset ${ds.name}: column "${c.name}" of table ${ds.table} is used twice; map the fields to distinct columns (datasets.${ds.name}.columns)`);
    seen.add(c.name);
  }

  const columnOf = (on: string): string => {
    const field = ds.fields.find((f) => f.field === on);
    if (field) return field.column;
    if (ds.extraColumns?.some((c) => c.column === on)) return on;
    throw new Error(`dataset ${ds.name}: index on "${on}", which is neither a field nor an extra column`);
  };
  const index = (column: string, unique: boolean, using: 'btree' | 'gin' = 'btree'): IndexSpec => ({
    name: relationName(ds.table, `_${column}_${unique ? 'key' : 'idx'}`),
    column,
    unique,
    using,
  });
  const extra = (ds.indexes ?? []).map((i) => index(columnOf(i.on), Boolean(i.unique), i.using ?? 'btree'));
  // The order of the hand-written migration: unique keys, then updated_at, then the others.
  const indexes = [index('notion_page_id', true), ...extra.filter((i) => i.unique), index('updated_at', false), ...extra.filter((i) => !i.unique)];
  return { dataset: ds.name, table: ds.table, columns, indexes, trigger: relationName(ds.table, '_set_updated_at') };
}

/**
 * `<table><suffix>`, the names the hand-written migration used. Past PostgreSQL's 63 bytes it
 * would silently truncate, and two long names could become one: the table part is shortened and a
 * hash of the full name keeps it unique.
 */
export function relationName(table: string, suffix: string): string {
  const full = `${table}${suffix}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${table.slice(0, 63 - suffix.length - hash.length - 1)}_${hash}${suffix}`;
}

/** The SQL type of a ColumnType (the descriptors' spelling is PostgreSQL's). */
export function sqlType(type: ColumnType): string {
  return type;
}

/**
 * A new table, complete: columns, indexes, trigger, and the stance of every table jarvis-sync
 * creates (row level security on with no policy, no grants to PUBLIC or Supabase's API roles;
 * anon and authenticated exist only on Supabase, hence the pg_roles check).
 */
export function createTableSql(spec: TableSpec): string {
  const t = quoteIdent(spec.table);
  const columns = spec.columns.map((c) => `    ${quoteIdent(c.name)} ${sqlType(c.type)}${c.constraint ? ` ${c.constraint}` : ''}`);
  return [
    `CREATE TABLE ${t} (\n${columns.join(',\n')}\n);`,
    ...spec.indexes.map((i) => `${createIndexSql(spec, i)};`),
    `${triggerSql(spec)};`,
    lockDownSql(spec.table),
  ].join('\n');
}

/**
 * A column added to an existing table. `id` cannot become the primary key of a table that may have
 * one already: it is added NOT NULL with its default (existing rows get ids) and made unique by an
 * index (missingIndexes asks for it).
 */
export function addColumnSql(spec: TableSpec, column: ColumnSpec): string {
  const constraint = column.role === 'id' ? 'NOT NULL DEFAULT gen_random_uuid()' : column.constraint;
  return `ALTER TABLE ${quoteIdent(spec.table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${sqlType(column.type)}${constraint ? ` ${constraint}` : ''}`;
}

export function createIndexSql(spec: TableSpec, index: IndexSpec): string {
  const using = index.using === 'btree' ? '' : ` USING ${index.using}`;
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdent(index.name)} ON ${quoteIdent(spec.table)}${using} (${quoteIdent(index.column)})`;
}

/** The unique index an existing table needs on id when it has none (ON CONFLICT (id) relies on it). */
export function idIndex(spec: TableSpec): IndexSpec {
  return { name: relationName(spec.table, '_id_key'), column: 'id', unique: true, using: 'btree' };
}

/**
 * CREATE OR REPLACE: also re-points a trigger of that name at the current function, and makes an
 * older one (BEFORE UPDATE only) fire on INSERT too, where it fills a NULL updated_at (an app's
 * insert into an adopted table whose updated_at has no default).
 */
export function triggerSql(spec: TableSpec): string {
  return `CREATE OR REPLACE TRIGGER ${quoteIdent(spec.trigger)} BEFORE INSERT OR UPDATE ON ${quoteIdent(spec.table)}
    FOR EACH ROW EXECUTE FUNCTION ${UPDATED_AT_FUNCTION}`;
}

/** Row level security on, no grants but the owner's. For tables jarvis-sync creates, never for adopted ones. */
export function lockDownSql(table: string): string {
  const t = quoteIdent(table);
  // The table name is a checked identifier (quoteIdent throws otherwise), so it can sit in the
  // DO block's string literal; doubling quotes keeps that true even if the rule ever changed.
  const literal = t.replaceAll("'", "''");
  return `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON ${t} FROM PUBLIC;
DO $$
DECLARE api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = api_role) THEN
            EXECUTE format('REVOKE ALL ON %s FROM %I', '${literal}', api_role);
        END IF;
    END LOOP;
END $$;`;
}

// ---------------------------------------------------------------------------------------------
// Column types

/** An existing column as the catalog describes it (adoptTables.ts reads these). */
export interface ActualColumn {
  name: string;
  /** format_type(): `timestamp with time zone`, `character varying(255)`, `bigint`, `text[]`. */
  type: string;
  /** pg_type.typname of the column's type, or of the element type for an array: `timestamptz`, `varchar`, `int8`. */
  base: string;
  isArray: boolean;
  /** pg_attribute.atttypmod: -1 when unconstrained (varchar without length, numeric without precision). */
  typmod: number;
  notNull: boolean;
  hasDefault: boolean;
  /** 'a' / 'd' for identity columns, '' otherwise. */
  identity: string;
  /** 's' for a generated column, '' otherwise. */
  generated: string;
}

/** The text types a text value goes into unchanged. */
const TEXT_TYPES = new Set(['text', 'varchar', 'citext']);

/**
 * null when `actual` can hold every value jarvis-sync reads and writes in `column` without losing
 * anything; otherwise why not (one clause, no trailing period). The rules (README, "Existing
 * tables"):
 * - text: text, varchar without a length, citext. varchar(n) would refuse longer values, char(n)
 *   pads them.
 * - numeric (Notion numbers: JavaScript doubles): numeric without precision or double precision.
 *   Integers drop fractions, real keeps about 6 digits, numeric(p,s) rounds.
 * - timestamptz (a date with a time, or an instant): timestamptz only. date drops the time;
 *   timestamp without time zone drops the offset, so times move with the session's time zone.
 * - date (a calendar day): date only. As an instant it would become a midnight that a time zone
 *   can move to the day before.
 * - arrays: the array of the element type; a scalar cannot hold several values, nor an array
 *   stand for one. uuid, boolean, jsonb, integer: that type (integer also accepts bigint).
 */
export function columnTypeProblem(column: ColumnSpec, actual: ActualColumn): string | null {
  const wantArray = column.type.endsWith('[]');
  const element = wantArray ? column.type.slice(0, -2) : column.type;
  if (actual.generated) return 'it is a generated column, which cannot be written';
  if (wantArray && !actual.isArray) return `a scalar column cannot hold the several values of ${what(column)}`;
  if (!wantArray && actual.isArray) return `${what(column)} is one value, not an array`;
  const b = actual.base;
  switch (element) {
    case 'text':
      if (TEXT_TYPES.has(b) && (b !== 'varchar' || actual.typmod < 0)) return null;
      if (b === 'varchar') return `values longer than ${actual.typmod - 4} characters would be refused`;
      if (b === 'bpchar') return 'char(n) pads and cuts values';
      return `${what(column)} is text`;
    case 'numeric':
      if ((b === 'numeric' && actual.typmod < 0) || b === 'float8') return null;
      if (b === 'numeric') return `${actual.type} rounds Notion's numbers to its scale and refuses larger ones`;
      if (b === 'int2' || b === 'int4' || b === 'int8') return `an integer column drops the fraction of a number such as 4.5`;
      if (b === 'float4') return 'real keeps only about 6 significant digits';
      return `${what(column)} is a number`;
    case 'integer':
      return b === 'int4' || b === 'int8' ? null : `${what(column)} is a whole number`;
    case 'timestamptz':
      if (b === 'timestamptz') return null;
      if (b === 'date') return `${what(column)} carries a time of day, which a date column drops`;
      if (b === 'timestamp') return `timestamp without time zone drops the offset, so times would move with the session's time zone`;
      return `${what(column)} is an instant`;
    case 'date':
      if (b === 'date') return null;
      if (b === 'timestamptz' || b === 'timestamp') return `${what(column)} is a calendar day; stored as an instant it becomes a midnight that a time zone can move to another day`;
      return `${what(column)} is a calendar day`;
    case 'uuid':
      if (b === 'uuid') return null;
      if (column.role === 'id') return `jarvis-sync keys rows by uuid (it makes the ids, and Notion pages and its ledger refer to them)`;
      return `${what(column)} holds row ids, which are uuids`;
    case 'boolean':
      return b === 'bool' ? null : `${what(column)} is true or false`;
    case 'jsonb':
      return b === 'jsonb' ? null : `${what(column)} is a JSON document`;
  }
  return `${column.type} is needed`;
}

function what(column: ColumnSpec): string {
  if (column.field) return `the field ${column.field.field}${column.role === 'end' ? "'s end" : ''}`;
  return 'its value';
}
