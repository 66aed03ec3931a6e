import type { ResolvedDataset } from '../config/index.ts';
import { idFromIdOrUrl, toDashedId } from '../connectors/notion/ids.ts';
import type { DataSourceInfo, NotionConnector } from '../connectors/notion/types.ts';
import type { SchemaProperty } from '../datasets/fieldKinds.ts';
import { withConfigFields, type RelationTarget } from '../datasets/fromConfig.ts';
import type { FieldDef } from '../datasets/types.ts';
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
 * Which synced dataset a relation points at: a configured, enabled Notion dataset whose database
 * id, or remembered data source id, is the relation's target.
 */
export async function relationTargets(sql: Sql, datasets: ResolvedDataset[]): Promise<RelationTarget> {
  const byId = new Map<string, string>();
  const notionDatasets = datasets.filter((d) => d.enabled && d.databaseId && (d.pattern === 'one-way' || d.pattern === 'two-way'));
  for (const d of notionDatasets) {
    const id = toDashedId(d.databaseId!) ?? safeId(d.databaseId!);
    if (id) byId.set(id, d.name);
    const cached = await readCached(sql, d);
    if (cached) byId.set(cached.dataSourceId, d.name);
  }
  return (rel) => {
    for (const id of [rel.data_source_id, rel.database_id]) {
      const dashed = id ? toDashedId(id) : null;
      if (dashed && byId.has(dashed)) return byId.get(dashed)!;
    }
    return null;
  };
}

function safeId(value: string): string | null {
  try {
    return idFromIdOrUrl(value, 'database id');
  } catch {
    return null;
  }
}

/**
 * The data source behind a dataset's configured id and the dataset with its config fields
 * resolved. Discovered once and remembered in sync_state with the schema, so an incremental run
 * spends its requests on the query alone; retrieved again only when the remembered schema does not
 * fit the mapping (a field added to the config, or drift), and checked on every retrieval.
 */
export async function resolveDataSource(sql: Sql, notion: NotionConnector, ds: ResolvedDataset, datasets: ResolvedDataset[], persist: boolean): Promise<ResolvedSource> {
  const cached = await readCached(sql, ds);
  const targets = await relationTargets(sql, datasets);
  if (cached && (!ds.configFields?.length || cached.schema)) {
    const fit = checkMapping(ds, cached.schema ?? null, null, targets);
    if (!fit.problems.length) return { dataSourceId: cached.dataSourceId, dataset: fit.dataset };
  }
  return discover(sql, notion, ds, cached, targets, persist);
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
  await discover(sql, notion, ds, cached, await relationTargets(sql, datasets), persist);
}

async function discover(sql: Sql, notion: NotionConnector, ds: ResolvedDataset, cached: CachedSource | null, targets: RelationTarget, persist: boolean): Promise<ResolvedSource> {
  const info = await notion.resolveDataSource(ds.databaseId!);
  const schema = snapshotOf(info.properties);
  const fit = checkMapping(ds, schema, cached?.dataSourceId === info.dataSourceId ? (cached.schema ?? null) : null, targets);
  if (fit.problems.length) {
    // The remembered schema is kept: it is what the mapping was made against, so the next check can still tell a rename.
    throw new SchemaMismatchError(`${ds.name}: Notion data source "${info.title}" does not match the mapping: ${fit.problems.join('; ')}. Nothing was written.`);
  }
  if (persist) await writeState(sql, stateKey(ds), JSON.stringify({ configuredId: ds.databaseId!, dataSourceId: info.dataSourceId, title: info.title, schema } satisfies CachedSource));
  return { dataSourceId: info.dataSourceId, dataset: fit.dataset };
}

/**
 * The mapping against a schema (null: not known, only built-in fields to check later on pages).
 * `previous` is the schema the mapping last fit: a property missing now but present then under the
 * same id was renamed; one whose type differs from then was retyped.
 */
export function checkMapping(
  ds: ResolvedDataset,
  schema: SchemaSnapshot | null,
  previous: SchemaSnapshot | null,
  targets: RelationTarget,
): { dataset: ResolvedDataset; problems: string[] } {
  if (!schema) return { dataset: ds, problems: [] };
  const problems: string[] = [];
  const describe = (f: Pick<FieldDef, 'property' | 'kind' | 'column'>, configKey: string, expected: string | null) => {
    const now = schema[f.property];
    const before = previous?.[f.property];
    if (!now) {
      const renamed = before ? Object.values(schema).find((p) => p.id === before.id) : undefined;
      if (renamed) {
        problems.push(`property "${f.property}" (column ${f.column}) was renamed to "${renamed.name}" in Notion: rename it back, or set ${configKey} to "${renamed.name}"`);
      } else {
        problems.push(`property "${f.property}" (column ${f.column}) is not in the Notion database${before ? ' any more (deleted)' : ''}: ${before ? 'restore it in Notion' : 'add it in Notion'}, or map the field to another property (${configKey})`);
      }
      return;
    }
    const was = expected ?? before?.type;
    if (was && now.type !== was) {
      problems.push(`property "${f.property}" (column ${f.column}) is now ${now.type}, was ${was}: change it back to ${was} in Notion, or map the field to a property of type ${was} (${configKey})`);
    }
  };
  for (const f of ds.fields) describe(f, `datasets.${ds.name}.properties.${f.field}`, f.kind);
  if (ds.rowIdProperty) {
    const p = schema[ds.rowIdProperty];
    if (!p) problems.push(`no property "${ds.rowIdProperty}" (rich_text; it remembers each page's Postgres row — run \`jarvis-sync setup\` to add it)`);
    else if (p.type !== 'rich_text') problems.push(`"${ds.rowIdProperty}" is ${p.type}, expected rich_text`);
  }
  for (const c of ds.configFields ?? []) describe({ property: c.property, kind: 'rich_text', column: c.column }, `datasets.${ds.name}.fields.${c.column}.property`, null);
  if (problems.length) return { dataset: ds, problems };
  const resolved = withConfigFields(ds, schema, targets);
  return { dataset: resolved.dataset as ResolvedDataset, problems: resolved.problems };
}

/**
 * The datasets as migrate should see them: config fields resolved through the schema remembered
 * from the last run (their kinds), or, never read yet, those whose `type` the config gives. The
 * first run reads the schema and adds the other columns (runOneWay's ensureConfigColumns).
 */
export function datasetsForTables(datasets: ResolvedDataset[]): (sql: Sql) => Promise<ResolvedDataset[]> {
  return async (sql) => {
    if (!datasets.some((d) => d.configFields?.length)) return datasets;
    const targets = await relationTargets(sql, datasets);
    const out: ResolvedDataset[] = [];
    for (const d of datasets) {
      if (!d.configFields?.length) out.push(d);
      else out.push(withConfigFields(d, d.databaseId ? await cachedSchema(sql, d) : null, targets).dataset as ResolvedDataset);
    }
    return out;
  };
}
