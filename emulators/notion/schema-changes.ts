/**
 * Schema changes on a data source: adding properties (create-data-source, PATCH, seeds) and the
 * PATCH /v1/data_sources/:id `properties` edits (rename, delete, options, type change).
 */
import { bodyInvalid, validation } from './errors.ts';
import { indexProperty, reindex, unindexProperty, type DataSourceRecord } from './records.ts';
import {
  configType, mergeOptions, parsePropertyConfig, resolveRollup, type PropertySchema, type SchemaContext,
} from './schema.ts';
import type { Workspace } from './workspace.ts';

export type DataSourceResolver = (ref: string) => { dataSourceId: string; databaseId: string } | null;

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function schemaContext(ws: Workspace, resolve?: DataSourceResolver): SchemaContext {
  return { ids: ws.ids, resolveDataSource: resolve ?? ((ref) => ws.resolveDataSourceRef(ref)) };
}

/**
 * Adds properties to a schema: plain ones and relations first, then rollups (which refer to them).
 * A dual_property relation also creates its synced property on the target data source. On error
 * nothing is added.
 */
export function addProperties(
  ws: Workspace,
  ds: DataSourceRecord,
  configs: Record<string, any>,
  path: string,
  actor: string,
  resolve?: DataSourceResolver,
): void {
  const ctx = schemaContext(ws, resolve);
  const added: Array<{ prop: PropertySchema; cfg: any; at: string }> = [];
  try {
    for (const [key, cfg] of Object.entries(configs)) {
      const at = `${path}.${key}`;
      const name = isObject(cfg) && typeof cfg.name === 'string' ? cfg.name : key;
      if (ds.propByName.has(name)) throw validation(`Property name ${name} is already in use.`);
      const type = isObject(cfg) ? configType(cfg, at) : undefined;
      if (type === 'title' && ds.props.some((p) => p.type === 'title')) {
        throw validation(`Cannot create a second title property: ${name}.`);
      }
      const id = type === 'title' ? 'title' : ws.ids.propertyId((x) => ds.propById.has(x));
      const prop = parsePropertyConfig(name, cfg, at, ctx, id);
      indexProperty(ds, prop);
      added.push({ prop, cfg, at });
    }
    for (const { prop, cfg, at } of added) {
      if (prop.type === 'rollup') resolveRollup(prop, cfg, at, ds.props, (id) => ws.dataSources.get(id)?.props);
    }
  } catch (e) {
    for (const { prop } of added) unindexProperty(ds, prop);
    throw e;
  }
  for (const { prop, cfg } of added) {
    if (prop.type === 'relation' && isObject(cfg.relation?.dual_property)) createSyncedRelation(ws, ds, prop, cfg.relation.dual_property);
  }
  ws.touchDataSource(ds, actor);
}

function createSyncedRelation(ws: Workspace, ds: DataSourceRecord, prop: PropertySchema, dual: Record<string, any>): void {
  const target = ws.dataSources.get(prop.relation!.dataSourceId)!;
  const dbTitle = ws.databases.get(ds.databaseId)?.title.map((t) => t.plain_text).join('') || 'Untitled';
  let name = typeof dual.synced_property_name === 'string' ? dual.synced_property_name : `Related to ${dbTitle} (${prop.name})`;
  while (target.propByName.has(name)) name += ' 1';
  const synced: PropertySchema = {
    id: ws.ids.propertyId((x) => target.propById.has(x)),
    name,
    type: 'relation',
    description: null,
    relation: { dataSourceId: ds.id, databaseId: ds.databaseId, dual: { syncedPropertyId: prop.id, syncedPropertyName: prop.name } },
  };
  prop.relation!.dual = { syncedPropertyId: synced.id, syncedPropertyName: synced.name };
  indexProperty(target, synced);
  target.version++;
}

/** Puts properties in the given name order (seeds add relations last but keep the author's order). */
export function reorderProperties(ds: DataSourceRecord, names: string[]): void {
  const rank = new Map(names.map((n, i) => [n, i]));
  ds.props.sort((a, b) => (rank.get(a.name) ?? 1e9) - (rank.get(b.name) ?? 1e9));
}

/**
 * PATCH /v1/data_sources/:id `properties`: `null` deletes, `{ name }` renames, a config of the same
 * type updates options/format, a config of another type converts (UNCERTAIN: values are dropped,
 * Notion tries to convert them), an unknown key adds a property.
 */
export function updateSchema(ws: Workspace, ds: DataSourceRecord, patch: Record<string, any>, actor: string): void {
  for (const [key, cfg] of Object.entries(patch)) {
    const at = `body.properties.${key}`;
    const existing = ws.findProperty(ds, key);
    if (cfg === null) {
      if (!existing) throw validation(`${key} is not a property that exists.`);
      if (existing.type === 'title') throw validation('Cannot delete the title property.');
      unindexProperty(ds, existing);
      for (const p of ds.pages) delete p.values[existing.id];
      continue;
    }
    if (!isObject(cfg)) throw bodyInvalid(at, 'an object or `null`', cfg);
    const hasType = typeof cfg.type === 'string' || Object.keys(cfg).some((k) => k !== 'name' && k !== 'description');
    if (!existing) {
      if (!hasType) throw validation(`${key} is not a property that exists.`);
      addProperties(ws, ds, { [key]: cfg }, 'body.properties', actor);
      continue;
    }
    if (typeof cfg.name === 'string' && cfg.name !== existing.name) {
      if (ds.propByName.has(cfg.name)) throw validation(`Property name ${cfg.name} is already in use.`);
      existing.name = cfg.name;
    }
    if (cfg.description !== undefined) existing.description = cfg.description;
    if (hasType) {
      const type = configType(cfg, at);
      const body = isObject(cfg[type]) ? cfg[type] : {};
      if (type === existing.type) {
        if (existing.options) mergeOptions(existing, body.options, `${at}.${type}.options`, ws.ids);
        if (type === 'number' && typeof body.format === 'string') existing.numberFormat = body.format;
        if (type === 'formula' && typeof body.expression === 'string') existing.formula = { expression: body.expression };
        if (type === 'unique_id' && body.prefix !== undefined) existing.uniqueId = { prefix: body.prefix };
      } else {
        if (existing.type === 'title' || type === 'title') throw validation('Cannot change the type of the title property.');
        const replaced = parsePropertyConfig(existing.name, cfg, at, schemaContext(ws), existing.id);
        if (replaced.type === 'rollup') resolveRollup(replaced, cfg, at, ds.props, (id) => ws.dataSources.get(id)?.props);
        ds.props[ds.props.indexOf(existing)] = replaced;
        for (const p of ds.pages) delete p.values[existing.id];
      }
    }
    reindex(ds);
  }
  reindex(ds);
  ws.touchDataSource(ds, actor);
}
