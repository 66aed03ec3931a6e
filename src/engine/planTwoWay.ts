/**
 * The two-way plan, pure: for every affected record, what each side must receive so both end up
 * with the same merged value. A side whose current value was not read stands in with the base.
 */
import type { FieldDef } from '../datasets/types.ts';
import { canonicalFromRow, changedFields, recordToColumns, sameValue, type CanonicalRecord, type CanonicalValue } from './canonical.ts';
import { mergeTwoWay, type Conflict, type Side } from './mergeTwoWay.ts';

/** Canonical key of the soft-delete state: merged like any field, so deletes and restores propagate both ways. */
export const DELETED = '_deleted';
/**
 * Ledger key (inside a base) of the values a Notion update was about to write. Recorded before the
 * request: if the run dies or the answer is lost after Notion applied it, the next run sees the
 * page holding exactly those values and knows they are its own write, not a user's edit.
 */
export const ATTEMPTED = '_attempted';

export interface NotionState {
  pageId: string;
  record: CanonicalRecord;
  editedAt: number;
}

export interface PostgresState {
  recordId: string;
  record: CanonicalRecord;
  updatedAt: number;
  row: Record<string, unknown>;
}

export interface PairInput {
  recordId: string | null;
  pageId: string | null;
  notion?: NotionState;
  postgres?: PostgresState;
  base: CanonicalRecord | null;
}

export interface FieldChange {
  field: string;
  from: CanonicalValue;
  to: CanonicalValue;
}

export type TwoWayAction = 'create-in-notion' | 'create-in-postgres' | 'update' | 'link' | 'none';

/**
 * A Postgres edit to a read-only field (FieldDef.readOnly) of a two-way dataset: not written to
 * Notion; the row takes Notion's value again. Reported, so the edit is never lost silently.
 */
export interface ReadOnlyEdit {
  field: string;
  /** The value the row was given in Postgres. */
  postgres: CanonicalValue;
  /** Notion's value, which the row takes (null for a create: the new page's value, once Notion computed it). */
  notion: CanonicalValue;
  /** The row was new: its value was not sent with the page. */
  create?: boolean;
}

export interface TwoWayEntry {
  action: TwoWayAction;
  recordId: string | null;
  pageId: string | null;
  /** The value both sides hold after the run. */
  final: CanonicalRecord;
  /** What the ledger records as agreed (final, except changes a deleted record could not take). */
  base: CanonicalRecord;
  toNotion: FieldChange[];
  toPostgres: FieldChange[];
  conflicts: Conflict[];
  notionEditedAt: number | null;
  /** Postgres edits to read-only fields, reverted to Notion's value (reported by the run). */
  readOnlyEdits?: ReadOnlyEdit[];
  /**
   * Read-only values Notion computed in answer to our write (a formula over a field we sent, the
   * new page's unique_id, its last_edited_time): written to the row with its standard columns.
   */
  computed?: FieldChange[];
}

export interface PlanOptions {
  fields: FieldDef[];
  bufferMs: number;
  tieWinner: Side;
}

export function twoWayKeys(fields: FieldDef[]): string[] {
  return [...fields.flatMap((f) => (f.endColumn ? [f.field, f.endColumn] : [f.field])), DELETED];
}

const diff = (from: CanonicalRecord, to: CanonicalRecord, keys: string[]): FieldChange[] =>
  changedFields(pick(from, keys), pick(to, keys)).map((field) => ({ field, from: from[field] ?? null, to: to[field] ?? null }));

function pick(r: CanonicalRecord, keys: string[]): CanonicalRecord {
  const out: CanonicalRecord = {};
  for (const k of keys) out[k] = r[k] ?? (k === DELETED ? false : null);
  return out;
}

/**
 * The base a pair is merged against: the ledger's, with the values of an ATTEMPTED write that
 * Notion now holds taken as agreed — our own earlier write that landed unrecorded, not a Notion
 * edit. A new ATTEMPTED marker must be written on top of this base, not of the ledger's raw one:
 * should the new write fail too, the earlier write is still recognised as ours.
 */
export function agreedBase(pair: PairInput): CanonicalRecord | null {
  const attempted = pair.base?.[ATTEMPTED] as unknown as CanonicalRecord | undefined;
  if (!pair.base || !attempted) return pair.base;
  const n = pair.notion?.record ?? pair.base;
  const landed = Object.keys(attempted).filter((k) => sameValue(n[k] ?? null, attempted[k] ?? null));
  return landed.length ? { ...pair.base, ...Object.fromEntries(landed.map((k) => [k, attempted[k]!])) } : pair.base;
}

