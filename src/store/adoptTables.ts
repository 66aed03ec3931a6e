/**
 * The dataset tables against the database: which exist, who made them, what they lack, and whether
 * their columns can hold what jarvis-sync reads and writes. Used by migrate (ensureDatasetTables),
 * `jarvis-sync doctor` (planDatasetTables) and before every run (assertDatasetTable).
 *
 * Ownership (jarvis_sync.owned_tables):
 * - absent → created from the description, recorded 'created';
 * - recorded ('created', 'adopted', or 'legacy' for tables an earlier jarvis-sync made) →
 *   completed additively: missing columns, indexes and the updated_at trigger;
 * - present but not recorded → never altered silently: refused with what would be added and what
 *   conflicts, unless the dataset says `adopt: true` (then completed and recorded 'adopted'), or the
 *   dataset is disabled (then left alone).
 * Nothing is ever dropped or retyped; an incompatible column is refused in every case, and every
 * refusal happens before any change (one plan for all tables, then one transaction).
 */
import { ConfigError } from '../config/errors.ts';
import type { DatasetDescriptor } from '../datasets/types.ts';
import type { Logger } from '../lib/logger.ts';
import {
  addColumnSql,
  columnTypeProblem,
  createIndexSql,
  createTableSql,
  idIndex,
  tableSpec,
  triggerSql,
  UPDATED_AT_FUNCTION,
  type ActualColumn,
  type ColumnSpec,
  type IndexSpec,
  type TableSpec,
} from './datasetTables.ts';
import { quoteIdent } from './identifiers.ts';
import type { Sql, Store } from './types.ts';

/** A dataset as migrate sees it: a descriptor, or a ResolvedDataset with the config's adopt/enabled. */
export type DatasetTableInput = DatasetDescriptor & { adopt?: boolean; enabled?: boolean };

/**
 * The migrator's advisory lock (migrate.ts uses the same key): changes to the dataset tables
 * serialize with the migrations and with each other, so two processes starting at once never
 * create or adopt a table twice.
 */
const MIGRATION_LOCK_KEY = 0x6a61727669;

export type OwnerHow = 'created' | 'adopted' | 'legacy';

export interface ActualIndex {
  name: string;
  unique: boolean;
  method: string;
  /** Number of key columns (INCLUDE columns not counted). */
  keyCount: number;
  /** The first key column; null for an expression. */
  first: string | null;
  partial: boolean;
  expression: boolean;
  valid: boolean;
}

export interface TableState {
  table: string;
  schema: string;
  /** pg_class.relkind ('r' table, 'p' partitioned table, 'v' view, …); null when nothing has that name. */
  kind: string | null;
  columns: ActualColumn[];
  indexes: ActualIndex[];
  /** onInsert: fires on INSERT too (pg_trigger.tgtype bit 4); before 0004 the dataset triggers fired on UPDATE only. */
  triggers: Array<{ name: string; function: string; onInsert: boolean }>;
}

export interface ColumnConflict {
  column: string;
  /** The column's type as PostgreSQL spells it. */
  actual: string;
  /** What jarvis-sync needs there; null for a column jarvis-sync does not use (NOT NULL without default). */
  needed: string | null;
  reason: string;
  fix: string;
}

export type TableAction =
  /** Absent: create it. */
  | 'create'
  /** Recorded as jarvis-sync's and complete: nothing to do. */
  | 'none'
  /** Recorded as jarvis-sync's, lacks columns, indexes or its trigger: add them. */
  | 'complete'
  /** Not recorded, `adopt: true`, compatible: add what it lacks and record it. */
  | 'adopt'
  /** The dataset is disabled and its table is not jarvis-sync's, or would be refused: left alone. */
  | 'skip'
  /** Not touched: see `problems` and `conflicts`. */
  | 'refuse';

