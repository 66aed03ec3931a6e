import type { ResolvedDataset } from '../config/index.ts';
import type { NotionConnector } from '../connectors/notion/types.ts';
import { readState, writeState } from '../store/index.ts';
import type { Sql } from '../store/types.ts';

/** Thrown when the Notion data source does not have what the dataset mapping needs. */
export class SchemaMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaMismatchError';
  }
}

/**
 * The data source behind a dataset's configured id, discovered once and remembered in sync_state,
 * so an incremental run spends its requests on the query alone. The schema is checked on discovery.
 */
export async function resolveDataSourceId(sql: Sql, notion: NotionConnector, ds: ResolvedDataset, persist: boolean): Promise<string> {
  const key = `notion_data_source_${ds.name}`;
  const cached = await readState(sql, key);
  if (cached) {
    const parsed = JSON.parse(cached) as { configuredId: string; dataSourceId: string };
    if (parsed.configuredId === ds.databaseId) return parsed.dataSourceId;
  }
  const info = await notion.resolveDataSource(ds.databaseId!);
  const problems: string[] = [];
  for (const f of ds.fields) {
    const p = info.properties[f.property];
    if (!p) problems.push(`no property "${f.property}" (${f.kind})`);
    else if (p.type !== f.kind) problems.push(`"${f.property}" is ${p.type}, expected ${f.kind}`);
  }
  if (ds.rowIdProperty) {
    const p = info.properties[ds.rowIdProperty];
    if (!p) problems.push(`no property "${ds.rowIdProperty}" (rich_text; it remembers each page's Postgres row — run \`jarvis-sync setup\` to add it)`);
    else if (p.type !== 'rich_text') problems.push(`"${ds.rowIdProperty}" is ${p.type}, expected rich_text`);
  }
  if (problems.length) {
    throw new SchemaMismatchError(
      `${ds.name}: Notion data source "${info.title}" does not match the mapping: ${problems.join('; ')}. Rename the properties in Notion or override them in the config file (datasets.${ds.name}.properties).`,
    );
  }
  if (persist) await writeState(sql, key, JSON.stringify({ configuredId: ds.databaseId, dataSourceId: info.dataSourceId }));
  return info.dataSourceId;
}
