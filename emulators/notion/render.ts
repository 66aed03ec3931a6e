/**
 * Object read shapes per API version: 2025-09-03+ (data sources; `archived` only before 2026-03-11)
 * and the legacy versions (2022-06-28, 2021-08-16: databases carry the schema, pages have a
 * database_id parent).
 */
import { compactId } from './ids.ts';
import { renderValue, type ReadOptions } from './property-read.ts';
import { plainText } from './rich-text.ts';
import { renderPropertyConfig, type PropertyLookup } from './schema.ts';
import type { DatabaseRecord, DataSourceRecord, PageRecord } from './records.ts';
import type { Workspace } from './workspace.ts';

export interface ApiVersion {
  raw: string;
  /** ≥ 2025-09-03: databases are containers of data sources. */
  dataSources: boolean;
  /** < 2026-03-11: the deprecated `archived` alias is still sent and accepted. */
  archived: boolean;
}

export const VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function apiVersion(raw: string): ApiVersion {
  return { raw, dataSources: raw >= '2025-09-03', archived: raw < '2026-03-11' };
}

/** What control reads (emulator.getPage) look like: the SDK's default version, relations whole. */
export const CONTROL_VERSION = apiVersion('2025-09-03');

const iso = (ms: number) => new Date(ms).toISOString();
const user = (id: string) => ({ object: 'user', id });

export function pageUrl(title: string, id: string): string {
  const slug = title.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
  return `https://www.notion.so/${slug ? `${slug}-` : ''}${compactId(id)}`;
}

export interface PageRenderOptions extends ReadOptions {
  /** Property ids/names to include (filter_properties); undefined = all. */
  only?: Set<string>;
}

export function renderPage(ws: Workspace, page: PageRecord, v: ApiVersion, opts: PageRenderOptions): Record<string, any> {
  const ds = ws.dataSources.get(page.dataSourceId)!;
  const properties: Record<string, any> = {};
  let title = '';
  for (const prop of ds.props) {
    if (prop.type === 'title') title = plainText(page.values[prop.id]);
    if (opts.only && !opts.only.has(prop.id) && !opts.only.has(prop.name) && !opts.only.has(decodeSafe(prop.id))) continue;
    properties[prop.name] = renderValue(ws, ds, page, prop, opts);
  }
  const out: Record<string, any> = {
    object: 'page',
    id: page.id,
    created_time: iso(page.createdTime),
    last_edited_time: iso(page.lastEditedTime),
    created_by: user(page.createdBy),
    last_edited_by: user(page.lastEditedBy),
    cover: page.cover,
    icon: page.icon,
    parent: v.dataSources
      ? { type: 'data_source_id', data_source_id: ds.id, database_id: ds.databaseId }
      : { type: 'database_id', database_id: ds.databaseId },
  };
  if (v.archived) out.archived = page.inTrash;
  out.in_trash = page.inTrash;
  // UNCERTAIN: `is_archived` (SDK 5.26 types) is undocumented; we report it and store what is written.
  if (v.dataSources) out.is_archived = page.isArchived;
  out.is_locked = page.isLocked;
  out.properties = properties;
  out.url = pageUrl(title, page.id);
  out.public_url = null;
  return out;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function lookupFor(ws: Workspace, ds: DataSourceRecord): PropertyLookup {
  return {
    own: (id) => ds.propById.get(id),
    inDataSource: (dsId, id) => ws.dataSources.get(dsId)?.propById.get(id),
  };
}

export function renderSchema(ws: Workspace, ds: DataSourceRecord, legacy: boolean): Record<string, any> {
  const lookup = lookupFor(ws, ds);
  const out: Record<string, any> = {};
  for (const p of ds.props) out[p.name] = renderPropertyConfig(p, lookup, legacy);
  return out;
}

export function renderDataSource(ws: Workspace, ds: DataSourceRecord, v: ApiVersion): Record<string, any> {
  const db = ws.databases.get(ds.databaseId)!;
  const out: Record<string, any> = {
    object: 'data_source',
    id: ds.id,
    created_time: iso(ds.createdTime),
    last_edited_time: iso(ds.lastEditedTime),
    created_by: user(ds.createdBy),
    last_edited_by: user(ds.lastEditedBy),
    title: ds.title,
    description: ds.description,
    icon: ds.icon,
    cover: null,
    parent: { type: 'database_id', database_id: ds.databaseId },
    database_parent: db.parent,
    is_inline: db.isInline,
  };
  if (v.archived) out.archived = ds.inTrash;
  out.in_trash = ds.inTrash;
  out.properties = renderSchema(ws, ds, false);
  out.url = `https://www.notion.so/${compactId(db.id)}`;
  out.public_url = null;
  return out;
}

/** 2025-09-03+: a container listing its data sources, no schema. Legacy: the old shape with properties. */
export function renderDatabase(ws: Workspace, db: DatabaseRecord, v: ApiVersion): Record<string, any> {
  const out: Record<string, any> = {
    object: 'database',
    id: db.id,
    created_time: iso(db.createdTime),
    last_edited_time: iso(db.lastEditedTime),
    title: db.title,
    description: db.description,
    icon: db.icon,
    cover: db.cover,
    parent: db.parent,
    is_inline: db.isInline,
  };
  // Only the legacy database object names its authors; from 2025-09-03 the data sources do (SDK DatabaseObjectResponse).
  if (!v.dataSources) Object.assign(out, { created_by: user(db.createdBy), last_edited_by: user(db.lastEditedBy) });
  if (v.archived) out.archived = db.inTrash;
  out.in_trash = db.inTrash;
  out.is_locked = db.isLocked;
  if (v.dataSources) {
    out.data_sources = db.dataSourceIds.map((id) => ({ id, name: plainText(ws.dataSources.get(id)!.title) }));
  } else {
    out.properties = renderSchema(ws, ws.dataSources.get(db.dataSourceIds[0])!, true);
  }
  out.url = `https://www.notion.so/${compactId(db.id)}`;
  out.public_url = null;
  return out;
}