export function planPair(pair: PairInput, opts: PlanOptions): TwoWayEntry {
  // (pair is reassigned below when an unrecorded write of ours is recognised)
  const keys = twoWayKeys(opts.fields);
  // Read-only fields (two-way datasets of your own, extra fields): Notion → Postgres only.
  const readOnly = new Set(opts.fields.filter((f) => f.readOnly).map((f) => f.field));
  const writable = (c: FieldChange) => !readOnly.has(c.field);
  const entry = (action: TwoWayAction, final: CanonicalRecord, extra: Partial<TwoWayEntry> = {}): TwoWayEntry => ({
    action,
    recordId: pair.recordId,
    pageId: pair.pageId,
    final,
    base: final,
    toNotion: [],
    toPostgres: [],
    conflicts: [],
    notionEditedAt: pair.notion?.editedAt ?? null,
    ...extra,
  });

  // A row with no page: create the page (a row deleted before it was ever synced stays local).
  if (!pair.pageId) {
    const p = pair.postgres!;
    if (p.record[DELETED]) return entry('none', p.record);
    const given = [...readOnly].filter((k) => !isEmptyValue(p.record[k] ?? null));
    return entry('create-in-notion', p.record, {
      toNotion: diff({}, p.record, keys).filter((c) => c.field !== DELETED && writable(c)),
      ...(given.length ? { readOnlyEdits: given.map((k) => ({ field: k, postgres: p.record[k] ?? null, notion: null, create: true })) } : {}),
    });
  }
  // A page with no row: create the row.
  if (!pair.recordId) {
    const n = pair.notion!;
    if (n.record[DELETED]) return entry('none', n.record);
    const final = normalizeThroughRow(opts.fields, n.record, undefined);
    return entry('create-in-postgres', final, { toPostgres: diff({}, final, keys).filter((c) => c.field !== DELETED), toNotion: diff(n.record, final, keys).filter(writable) });
  }

  const n = pair.notion?.record ?? pair.base;
  const p = pair.postgres?.record ?? pair.base;
  if (!n || !p) throw new Error(`record ${pair.recordId}: neither side's value nor a base is known`);
  // Our own earlier write that landed without being recorded: agreed, not a Notion edit.
  pair = { ...pair, base: agreedBase(pair) };
  const mergeKeys = keys.filter((k) => !readOnly.has(k));
  const { merged, conflicts } = mergeTwoWay({
    base: pair.base ? pick(pair.base, mergeKeys) : null,
    notion: pick(n, mergeKeys),
    postgres: pick(p, mergeKeys),
    notionEditedAt: pair.notion?.editedAt ?? 0,
    postgresEditedAt: pair.postgres?.updatedAt ?? 0,
    keys: mergeKeys,
    bufferMs: opts.bufferMs,
    tieWinner: opts.tieWinner,
    owners: ownersOf(opts.fields),
  });
  // A read-only field always takes Notion's value (the base stands in when the page was not read).
  // A Postgres edit to it — the row differs from the agreed base and from Notion — is reported;
  // the row then takes Notion's value again, so it is reported once and never bounces back.
  const readOnlyEdits: ReadOnlyEdit[] = [];
  for (const k of readOnly) {
    const nv = n[k] ?? null;
    const pv = p[k] ?? null;
    merged[k] = nv;
    if (pair.base && !sameValue(pv, pair.base[k] ?? null) && !sameValue(pv, nv)) readOnlyEdits.push({ field: k, postgres: pv, notion: nv });
  }
  const final = normalizeThroughRow(opts.fields, merged, pair.postgres?.row);
  // A deleted record only carries its deletion: a trashed page takes no property edits. A change
  // held back that way is not agreed: the base keeps the value the side still has, so the change
  // is still a change when the record is restored — never overwritten by the stale side.
  const base: CanonicalRecord = { ...final };
  const sendable = (changes: FieldChange[]) => {
    if (!final[DELETED]) return changes;
    for (const c of changes) if (c.field !== DELETED) base[c.field] = c.from;
    return changes.filter((c) => c.field === DELETED);
  };
  const toNotion = sendable(diff(pick(n, keys), final, keys).filter(writable));
  const toPostgres = sendable(diff(pick(p, keys), final, keys));
  const baseUpToDate = pair.base !== null && keys.every((k) => sameValue(pair.base![k] ?? (k === DELETED ? false : null), base[k] ?? null));
  const action: TwoWayAction = toNotion.length || toPostgres.length ? 'update' : baseUpToDate ? 'none' : 'link';
  return entry(action, final, { toNotion, toPostgres, conflicts, base, ...(readOnlyEdits.length ? { readOnlyEdits } : {}) });
}

function isEmptyValue(v: CanonicalValue): boolean {
  return v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Field owners as merge sides: Notion-owned fields side with Notion; Google-owned ones reach this leg through Postgres. */
function ownersOf(fields: FieldDef[]): Record<string, Side> | undefined {
  const owned = fields.filter((f) => f.owner);
  if (!owned.length) return undefined;
  return Object.fromEntries(owned.map((f) => [f.field, f.owner === 'notion' ? 'notion' : 'postgres'] as const));
}

/**
 * The merged value as Postgres will hold it: an array column whose first element Notion holds
 * (contacts' emails) may promote its second entry when the primary is cleared — Notion must then
 * get that value too, or the next run would see a change that nobody made.
 */
function normalizeThroughRow(fields: FieldDef[], record: CanonicalRecord, row: Record<string, unknown> | undefined): CanonicalRecord {
  if (!fields.some((f) => f.primaryOfArray)) return record;
  const normalized = canonicalFromRow(fields, recordToColumns(fields, record, row));
  return { ...record, ...normalized };
}
