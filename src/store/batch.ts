/**
 * Generic batched writers for the dataset tables: one statement per chunk of rows, whatever the
 * row count. Rows travel as one jsonb parameter unpacked by jsonb_to_recordset, which (unlike
 * unnest) handles array columns such as text[] and uuid[]. Table and column names are validated
 * identifiers; every value is a parameter. Every statement carries OWN_WRITE: jarvis-sync's writes
 * are not recorded as changes to sync (src/store/rowChanges.ts).
 */
import { assertIdentifier, quoteIdent } from './identifiers.ts';
import { OWN_WRITE } from './rowChanges.ts';
import type { ColumnType, Sql } from './types.ts';

export const DEFAULT_CHUNK_SIZE = 5_000;

const COLUMN_TYPES: ReadonlySet<string> = new Set<ColumnType>(['text', 'text[]', 'uuid', 'uuid[]', 'timestamptz', 'date', 'numeric', 'integer', 'boolean', 'jsonb']);

export type Row = Record<string, any>;

export interface UpsertSpec {
  table: string;
  /** A column with a unique index (notion_page_id, google_event_id, id, ...). */
  keyColumn: string;
  /** Type of keyColumn when it is not in `columns`; default 'uuid' for `id`, else 'text'. */
  keyType?: ColumnType;
  /** The columns to write (the key may be included or not). Every row supplies each; missing = NULL. */
  columns: Record<string, ColumnType>;
  chunkSize?: number;
}

export interface UpsertedRow {
  id: string;
  key: string;
  /** true for a new row, false for an existing row that changed. */
  inserted: boolean;
}

/**
 * INSERT … ON CONFLICT (key) DO UPDATE of every given column, but only where something differs, so
 * an unchanged row is not written (its updated_at stays, no trigger fires). Returns the rows
 * inserted or changed. Duplicate keys in `rows`: the last one wins. An `id` column, when given, is
 * used for new rows only (NULL → generated) and never updated. Chunks are separate statements:
 * pass a transaction as `sql` when all chunks must land together. The table needs an `id` column.
 */
export async function upsertRows(sql: Sql, spec: UpsertSpec, rows: Row[]): Promise<UpsertedRow[]> {
  const keyType = keyTypeOf(spec);
  const columns: Record<string, ColumnType> = { [spec.keyColumn]: keyType, ...spec.columns };
  for (const [name, type] of Object.entries(columns)) assertColumn(name, type);
  const key = quoteIdent(spec.keyColumn);
  const names = Object.keys(columns);
  // `id` is insert-only: a row's id never changes once other rows and the ledger point at it.
  const updatable = names.filter((c) => c !== spec.keyColumn && c !== 'id');
  const list = names.map(quoteIdent).join(', ');
  const value = (c: string) => (c === 'id' ? `coalesce(x."id", gen_random_uuid())` : `x.${quoteIdent(c)}`);
  const onConflict = updatable.length
    ? `DO UPDATE SET ${updatable.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}
       WHERE ROW(${updatable.map((c) => `t.${quoteIdent(c)}`).join(', ')}) IS DISTINCT FROM ROW(${updatable.map((c) => `excluded.${quoteIdent(c)}`).join(', ')})`
    : 'DO NOTHING';
  const text = `INSERT INTO ${quoteIdent(spec.table)} AS t (${list})
    SELECT ${names.map(value).join(', ')} FROM ${recordset(columns)} WHERE ${OWN_WRITE}
    ON CONFLICT (${key}) ${onConflict}
    RETURNING t."id"::text AS id, t.${key}::text AS key, (t.xmax = 0) AS inserted`;

  const byKey = new Map<string, Row>();
  rows.forEach((row, i) => {
    const k = row[spec.keyColumn];
    if (k === null || k === undefined || k === '') throw new Error(`upsertRows(${spec.table}): row ${i} has no ${spec.keyColumn}`);
    byKey.set(String(k), row);
  });
  const out: UpsertedRow[] = [];
  for (const chunk of chunks([...byKey.values()], spec.chunkSize)) {
    const payload = chunk.map((row) => toRecord(row, columns));
    const r = await sql.query<UpsertedRow>(text, [JSON.stringify(payload)]);
    out.push(...r.rows);
  }
  return out;
}

/**
 * UPDATE of the given columns of existing rows, matched by key, in one statement per chunk; a row
 * whose columns already hold these values is not written (no trigger fires), and a key with no row
 * inserts nothing. Returns how many rows changed. For writes that must never create a row (the
 * standard columns after a push to the other side).
 */
export async function updateRowsByKey(sql: Sql, spec: UpsertSpec, rows: Row[]): Promise<number> {
  const keyType = keyTypeOf(spec);
  const columns: Record<string, ColumnType> = { [spec.keyColumn]: keyType, ...spec.columns };
  for (const [name, type] of Object.entries(columns)) assertColumn(name, type);
  const key = quoteIdent(spec.keyColumn);
  const updatable = Object.keys(columns).filter((c) => c !== spec.keyColumn && c !== 'id');
  if (!updatable.length || !rows.length) return 0;
  const text = `UPDATE ${quoteIdent(spec.table)} AS t SET ${updatable.map((c) => `${quoteIdent(c)} = x.${quoteIdent(c)}`).join(', ')}
    FROM ${recordset(columns)}
    WHERE t.${key} = x.${key} AND ${OWN_WRITE}
      AND ROW(${updatable.map((c) => `t.${quoteIdent(c)}`).join(', ')}) IS DISTINCT FROM ROW(${updatable.map((c) => `x.${quoteIdent(c)}`).join(', ')})`;
  let count = 0;
  for (const chunk of chunks(rows, spec.chunkSize)) count += (await sql.query(text, [JSON.stringify(chunk.map((row) => toRecord(row, columns)))])).rowCount;
  return count;
}