export interface TablePlan {
  dataset: string;
  spec: TableSpec;
  state: TableState;
  owner: { how: OwnerHow; dataset: string } | null;
  action: TableAction;
  missingColumns: ColumnSpec[];
  missingIndexes: IndexSpec[];
  /** The updated_at trigger is absent or calls another function. */
  triggerMissing: boolean;
  /**
   * The trigger is there but fires on UPDATE only (made before 0004): migrate re-creates it to fire
   * on INSERT too. Runs go on meanwhile, since they read rows whose updated_at is NULL anyway.
   */
  triggerOutdated: boolean;
  conflicts: ColumnConflict[];
  /** Refusals that are not about one column (a view, another dataset's table, adoption not allowed). */
  problems: string[];
}

/** migrate refused to touch one or more dataset tables. Exit code 2: something to fix first. */
export class DatasetTableError extends ConfigError {
  constructor(
    message: string,
    readonly plans: TablePlan[],
  ) {
    super(message);
    this.name = 'DatasetTableError';
  }
}

// ---------------------------------------------------------------------------------------------
// Catalog

/**
 * Each table (by name, in the current schema, where unqualified names are created) with its
 * columns, indexes and triggers: one catalog query for any number of tables. Flat rows (one per
 * column, index, trigger, plus one per table) rather than nested json_agg: the same answer at a
 * fraction of the planning time, which matters since every sync run asks (PGlite especially).
 */
export async function inspectTables(sql: Sql, tables: string[]): Promise<Map<string, TableState>> {
  const { rows } = await sql.query<CatalogRow>(
    `WITH rel AS (
       SELECT c.oid, c.relname, c.relkind::text AS kind FROM pg_catalog.pg_class c
        WHERE c.relname = ANY($1::text[])
          AND c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = current_schema()))
     SELECT r.relname::text AS table_name, r.kind, 'column' AS what, a.attnum::int AS n, a.attname::text AS name,
            pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
            (CASE WHEN t.typcategory = 'A' AND et.oid IS NOT NULL THEN et.typname ELSE t.typname END)::text AS base,
            (t.typcategory = 'A' AND et.oid IS NOT NULL) AS is_array, a.atttypmod AS typmod,
            a.attnotnull AS not_null, a.atthasdef AS has_default, a.attidentity::text AS identity, a.attgenerated::text AS generated,
            NULL::bool AS is_unique, NULL::bool AS partial, NULL::bool AS expression, NULL::bool AS valid, NULL::int AS key_count
       FROM rel r
       JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem
     UNION ALL
     -- Only one-column indexes are wanted, so the first key column is all that matters.
     SELECT r.relname::text, r.kind, 'index', 0, ic.relname::text,
            (SELECT ka.attname::text FROM pg_catalog.pg_attribute ka WHERE ka.attrelid = r.oid AND ka.attnum = i.indkey[0]),
            am.amname::text, NULL, NULL, NULL, NULL, NULL, NULL,
            i.indisunique, i.indpred IS NOT NULL, i.indexprs IS NOT NULL, i.indisvalid, i.indnkeyatts::int
       FROM rel r
       JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
       JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_catalog.pg_am am ON am.oid = ic.relam
     UNION ALL
     SELECT r.relname::text, r.kind, 'trigger', tg.tgtype::int, tg.tgname::text, pn.nspname || '.' || p.proname || '()',
            NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
       FROM rel r
       JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = r.oid AND NOT tg.tgisinternal
       JOIN pg_catalog.pg_proc p ON p.oid = tg.tgfoid
       JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
     UNION ALL
     SELECT r.relname::text, r.kind, 'table', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
       FROM rel r
     UNION ALL
     SELECT NULL, NULL, 'schema', 0, current_schema()::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`,
    [tables],
  );
  const schema = rows.find((r) => r.what === 'schema')?.name ?? 'public';
  const out = new Map<string, TableState>(tables.map((t) => [t, { table: t, schema, kind: null, columns: [], indexes: [], triggers: [] }]));
  for (const r of rows.filter((x) => x.what === 'column').sort((a, b) => a.n - b.n)) {
    out.get(r.table_name!)!.columns.push({
      name: r.name!,
      type: r.type!,
      base: r.base!,
      isArray: r.is_array!,
      typmod: r.typmod!,
      notNull: r.not_null!,
      hasDefault: r.has_default!,
      identity: r.identity ?? '',
      generated: r.generated ?? '',
    });
  }
  for (const r of rows) {
    const state = r.table_name ? out.get(r.table_name) : undefined;
    if (!state) continue;
    state.kind = r.kind;
    if (r.what === 'index') {
      state.indexes.push({ name: r.name!, first: r.type, method: r.base!, unique: r.is_unique!, partial: r.partial!, expression: r.expression!, valid: r.valid!, keyCount: r.key_count! });
    } else if (r.what === 'trigger') state.triggers.push({ name: r.name!, function: r.type!, onInsert: (r.n & TRIGGER_TYPE_INSERT) !== 0 });
  }
  return out;
}

