import type { ResolvedDataset } from '../config/index.ts';
import type { DataSourceInfo, NotionConnector } from '../connectors/notion/types.ts';
import type { SchemaProperty } from '../datasets/fieldKinds.ts';
import { withConfigFields } from '../datasets/fromConfig.ts';
import { checkMapping, describeMappingProblems, syncedSources, type SyncedSources } from '../datasets/mappingCheck.ts';
import { readState, writeState } from '../store/index.ts';
import type { Sql } from '../store/types.ts';

/**
 * Thrown when the Notion data source does not have what the dataset mapping needs: a mapped
 * property renamed, deleted or retyped (schema drift), or a config field that cannot be mapped.
 * The message contains "does not match the mapping", which notify/classify.ts makes a permanent
 * `schema:<dataset>` problem.
 */
export class SchemaMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaMismatchError';
  }
}

/** A data source's schema as remembered: property name → the parts that decide a field's column. */
export type SchemaSnapshot = Record<string, SchemaProperty>;

interface CachedSource {
  configuredId: string;
  dataSourceId: string;
  title?: string;
  /** Absent in entries written before config fields existed. */
  schema?: SchemaSnapshot;
}

export interface ResolvedSource {
  dataSourceId: string;
  /** The dataset with its config fields resolved against the schema. */
  dataset: ResolvedDataset;
}

const stateKey = (ds: { name: string }) => `notion_data_source_${ds.name}`;

async function readCached(sql: Sql, ds: ResolvedDataset): Promise<CachedSource | null> {
  const raw = await readState(sql, stateKey(ds));
  if (!raw) return null;
  const parsed = JSON.parse(raw) as CachedSource;
  return parsed.configuredId === ds.databaseId ? parsed : null;
}

/** The remembered schema of a dataset's data source, or null (never read, or another database configured since). */
export async function cachedSchema(sql: Sql, ds: ResolvedDataset): Promise<SchemaSnapshot | null> {
  return (await readCached(sql, ds))?.schema ?? null;
}

/** Only what decides columns and drift: a snapshot stays small and comparable. */
export function snapshotOf(properties: DataSourceInfo['properties']): SchemaSnapshot {
  const out: SchemaSnapshot = {};
  for (const [name, p] of Object.entries(properties)) {
    const s: SchemaProperty = { id: p.id, name, type: p.type };
    if (p.type === 'relation' && p.relation) s.relation = { data_source_id: p.relation.data_source_id, database_id: p.relation.database_id };
    if (p.type === 'rollup' && p.rollup) s.rollup = { function: p.rollup.function };
    out[name] = s;
  }
  return out;
}

/**
 * The synced Notion datasets: configured, enabled, and the data sources remembered for them, so a
 * relation to one of them is known as such.
 */
export async function knownSources(sql: Sql, datasets: ResolvedDataset[]): Promise<SyncedSources> {
  const discovered = new Map<string, string>();
  for (const d of datasets) {
    if (!d.enabled || !d.databaseId || (d.pattern !== 'one-way' && d.pattern !== 'two-way')) continue;
    const cached = await readCached(sql, d);
    if (cached) discovered.set(d.name, cached.dataSourceId);
  }
  return syncedSources(datasets, discovered);
}

/**
 * The data source behind a dataset's configured id and the dataset with its config fields
 * resolved. Discovered once and remembered in sync_state with the schema, so an incremental run
 * spends its requests on the query alone; retrieved again only when the remembered schema does not
 * fit the mapping (a field added to the config, or drift), and checked on every retrieval.
 */
export async function resolveDataSource(sql: Sql, notion: NotionConnector, ds: ResolvedDataset, datasets: ResolvedDataset[], persist: boolean): Promise<ResolvedSource> {
  const cached = await readCached(sql, ds);
  const sources = await knownSources(sql, datasets);
  if (cached && !cached.schema && !ds.configFields?.length) return { dataSourceId: cached.dataSourceId, dataset: ds };
  if (cached?.schema) {
    const fit = checkMapping(ds, cached.schema, { sources });
    if (!fit.problems.length) return { dataSourceId: cached.dataSourceId, dataset: fit.dataset };
  }
  return discover(sql, notion, ds, cached, sources, persist);
}

/** Compatibility: the data source id alone (webhooks, relink); checks the mapping like resolveDataSource. */
export async function resolveDataSourceId(sql: Sql, notion: NotionConnector, ds: ResolvedDataset, persist: boolean, datasets: ResolvedDataset[] = [ds]): Promise<string> {
  return (await resolveDataSource(sql, notion, ds, datasets, persist)).dataSourceId;
}

/**
 * Reads the schema again and stops the run when it no longer fits the mapping: called when pages
 * lack a mapped property or carry it with another type, before anything is written. Returns when
 * the schema still fits (those pages alone are odd, and are record errors).
 */
export async function recheckSchema(sql: Sql, notion: NotionConnector, ds: ResolvedDataset, datasets: ResolvedDataset[], persist: boolean): Promise<void> {
  const cached = await readCached(sql, ds);
  await discover(sql, notion, ds, cached, await knownSources(sql, datasets), persist);
}

async function discover(sql: Sql, notion: NotionConnector, ds: ResolvedDataset, cached: CachedSource | null, sources: SyncedSources, persist: boolean): Promise<ResolvedSource> {
  const info = await notion.resolveDataSource(ds.databaseId!);
  const schema = snapshotOf(info.properties);
  const fit = checkMapping(ds, schema, { sources, previous: cached?.dataSourceId === info.dataSourceId ? cached.schema : null });
  if (fit.problems.length) {
    // The remembered schema is kept: it is what the mapping was made against, so the next check can still tell a rename.
    throw new SchemaMismatchError(`${ds.name}: Notion data source "${info.title}" does not match the mapping: ${describeMappingProblems(fit.problems)}. Nothing was written.`);
  }
  if (persist) await writeState(sql, stateKey(ds), JSON.stringify({ configuredId: ds.databaseId!, dataSourceId: info.dataSourceId, title: info.title, schema } satisfies CachedSource));
  return { dataSourceId: info.dataSourceId, dataset: fit.dataset };
}

/**
 * The datasets as migrate should see them: config fields resolved through the schema remembered
 * from the last run (their kinds), or, never read yet, those whose `type` the config gives. The
 * first run reads the schema and adds the other columns (runOneWay's ensureConfigColumns).
 */
export function datasetsForTables(datasets: ResolvedDataset[]): (sql: Sql) => Promise<ResolvedDataset[]> {
  return async (sql) => {
    if (!datasets.some((d) => d.configFields?.length)) return datasets;
    const { target } = await knownSources(sql, datasets);
    const out: ResolvedDataset[] = [];
    for (const d of datasets) {
      if (!d.configFields?.length) out.push(d);
      else out.push(withConfigFields(d, d.databaseId ? await cachedSchema(sql, d) : null, target).dataset as ResolvedDataset);
    }
    return out;
  };
}
