/**
 * One JS type per SQL type, whichever backend runs the query. Both drivers already agree on
 * timestamptz (Date), jsonb (parsed), uuid (string), text[]/uuid[] (arrays). They differ on:
 *  - date: pg makes a local-midnight Date (shifts by timezone), PGlite a UTC Date → we keep the
 *    'YYYY-MM-DD' text, which is what a calendar date is;
 *  - numeric: both return strings → JS number (dataset numerics are ratings and the like);
 *  - int8 (count(*)): pg returns a string, PGlite a number → number, or a BigInt beyond 2^53
 *    (as PGlite does) rather than silently losing precision.
 */
import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

/** Postgres type oids we parse ourselves. */
export const OID = {
  int8: 20,
  int8Array: 1016,
  date: 1082,
  dateArray: 1182,
  numeric: 1700,
  numericArray: 1231,
  textArray: 1009,
} as const;

export const parseDate = (value: string): string => value;
export const parseNumeric = (value: string): number => Number(value);
export function parseInt8(value: string): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : BigInt(value);
}

type Nested<T> = T | null | Nested<T>[];
function mapNested<T>(value: Nested<string>, fn: (s: string) => T): Nested<T> {
  if (value === null) return null;
  return Array.isArray(value) ? value.map((v) => mapNested(v, fn)) : fn(value);
}

/** Parsers for PGlite's `parsers` option. Its array parsers look element parsers up by oid, so date[] etc. follow. */
export const pgliteParsers: Record<number, (value: string) => unknown> = {
  [OID.date]: parseDate,
  [OID.numeric]: parseNumeric,
  [OID.int8]: parseInt8,
};

/**
 * A per-Pool `types` config for node-postgres: our parsers first, pg's defaults otherwise.
 * Passed as the client config's `types`, so nothing global (pg.types.setTypeParser) is touched.
 */
export function pgTypesConfig(): CustomTypesConfig {
  const parseTextArray = pg.types.getTypeParser(OID.textArray as never, 'text') as (v: string) => Nested<string>;
  const overrides: Record<number, (value: string) => unknown> = {
    [OID.date]: parseDate,
    [OID.dateArray]: (v) => parseTextArray(v),
    [OID.numeric]: parseNumeric,
    [OID.numericArray]: (v) => mapNested(parseTextArray(v), parseNumeric),
    [OID.int8]: parseInt8,
    [OID.int8Array]: (v) => mapNested(parseTextArray(v), parseInt8),
  };
  const getTypeParser = (oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && overrides[oid] ? overrides[oid] : pg.types.getTypeParser(oid, format as 'text');
  return { getTypeParser } as unknown as CustomTypesConfig;
}
