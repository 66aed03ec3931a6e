/**
 * Writes rows keyed by a Google id (event id, message id): only rows whose values really differ
 * are written (one batched upsert, row by row only to isolate a row Postgres refuses), and the
 * given keys are soft-deleted. The decision is planOneWay's, the same as for Notion one-way syncs.
 */
import { columnName, type ResolvedDataset } from '../../config/index.ts';
import { selectRowsByKeys, softDeleteByKeys, upsertRows, type UpsertedRow } from '../../store/index.ts';
import type { ColumnType } from '../../store/types.ts';
import { oneWayChanges } from '../changeLog.ts';
import { normalizeForColumn, type CanonicalRecord } from '../canonical.ts';
import type { RunContext } from '../context.ts';
import { planOneWay, type PlanEntry, type TargetRecord } from '../planOneWay.ts';
import type { RunResult } from '../result.ts';

export interface KeyedSpec {
  table: string;
  keyColumn: string;
  /** The columns written, by their default names (the rows' keys). */
  columns: Record<string, ColumnType>;
  /** A column's name in the table, when the config renamed it (datasets.<name>.columns); default: as is. */
  columnName?: (column: string) => string;
}

/**
 * A Google dataset's keyed writes, from its definition (src/datasets/calendar.ts, gmail.ts): its
 * own columns under their default names, which its rows are built with, the key among them, and
 * the names the config gave them in the table.
 */
export function keyedSpecOf(ds: ResolvedDataset): KeyedSpec {
  if (!ds.key) throw new Error(`${ds.name}: the dataset has no key column to write Google's records by`);
  const defaultName = new Map(Object.entries(ds.columnNames ?? {}).map(([from, to]) => [to, from]));
  const columns: Record<string, ColumnType> = {};
  for (const c of ds.extraColumns ?? []) {
    const name = defaultName.get(c.column) ?? c.column;
    if (name !== ds.key) columns[name] = c.columnType;
  }
  return { table: ds.table, keyColumn: ds.key, columns, columnName: (column) => columnName(ds, column) };
}

function canonical(columns: Record<string, ColumnType>, row: Record<string, unknown>): CanonicalRecord {
  const out: CanonicalRecord = {};
  for (const [c, t] of Object.entries(columns)) out[c] = normalizeForColumn(t, row[c]);
  return out;
}

export async function applyKeyedRows(
  ctx: RunContext,
  spec: KeyedSpec,
  rows: Array<Record<string, unknown>>,
  deleteKeys: string[],
  result: RunResult,
  opts: { dryRun: boolean },
): Promise<void> {
  const keys = [...rows.map((r) => String(r[spec.keyColumn])), ...deleteKeys];
  // Rows are built and compared under the default names; the table's may be renamed.
  const named = (c: string) => spec.columnName?.(c) ?? c;
  const inTable = (columns: Record<string, ColumnType>) => Object.fromEntries(Object.entries(columns).map(([c, t]) => [named(c), t]));
  const toTable = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([c, v]) => [named(c), v]));
  const keyColumn = named(spec.keyColumn);
  const existing = await selectRowsByKeys(ctx.store, { table: spec.table, keyColumn, columns: { id: 'uuid', deleted_at: 'timestamptz', ...inTable(spec.columns) } }, keys);
  const targets = new Map<string, TargetRecord>();
  for (const [k, stored] of existing) {
    const row = Object.fromEntries(Object.keys(spec.columns).map((c) => [c, stored[named(c)]]));
    targets.set(k, { id: String(stored.id), record: canonical(spec.columns, row), deletedAt: stored.deleted_at ? new Date(stored.deleted_at).toISOString() : null });
  }
  const plan = planOneWay(
    rows.map((r) => ({ key: String(r[spec.keyColumn]), editedAt: '', record: canonical(spec.columns, r) })),
    targets,
  );
  const deleting = [...new Set(deleteKeys)].filter((k) => targets.get(k) && !targets.get(k)!.deletedAt && !rows.some((r) => r[spec.keyColumn] === k));
  plan.entries.push(...deleting.map((k): PlanEntry => ({ action: 'delete', key: k, id: targets.get(k)!.id })));
  result.unchanged += plan.unchanged;
  const writes = plan.entries.filter((e): e is Extract<PlanEntry, { action: 'create' | 'update' }> => e.action !== 'delete');
  const count = (e: PlanEntry, sign = 1) => {
    if (e.action === 'create') result.created += sign;
    else if (e.action === 'delete') result.deleted += sign;
    else if (e.restore) result.restored += sign;
    else result.updated += sign;
  };
  for (const e of plan.entries) count(e);
  if (opts.dryRun) {
    result.plan = [...(result.plan ?? []), ...plan.entries];
    return;
  }
  const upsertSpec = { table: spec.table, keyColumn, columns: { ...inTable(spec.columns), last_sync_source: 'text' as ColumnType } };
  const toRow = (e: (typeof writes)[number]) => ({ ...toTable({ [spec.keyColumn]: e.key, ...e.record }), last_sync_source: 'google', deleted_at: null });
  // Each batch writes its change rows (sync_logs) in its own transaction, in one statement.
  if (writes.length) {
    try {
      await ctx.store.transaction(async (tx) => ctx.changes?.write(tx, oneWayChanges(writes, await upsertRows(tx, upsertSpec, writes.map(toRow)), 'googleId')));
    } catch (batchError) {
      ctx.logger.warn({ table: spec.table, err: (batchError as Error).message }, 'batched upsert failed; retrying row by row to isolate the bad record');
      const upserted: UpsertedRow[] = [];
      for (const w of writes) {
        try {
          upserted.push(...(await upsertRows(ctx.store, upsertSpec, [toRow(w)])));
        } catch (e) {
          count(w, -1);
          result.errors.push({ key: w.key, error: `Postgres rejected ${w.key}: ${(e as Error).message}`, kind: 'validation' });
        }
      }
      await ctx.changes?.write(ctx.store, oneWayChanges(writes, upserted, 'googleId'));
    }
  }
  if (deleting.length) {
    const deletes = plan.entries.filter((e) => e.action === 'delete');
    await ctx.store.transaction(async (tx) => {
      await softDeleteByKeys(tx, { table: spec.table, keyColumn }, deleting, new Date(ctx.clock.now()));
      await ctx.changes?.write(tx, oneWayChanges(deletes, [], 'googleId'));
    });
  }
}
