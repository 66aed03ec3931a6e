/**
 * Relations cross datasets by id: a Notion relation holds page ids, Postgres holds the related
 * rows' ids. Both directions resolve through the related table's notion_page_id, one lookup per
 * related dataset per run.
 */
import type { Config, ResolvedDataset } from '../config/index.ts';
import { selectRowsByKeys } from '../store/index.ts';
import type { Sql } from '../store/types.ts';

function relatedDataset(config: Config, ds: ResolvedDataset, name: string): ResolvedDataset {
  const target = config.datasets.find((d) => d.name === name);
  if (!target) throw new Error(`${ds.name}: related dataset ${name} is not known`);
  return target;
}

/** Notion page id → Postgres id, per related dataset, for the page ids given. */
export async function resolvePageIds(sql: Sql, config: Config, ds: ResolvedDataset, wanted: Map<string, Set<string>>): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const [name, pageIds] of wanted) {
    const target = relatedDataset(config, ds, name);
    const rows = await selectRowsByKeys(sql, { table: target.table, keyColumn: 'notion_page_id', columns: { id: 'uuid' } }, [...pageIds]);
    out.set(name, new Map([...rows].map(([k, row]) => [k, String(row.id)])));
  }
  return out;
}

/** Postgres id → Notion page id, per related dataset, for the record ids given. */
export async function resolveRecordIds(sql: Sql, config: Config, ds: ResolvedDataset, wanted: Map<string, Set<string>>): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const [name, ids] of wanted) {
    const target = relatedDataset(config, ds, name);
    const rows = await selectRowsByKeys(sql, { table: target.table, keyColumn: 'id', keyType: 'uuid', columns: { notion_page_id: 'text' } }, [...ids]);
    const map = new Map<string, string>();
    for (const [k, row] of rows) if (row.notion_page_id) map.set(k, String(row.notion_page_id));
    out.set(name, map);
  }
  return out;
}

/** Collects, per related dataset, the ids found in `values` (page ids or record ids). */
export function collectRelationIds(ds: ResolvedDataset, records: Iterable<Record<string, unknown>>): Map<string, Set<string>> {
  const wanted = new Map<string, Set<string>>();
  for (const f of ds.fields) {
    // A relation to a database that is not synced holds page ids as they are.
    if (f.kind !== 'relation' || !f.relation) continue;
    const set = wanted.get(f.relation!.dataset) ?? new Set<string>();
    wanted.set(f.relation!.dataset, set);
    for (const r of records) {
      const v = r[f.field];
      for (const id of Array.isArray(v) ? v : v ? [v] : []) set.add(String(id));
    }
  }
  return wanted;
}
