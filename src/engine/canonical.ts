/**
 * Canonical records: plain, normalized field values that compare exactly, whichever side they came
 * from. Pure: no I/O. Equality of canonical records is how the engine knows nothing changed
 * (and how it recognises its own echoes) — by content, never by a clock.
 */
import type { FieldDef } from '../datasets/types.ts';
import { normalizeEmail, normalizePhone } from './identity.ts';

export type CanonicalValue = string | number | boolean | null | string[];
export type CanonicalRecord = Record<string, CanonicalValue>;

/**
 * A raw field value as read from Notion, before relation ids are resolved to Postgres ids. Config
 * fields (FieldDef.configured) arrive ready for their column, a jsonb value as a plain object.
 */
export type RawNotionValue = CanonicalValue | { start: string; end: string | null; time_zone?: string | null } | Record<string, unknown> | unknown[] | undefined;

/** The canonical type of a field: an array column whose first element Notion holds is a scalar. */
function canonicalType(f: FieldDef): string {
  return f.primaryOfArray ? f.columnType.replace('[]', '') : f.columnType;
}

/** Emails and phones in their identity form, so one person's address compares equal however it is written. */
function identityForm(f: FieldDef, v: CanonicalValue): CanonicalValue {
  if (f.kind === 'email') return Array.isArray(v) ? v.map((x) => normalizeEmail(x)!).filter(Boolean) : normalizeEmail(v as string | null);
  if (f.kind === 'phone_number') return Array.isArray(v) ? v.map((x) => normalizePhone(x)!).filter(Boolean) : normalizePhone(v as string | null);
  return v;
}

/** Notion keeps each option or related page once; so does the canonical form. */
function dedupe(v: CanonicalValue): CanonicalValue {
  return Array.isArray(v) ? [...new Set(v)] : v;
}

/** Canonical keys of a dataset: each field, plus the end column of date ranges. */
export function canonicalKeys(fields: FieldDef[]): string[] {
  return fields.flatMap((f) => (f.endColumn ? [f.field, f.endColumn] : [f.field]));
}