export interface SelectSpec {
  table: string;
  keyColumn: string;
  keyType?: ColumnType;
  /** Columns to read besides the key; a column-type record (as for upsertRows) works too. */
  columns: readonly string[] | Record<string, ColumnType>;
  chunkSize?: number;
}

/** Rows whose key is in `keys`, soft-deleted ones included, as a map key → row (driver types). */
export async function selectRowsByKeys(sql: Sql, spec: SelectSpec, keys: string[]): Promise<Map<string, Row>> {
  const names = Array.isArray(spec.columns) ? [...spec.columns] : Object.keys(spec.columns);
  const select = [...new Set([spec.keyColumn, ...names])].map(quoteIdent).join(', ');
  const text = `SELECT ${select} FROM ${quoteIdent(spec.table)} WHERE ${quoteIdent(spec.keyColumn)} = ANY($1::${keyTypeOf(spec)}[])`;
  const out = new Map<string, Row>();
  for (const chunk of chunks([...new Set(keys)], spec.chunkSize)) {
    const { rows } = await sql.query<Row>(text, [chunk]);
    for (const row of rows) out.set(String(row[spec.keyColumn]), row);
  }
  return out;
}

/** Sets deleted_at = at on rows with these keys that are not deleted yet; returns how many. */
export async function softDeleteByKeys(
  sql: Sql,
  spec: { table: string; keyColumn: string; keyType?: ColumnType; chunkSize?: number },
  keys: string[],
  at: Date,
): Promise<number> {
  const text = `UPDATE ${quoteIdent(spec.table)} SET "deleted_at" = $2
    WHERE ${quoteIdent(spec.keyColumn)} = ANY($1::${keyTypeOf({ ...spec, columns: {} })}[]) AND "deleted_at" IS NULL AND ${OWN_WRITE}`;
  let count = 0;
  for (const chunk of chunks([...new Set(keys)], spec.chunkSize)) {
    count += (await sql.query(text, [chunk, at])).rowCount;
  }
  return count;
}

/** Rows with deleted_at NULL, optionally also matching `where` (column = value; null means IS NULL). */
export async function countActive(sql: Sql, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const params: unknown[] = [];
  const conditions = ['"deleted_at" IS NULL'];
  for (const [column, value] of Object.entries(where)) {
    if (value === null || value === undefined) conditions.push(`${quoteIdent(column)} IS NULL`);
    else {
      params.push(value);
      conditions.push(`${quoteIdent(column)} = $${params.length}`);
    }
  }
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(table)} WHERE ${conditions.join(' AND ')}`, params);
  return Number(rows[0].n);
}

// ---------------------------------------------------------------------------------------------

/** `jsonb_to_recordset($1::jsonb) AS x("a" text, "b" uuid[], ...)` */
export function recordset(columns: Record<string, ColumnType>, param = 1): string {
  const defs = Object.entries(columns).map(([name, type]) => `${quoteIdent(name)} ${assertColumnType(type)}`);
  return `jsonb_to_recordset($${param}::jsonb) AS x(${defs.join(', ')})`;
}

/** The JSON form of one row: every column present, values as jsonb_to_recordset reads them. */
export function toRecord(row: Row, columns: Record<string, ColumnType>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(columns)) out[name] = toJsonValue(row[name], type);
  return out;
}

function toJsonValue(value: unknown, type: ColumnType): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  // A Date for a calendar date means its UTC day (what new Date('2024-01-05') holds).
  if (type === 'date' && value instanceof Date) return value.toISOString().slice(0, 10);
  return value; // Dates become ISO strings in JSON.stringify; arrays and objects stay JSON
}

export function* chunks<T>(items: T[], size = DEFAULT_CHUNK_SIZE): Generator<T[]> {
  if (!(size >= 1)) throw new Error(`chunk size must be at least 1, got ${size}`);
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function keyTypeOf(spec: { keyColumn: string; keyType?: ColumnType; columns?: readonly string[] | Record<string, ColumnType> }): ColumnType {
  const fromColumns = spec.columns && !Array.isArray(spec.columns) ? (spec.columns as Record<string, ColumnType>)[spec.keyColumn] : undefined;
  return assertColumnType(spec.keyType ?? fromColumns ?? (spec.keyColumn === 'id' ? 'uuid' : 'text'));
}

function assertColumn(name: string, type: string): void {
  assertIdentifier(name);
  assertColumnType(type);
}

/** Column types are spliced into SQL too, so they are checked against the known list. */
export function assertColumnType(type: string): ColumnType {
  if (!COLUMN_TYPES.has(type)) throw new Error(`unsupported column type ${JSON.stringify(type)}; expected one of ${[...COLUMN_TYPES].join(', ')}`);
  return type as ColumnType;
}
