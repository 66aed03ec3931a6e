/**
 * `doctor` and `setup`: whether a dataset's config fields (`datasets.<name>.fields`) fit the
 * Notion data source — each property exists, is a kind jarvis-sync can store, and any `type` holds
 * it without loss. The same resolution the sync does on discovery (datasets/fromConfig.ts), so
 * what these commands pass, the run accepts.
 */
import type { ResolvedDataset } from '../config/index.ts';
import { idFromIdOrUrl, toDashedId, type DataSourceInfo } from '../connectors/notion/index.ts';
import { resolveConfigFields, type RelationTarget } from '../datasets/fromConfig.ts';

/** One line per config field that does not fit (none for a dataset without config fields). */
export function configFieldProblems(ds: ResolvedDataset, info: DataSourceInfo, datasets: ResolvedDataset[], dataSourceOf: Map<string, string>): string[] {
  if (!ds.configFields?.length) return [];
  return resolveConfigFields(ds, info.properties, relationTargetsOf(datasets, dataSourceOf)).problems;
}

/** Related databases that are synced: the enabled Notion datasets' configured ids and the data sources found so far. */
function relationTargetsOf(datasets: ResolvedDataset[], dataSourceOf: Map<string, string>): RelationTarget {
  const byId = new Map<string, string>();
  for (const d of datasets) {
    if (!d.enabled || !d.databaseId || (d.pattern !== 'one-way' && d.pattern !== 'two-way')) continue;
    const id = dashed(d.databaseId);
    if (id) byId.set(id, d.name);
  }
  for (const [name, dataSourceId] of dataSourceOf) byId.set(dataSourceId, name);
  return (rel) => {
    for (const id of [rel.data_source_id, rel.database_id]) {
      const key = id ? toDashedId(id) : null;
      if (key && byId.has(key)) return byId.get(key)!;
    }
    return null;
  };
}

function dashed(idOrUrl: string): string | null {
  try {
    return idFromIdOrUrl(idOrUrl, 'database id');
  } catch {
    return null;
  }
}