/** Normalizes one value to the canonical form of its column type. */
export function normalizeForColumn(columnType: string, value: unknown): CanonicalValue {
  if (value === undefined || value === null) return columnType.endsWith('[]') ? [] : null;
  switch (columnType) {
    case 'text':
    case 'uuid': {
      const s = String(value);
      return s === '' ? null : s;
    }
    case 'numeric':
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return Boolean(value);
    case 'date':
      return toDateOnly(value);
    case 'timestamptz':
      return toInstant(value);
    case 'text[]':
    case 'uuid[]':
      return Array.isArray(value) ? value.map((v) => String(v)) : [String(value)];
    case 'jsonb':
      // Postgres reorders a jsonb object's keys: both sides compare by sorted keys.
      return stableJson(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** JSON with every object's keys sorted, so equal documents compare equal however they were built. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** 'YYYY-MM-DD' as written: a date is a calendar day, never shifted through a timezone. */
function toDateOnly(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const s = String(value);
  // The day must be all there is, or be followed by a time: '0044-03-15 BC' is not 0044-03-15.
  const m = /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(s);
  if (!m) throw new Error(`invalid date "${s}"`);
  return m[1]!;
}

/** An instant as a UTC ISO string with milliseconds, so equal instants compare equal. */
function toInstant(value: unknown): string | null {
  const d = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(d.getTime())) throw new Error(`invalid timestamp "${String(value)}"`);
  return d.toISOString();
}

/**
 * Canonical record from raw Notion field values. Relation page ids are mapped through
 * `relationIds` (Notion page id → Postgres id); unresolved targets are reported, not invented.
 */
export function canonicalFromNotion(
  fields: FieldDef[],
  raw: Record<string, RawNotionValue>,
  relationIds: (dataset: string) => Map<string, string>,
): { record: CanonicalRecord; unresolved: Array<{ field: string; pageIds: string[] }> } {
  const record: CanonicalRecord = {};
  const unresolved: Array<{ field: string; pageIds: string[] }> = [];
  for (const f of fields) {
    const v = raw[f.field];
    if (f.configured && f.kind === 'relation' && !f.relation) {
      // Its pages are not synced: the column holds their Notion page ids.
      record[f.field] = dedupe(normalizeForColumn(f.columnType, v));
    } else if (f.configured && f.kind !== 'relation') {
      const value = normalizeForColumn(f.columnType, v);
      record[f.field] = f.kind === 'multi_select' ? dedupe(value) : value;
    } else if (f.kind === 'relation') {
      const pageIds = (Array.isArray(v) ? v : []) as string[];
      const map = relationIds(f.relation!.dataset);
      const ids: string[] = [];
      const missing: string[] = [];
      for (const p of pageIds) {
        const id = map.get(p);
        if (id) ids.push(id);
        else missing.push(p);
      }
      if (missing.length) unresolved.push({ field: f.field, pageIds: missing });
      record[f.field] = f.columnType === 'uuid[]' ? (dedupe(ids) as string[]) : (ids[0] ?? null);
    } else if (f.kind === 'date') {
      const d = v as { start: string; end: string | null } | null | undefined;
      record[f.field] = normalizeForColumn(f.columnType, d?.start ?? null);
      if (f.endColumn) record[f.endColumn] = normalizeForColumn(f.columnType, d?.end ?? null);
    } else {
      const value = identityForm(f, normalizeForColumn(canonicalType(f), v));
      record[f.field] = f.kind === 'multi_select' ? dedupe(value) : value;
    }
  }
  return { record, unresolved };
}

/** Canonical record from a Postgres row (columns as named by the dataset's fields). */
export function canonicalFromRow(fields: FieldDef[], row: Record<string, unknown>): CanonicalRecord {
  const record: CanonicalRecord = {};
  for (const f of fields) {
    const raw = row[f.column];
    if (f.configured) {
      const value = normalizeForColumn(f.columnType, raw);
      // Notion has no empty checkbox: a NULL (a row inserted without it) is unchecked, not a change.
      record[f.field] = f.kind === 'multi_select' || f.kind === 'relation' ? dedupe(value) : f.kind === 'checkbox' && value === null ? false : value;
    } else if (f.primaryOfArray) record[f.field] = identityForm(f, normalizeForColumn(canonicalType(f), Array.isArray(raw) ? raw[0] : raw));
    else {
      const value = identityForm(f, normalizeForColumn(f.columnType, raw));
      record[f.field] = f.kind === 'multi_select' || f.kind === 'relation' ? dedupe(value) : value;
    }
    if (f.endColumn) record[f.endColumn] = normalizeForColumn(f.columnType, row[f.endColumn]);
  }
  return record;
}

/** Field names whose canonical values differ. */
export function changedFields(a: CanonicalRecord, b: CanonicalRecord): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !sameValue(a[k] ?? null, b[k] ?? null));
}

export function sameValue(a: CanonicalValue, b: CanonicalValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  return a === b;
}

/**
 * Maps a canonical record onto Postgres column names for writing. For an array column whose first
 * element Notion holds (contacts' emails), the primary is replaced and the other entries kept.
 */
export function recordToColumns(fields: FieldDef[], record: CanonicalRecord, existing?: Record<string, unknown>): Record<string, CanonicalValue> {
  const row: Record<string, CanonicalValue> = {};
  for (const f of fields) {
    if (f.primaryOfArray) {
      const current = Array.isArray(existing?.[f.column]) ? (existing![f.column] as unknown[]).map(String) : [];
      const primary = record[f.field] as string | null;
      const key = (x: string | null) => identityForm(f, x);
      const rest = current.slice(1).filter((x) => key(x) !== key(primary));
      // The same address as stored (other case or format) keeps its stored spelling.
      const first = current.length && key(current[0]!) === key(primary) ? current[0]! : primary;
      row[f.column] = first ? [first, ...rest] : rest;
    } else if (f.columnType === 'jsonb') {
      // The canonical form is its JSON text; the column takes the document itself.
      const v = record[f.field];
      row[f.column] = typeof v === 'string' ? (JSON.parse(v) as CanonicalValue) : null;
    } else row[f.column] = record[f.field] ?? null;
    if (f.endColumn) row[f.endColumn] = record[f.endColumn] ?? null;
  }
  return row;
}