/** pg_trigger.tgtype's INSERT bit (PostgreSQL's TRIGGER_TYPE_INSERT). */
const TRIGGER_TYPE_INSERT = 1 << 2;

/** One row of inspectTables' query; which fields are set depends on `what`. */
interface CatalogRow {
  table_name: string | null;
  kind: string | null;
  what: 'column' | 'index' | 'trigger' | 'table' | 'schema';
  /** column: attnum; trigger: tgtype. */
  n: number;
  name: string | null;
  /** column: format_type; index: its first key column; trigger: its function. */
  type: string | null;
  /** column: type name (of the element for arrays); index: access method. */
  base: string | null;
  is_array: boolean | null;
  typmod: number | null;
  not_null: boolean | null;
  has_default: boolean | null;
  identity: string | null;
  generated: string | null;
  is_unique: boolean | null;
  partial: boolean | null;
  expression: boolean | null;
  valid: boolean | null;
  key_count: number | null;
}

/** The recorded owners of these tables (current schema); empty when jarvis_sync.owned_tables is absent. */
export async function readOwners(sql: Sql, tables: string[]): Promise<Map<string, { how: OwnerHow; dataset: string }>> {
  const { rows: ready } = await sql.query<{ ok: boolean }>(`SELECT to_regclass('jarvis_sync.owned_tables') IS NOT NULL AS ok`);
  if (!ready[0]?.ok) return new Map();
  const { rows } = await sql.query<{ table_name: string; how: OwnerHow; dataset: string }>(
    `SELECT table_name, how, dataset FROM jarvis_sync.owned_tables WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
    [tables],
  );
  return new Map(rows.map((r) => [r.table_name, { how: r.how, dataset: r.dataset }]));
}

// ---------------------------------------------------------------------------------------------
// Planning (pure once the catalog is read)

/** What migrate would do with each dataset's table, and why not where it would refuse. */
export async function planDatasetTables(sql: Sql, datasets: DatasetTableInput[]): Promise<TablePlan[]> {
  const specs = datasets.map((ds) => ({ ds, spec: tableSpec(ds) }));
  const names = specs.map((s) => s.spec.table);
  const states = await inspectTables(sql, names);
  const owners = await readOwners(sql, names);
  return specs.map(({ ds, spec }) => planTable(ds, spec, states.get(spec.table)!, owners.get(spec.table) ?? null));
}

export function planTable(ds: DatasetTableInput, spec: TableSpec, state: TableState, owner: TablePlan['owner']): TablePlan {
  const plan: TablePlan = {
    dataset: ds.name,
    spec,
    state,
    owner,
    action: 'none',
    missingColumns: [],
    missingIndexes: [],
    triggerMissing: false,
    triggerOutdated: false,
    conflicts: [],
    problems: [],
  };
  if (state.kind === null) {
    plan.action = 'create';
    plan.missingColumns = spec.columns;
    plan.missingIndexes = spec.indexes;
    plan.triggerMissing = true;
    return plan;
  }
  if (!owner && ds.enabled === false) {
    plan.action = 'skip';
    return plan;
  }
  if (state.kind !== 'r' && state.kind !== 'p') {
    plan.action = 'refuse';
    plan.problems.push(`it is ${RELKIND[state.kind] ?? 'something else'}, not a table`);
    return plan;
  }
  const byName = new Map(state.columns.map((c) => [c.name, c]));
  for (const column of spec.columns) {
    const actual = byName.get(column.name);
    if (!actual) plan.missingColumns.push(column);
    else if (column.checked) {
      const reason = columnTypeProblem(column, actual);
      if (reason) plan.conflicts.push({ column: column.name, actual: actual.type, needed: column.type, reason, fix: typeFix(ds, spec, column, actual, owner !== null) });
    }
  }
  // A NOT NULL column that jarvis-sync does not know (and so never fills) makes every insert fail.
  const described = new Set(spec.columns.map((c) => c.name));
  for (const c of state.columns) {
    if (!described.has(c.name) && c.notNull && !c.hasDefault && !c.identity && !c.generated) {
      plan.conflicts.push({
        column: c.name,
        actual: `${c.type} NOT NULL`,
        needed: null,
        reason: 'it has no default and jarvis-sync does not fill it, so every new row would be refused',
        fix: `ALTER TABLE ${quoteIdent(spec.table)} ALTER COLUMN ${quoteIdent(c.name)} DROP NOT NULL (or give it a default)`,
      });
    }
  }
  // id must be unique (ON CONFLICT (id)): a created table's primary key serves, else an index is added.
  plan.missingIndexes = [idIndex(spec), ...spec.indexes].filter((w) => !state.indexes.some((i) => serves(i, w)));
  const trigger = state.triggers.find((t) => t.name === spec.trigger && t.function === UPDATED_AT_FUNCTION);
  plan.triggerMissing = !trigger;
  plan.triggerOutdated = Boolean(trigger && !trigger.onInsert);

  if (owner && owner.dataset !== ds.name) {
    plan.problems.push(`it is the table of dataset ${owner.dataset} (${owner.how === 'adopted' ? 'adopted' : 'created'} by jarvis-sync), not of ${ds.name}`);
  } else if (!owner && !ds.adopt) {
    plan.problems.push('it already exists and was not created by jarvis-sync, so migrate does not change it without your say-so');
  }
  const incomplete = plan.missingColumns.length > 0 || plan.missingIndexes.length > 0 || plan.triggerMissing || plan.triggerOutdated;
  const refused = plan.problems.length > 0 || plan.conflicts.length > 0;
  // A disabled dataset's table is never the reason migrate stops: nothing syncs it.
  if (refused && ds.enabled === false) plan.action = 'skip';
  else plan.action = refused ? 'refuse' : !owner ? 'adopt' : incomplete ? 'complete' : 'none';
  return plan;
}

const RELKIND: Record<string, string> = { v: 'a view', m: 'a materialized view', f: 'a foreign table', S: 'a sequence', i: 'an index', c: 'a composite type', I: 'an index' };

/** Whether an existing index does the job of a wanted one (any name): same column, method, and unique if needed. */
function serves(i: ActualIndex, w: IndexSpec): boolean {
  if (i.name === w.name && i.valid) return true;
  return i.valid && !i.partial && !i.expression && i.method === w.using && i.keyCount === 1 && i.first === w.column && (i.unique || !w.unique);
}

/** What to do about one incompatible column: retype it, or point jarvis-sync elsewhere. */
function typeFix(ds: DatasetTableInput, spec: TableSpec, column: ColumnSpec, actual: ActualColumn, recorded: boolean): string {
  const t = quoteIdent(spec.table);
  const c = quoteIdent(column.name);
  const elsewhere = `or sync ${ds.name} into a table of its own (datasets.${ds.name}.table)`;
  if (column.role === 'id') {
    const then = recorded ? 'run migrate again' : `set datasets.${ds.name}.adopt: true`;
    return `rename that column (ALTER TABLE ${t} RENAME COLUMN "id" TO "legacy_id") and ${then}, so migrate adds a uuid id; ${elsewhere}`;
  }
  if (actual.generated) {
    return column.role === 'field' ? `map the field to another column (datasets.${ds.name}.columns.${column.field!.field}), ${elsewhere}` : elsewhere.slice(3);
  }
  const using = column.type.endsWith('[]') && !actual.isArray ? ` USING CASE WHEN ${c} IS NULL THEN NULL ELSE ARRAY[${c}::${column.type.slice(0, -2)}] END` : ` USING ${c}::${column.type}`;
  const retype = `ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${column.type}${using}`;
  if (column.role === 'field') return `${retype}; or map the field to a new column (datasets.${ds.name}.columns.${column.field!.field}), which migrate adds`;
  return `${retype}; ${elsewhere}`;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** The refusal of one table, several lines: what is wrong, what migrate would add, the ways out. */
export function refusalMessage(plan: TablePlan): string {
  const { spec, dataset } = plan;
  const lines: string[] = [`table ${spec.table} (dataset ${dataset}): ${plan.problems[0] ?? 'its columns do not fit what jarvis-sync reads and writes'}.`];
  for (const p of plan.problems.slice(1)) lines.push(`  ${p}.`);
  if (plan.conflicts.length) {
    lines.push('  conflicting columns:');
    for (const c of plan.conflicts) {
      lines.push(`    - ${c.column} is ${c.actual}${c.needed ? `, jarvis-sync needs ${c.needed}` : ''}: ${c.reason}.`);
      lines.push(`      fix: ${c.fix}`);
    }
  }
  const adds = describeAdditions(plan);
  if (!plan.owner && plan.state.kind && (plan.state.kind === 'r' || plan.state.kind === 'p')) {
    lines.push(`  adopting it would add: ${adds || 'nothing (it has every column, index and trigger already)'}.`);
  }
  if (!plan.owner) {
    lines.push('  ways out:');
    lines.push(`    - sync ${dataset} into a table of its own: set datasets.${dataset}.table in the config file (e.g. "jarvis_${spec.table}"); migrate creates it`);
    if (plan.state.kind === 'r' || plan.state.kind === 'p') {
      lines.push(`    - or let jarvis-sync use this table: set datasets.${dataset}.adopt: true${plan.conflicts.length ? ' once the conflicts above are fixed' : ''}; migrate then adds what it lacks (it never drops or retypes a column)`);
    }
    lines.push(`    - or, if you do not sync ${dataset}: set datasets.${dataset}.enabled: false, and the table is left alone`);
  } else if (plan.owner.dataset !== dataset) {
    lines.push(`  way out: give ${dataset} a table of its own (datasets.${dataset}.table); migrate creates it`);
  } else {
    lines.push(`  or, if you do not sync ${dataset}: set datasets.${dataset}.enabled: false, and the table is left alone`);
  }
  return lines.join('\n');
}

/** "columns a text, b date; indexes x, y; the trigger t" */
export function describeAdditions(plan: TablePlan): string {
  const parts: string[] = [];
  if (plan.missingColumns.length) parts.push(`columns ${plan.missingColumns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  if (plan.missingIndexes.length) parts.push(`${plan.missingIndexes.length > 1 ? 'indexes' : 'the index'} ${plan.missingIndexes.map((i) => i.name).join(', ')}`);
  if (plan.triggerMissing) {
    const replaced = plan.state.triggers.some((t) => t.name === plan.spec.trigger);
    parts.push(`the trigger ${plan.spec.trigger} (keeps updated_at current${replaced ? `; replaces the trigger of that name` : ''})`);
  } else if (plan.triggerOutdated) {
    parts.push(`the trigger ${plan.spec.trigger} on INSERT too (fills an updated_at the insert leaves NULL)`);
  }
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// Applying

export interface EnsureResult {
  created: string[];
  adopted: string[];
  /** Recorded tables that lacked something, with what was added. */
  completed: Array<{ table: string; added: string }>;
  /** Disabled datasets whose existing table is not jarvis-sync's: left alone. */
  skipped: string[];
}

/**
 * Creates, completes or adopts every dataset's table (migrate calls this after the migration
 * files). Throws DatasetTableError, having changed nothing, when any table is refused. An
 * up-to-date database costs two catalog queries and takes no lock.
 */
export async function ensureDatasetTables(store: Store, datasets: DatasetTableInput[], opts: { logger?: Logger } = {}): Promise<EnsureResult> {
  const first = await planDatasetTables(store, datasets);
  refuseIfAny(first);
  const result: EnsureResult = { created: [], adopted: [], completed: [], skipped: first.filter((p) => p.action === 'skip').map((p) => p.spec.table) };
  if (!first.some((p) => p.action === 'create' || p.action === 'complete' || p.action === 'adopt')) return logged(result, opts.logger);
  await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    // Planned again under the lock: another process may have created or changed them meanwhile.
    const plans = await planDatasetTables(tx, datasets);
    refuseIfAny(plans);
    for (const plan of plans) {
      if (plan.action === 'create') {
        await exec(tx, createTableSql(plan.spec));
        await record(tx, plan, 'created');
        result.created.push(plan.spec.table);
      } else if (plan.action === 'complete' || plan.action === 'adopt') {
        const added = describeAdditions(plan);
        for (const c of plan.missingColumns) await tx.query(addColumnSql(plan.spec, c));
        for (const i of plan.missingIndexes) await tx.query(createIndexSql(plan.spec, i));
        if (plan.triggerMissing || plan.triggerOutdated) await tx.query(triggerSql(plan.spec));
        if (plan.action === 'adopt') {
          await record(tx, plan, 'adopted');
          result.adopted.push(plan.spec.table);
        }
        if (added) result.completed.push({ table: plan.spec.table, added });
      }
    }
  });
  return logged(result, opts.logger);
}

function refuseIfAny(plans: TablePlan[]): void {
  const refused = plans.filter((p) => p.action === 'refuse');
  if (!refused.length) return;
  throw new DatasetTableError(
    `migrate changed nothing: ${refused.length === 1 ? 'one dataset table needs' : `${refused.length} dataset tables need`} your decision first.\n${refused.map(refusalMessage).join('\n')}`,
    refused,
  );
}

async function record(tx: Sql, plan: TablePlan, how: OwnerHow): Promise<void> {
  await tx.query(
    `INSERT INTO jarvis_sync.owned_tables (table_schema, table_name, dataset, how) VALUES (current_schema(), $1, $2, $3)
     ON CONFLICT (table_schema, table_name) DO NOTHING`,
    [plan.spec.table, plan.dataset, how],
  );
}

function logged(result: EnsureResult, logger: Logger | undefined): EnsureResult {
  for (const table of result.created) logger?.info({ table }, 'created dataset table');
  for (const table of result.adopted) logger?.info({ table }, 'adopted existing table (datasets.<name>.adopt)');
  for (const c of result.completed) logger?.info({ table: c.table, added: c.added }, 'completed dataset table');
  for (const table of result.skipped) logger?.info({ table }, 'left alone: the table is not jarvis-sync\'s and its dataset is disabled');
  return result;
}

async function exec(tx: Sql, script: string): Promise<void> {
  if (!tx.exec) throw new Error('this Sql cannot run scripts (exec)');
  await tx.exec(script);
}

// ---------------------------------------------------------------------------------------------
// Before each run

/**
 * Throws an Error whose message is the refusal when the dataset's table cannot take this run:
 * absent, a column of a type that would lose data, or lacking a column, unique index or trigger
 * (`jarvis-sync migrate` adds those). One catalog query; ownership is migrate's concern.
 */
export async function assertDatasetTable(sql: Sql, ds: DatasetTableInput): Promise<void> {
  const spec = tableSpec(ds);
  const state = (await inspectTables(sql, [spec.table])).get(spec.table)!;
  if (state.kind === null) throw new Error(`table ${spec.table} (dataset ${ds.name}) does not exist: run \`jarvis-sync migrate\`, which creates it`);
  // Planned as if recorded: what matters here is whether the table can take the run.
  const plan = planTable({ ...ds, enabled: true }, spec, state, { how: 'created', dataset: ds.name });
  if (plan.problems.length || plan.conflicts.length) throw new Error(`not syncing ${ds.name}: ${refusalMessage(plan)}`);
  // An outdated trigger does not stop the run: incremental reads take rows whose updated_at is NULL.
  const lacking = { ...plan, missingIndexes: plan.missingIndexes.filter((i) => i.unique), triggerOutdated: false };
  if (lacking.missingColumns.length || lacking.missingIndexes.length || lacking.triggerMissing) {
    throw new Error(`not syncing ${ds.name}: table ${spec.table} lacks ${describeAdditions(lacking)}: run \`jarvis-sync migrate\`, which adds them`);
  }
}
