/**
 * Does a Notion data source match a dataset's mapping? The one check behind a run's discovery
 * (engine/dataSource.ts), `doctor` and `setup`, so that what the commands pass the run accepts, and
 * all three say a problem in the same words: each mapped property exists with its kind, a relation
 * field points at its dataset's data source, a two-way dataset's row-id property is rich_text, and
 * the config's fields resolve (fromConfig.ts). Pure: each caller reads the schema its own way and
 * decides what a problem means (a run stops before any write, doctor reports, setup adds a missing
 * row-id property).
 */
import { idFromIdOrUrl, toDashedId } from '../connectors/notion/ids.ts';
import type { SchemaProperty } from './fieldKinds.ts';
import { resolveConfigFields, type RelationTarget } from './fromConfig.ts';
import type { DatasetDescriptor, FieldDef } from './types.ts';

/** A data source's properties by name (the parts that decide a field's column). */
export type Schema = Record<string, SchemaProperty>;

export interface MappingProblem {
  /** A built-in field's property, a config field's (`datasets.<name>.fields`), or the row-id property. */
  about: 'property' | 'field' | 'row-id';
  /** The property is not in the data source (setup adds a missing row-id property). */
  missing: boolean;
  /** One clause, naming the property, its column and what to change. */
  message: string;
}

/** The synced Notion datasets as far as a check knows them. */
export interface SyncedSources {
  /** Which synced dataset a relation points at (by its database or data source id), or null. */
  target: RelationTarget;
  /** A synced dataset's data source id, once discovered (or remembered from a run). */
  dataSourceOf(dataset: string): string | undefined;
}

type SourceDataset = Pick<DatasetDescriptor, 'name' | 'pattern'> & { enabled: boolean; databaseId: string | null };

/**
 * The enabled Notion datasets with an id, and the data sources found for them so far
 * (dataset name → data source id): a relation to one of their ids relates to that dataset.
 */
export function syncedSources(datasets: SourceDataset[], discovered: ReadonlyMap<string, string>): SyncedSources {
  const byId = new Map<string, string>();
  for (const d of datasets) {
    if (!d.enabled || !d.databaseId || (d.pattern !== 'one-way' && d.pattern !== 'two-way')) continue;
    const id = dashed(d.databaseId);
    if (id) byId.set(id, d.name);
  }
  for (const [name, dataSourceId] of discovered) byId.set(dataSourceId, name);
  return {
    target: (rel) => {
      for (const id of [rel.data_source_id, rel.database_id]) {
        const key = id ? toDashedId(id) : null;
        if (key && byId.has(key)) return byId.get(key)!;
      }
      return null;
    },
    dataSourceOf: (dataset) => discovered.get(dataset),
  };
}

function dashed(idOrUrl: string): string | null {
  try {
    return idFromIdOrUrl(idOrUrl, 'database id');
  } catch {
    return null;
  }
}

/**
 * The mapping of `ds` against `schema`, and the dataset with its config fields resolved (when
 * there is no problem). `previous` is the schema the mapping last fit (a run remembers it): a
 * property missing now but present then under the same id was renamed, one present then was
 * deleted, and one whose kind was right then has been changed since.
 */
export function checkMapping<D extends DatasetDescriptor>(
  ds: D,
  schema: Schema,
  opts: { sources: SyncedSources; previous?: Schema | null },
): { dataset: D; problems: MappingProblem[] } {
  const previous = opts.previous ?? null;
  const problems: MappingProblem[] = [];
  const fits = (about: 'property' | 'field', f: Pick<FieldDef, 'property' | 'column'>, configKey: string, expected: string | null): boolean => {
    const now = schema[f.property];
    const before = previous?.[f.property];
    const problem = (message: string, missing = false) => problems.push({ about, missing, message: `property "${f.property}" (column ${f.column}) ${message}` });
    if (!now) {
      const renamed = before ? Object.values(schema).find((p) => p.id === before.id) : undefined;
      if (renamed) problem(`was renamed to "${renamed.name}" in Notion: rename it back, or set ${configKey} to "${renamed.name}"`, true);
      else if (before) problem(`is not in the Notion database any more (deleted): restore it in Notion, or map the field to another property (${configKey})`, true);
      else problem(`is not in the Notion database: add it in Notion, or map the field to another property (${configKey})`, true);
      return false;
    }
    const kind = expected ?? before?.type;
    if (!kind || now.type === kind) return true;
    if (before?.type === kind) problem(`is now ${now.type}, was ${kind}: change it back to ${kind} in Notion, or map the field to a property of type ${kind} (${configKey})`);
    else problem(`is ${now.type}, expected ${kind}: change it to ${kind} in Notion, or map the field to a property of type ${kind} (${configKey})`);
    return false;
  };

  for (const f of ds.fields) {
    const configKey = `datasets.${ds.name}.properties.${f.field}`;
    if (!fits('property', f, configKey, f.kind) || !f.relation) continue;
    // A relation to another data source than its dataset's would resolve no page to a row.
    const expected = opts.sources.dataSourceOf(f.relation.dataset);
    const actual = schema[f.property]!.relation?.data_source_id;
    if (expected && actual && toDashedId(actual) !== expected) {
      problems.push({
        about: 'property',
        missing: false,
        message: `property "${f.property}" (column ${f.column}) relates to another data source than the ${f.relation.dataset} dataset's: point it at that dataset's database in Notion, or map the field to another property (${configKey})`,
      });
    }
  }

  const present = (ds.configFields ?? []).filter((c) => fits('field', c, `datasets.${ds.name}.fields.${c.column}.property`, null));
  const resolved = resolveConfigFields({ ...ds, configFields: present }, schema, opts.sources.target);
  problems.push(...resolved.problems.map((message) => ({ about: 'field' as const, missing: false, message })));

  if (ds.rowIdProperty) {
    const p = schema[ds.rowIdProperty];
    const problem = (message: string, missing: boolean) => problems.push({ about: 'row-id', missing, message });
    if (!p) problem(`no property "${ds.rowIdProperty}" (rich_text; it remembers each page's Postgres row — run \`jarvis-sync setup\` to add it)`, true);
    else if (p.type !== 'rich_text') problem(`"${ds.rowIdProperty}" is ${p.type}, expected rich_text (it holds each page's Postgres row id: rename or delete that property in Notion, then run \`jarvis-sync setup\`)`, false);
  }

  if (problems.length || !ds.configFields?.length) return { dataset: ds, problems };
  return { dataset: { ...ds, fields: [...ds.fields, ...resolved.fields], configFields: [] }, problems };
}

/** The problems as one clause list: `a; b; c`. */
export function describeMappingProblems(problems: MappingProblem[]): string {
  return problems.map((p) => p.message).join('; ');
}
