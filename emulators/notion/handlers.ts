/**
 * Endpoint handlers: plain functions from a parsed request to a JSON body. The route table is data
 * (method, path template, handler, whether it writes) so the server, request counters and fault
 * filters share one set of endpoint keys such as "POST /v1/data_sources/:id/query".
 */
import { bodyInvalid, invalidUrl, invalidUuid, notFound, validation } from './errors.ts';
import { normalizeId, safeDecode, samePropertyId } from './ids.ts';
import { decodeOffsetCursor, renderPropertyItem } from './property-read.ts';
import { parsePageSize, type QueryBody, type QueryEngine, type QueryPage } from './query.ts';
import { renderDatabase, renderDataSource, renderPage, type ApiVersion, type PageRenderOptions } from './render.ts';
import { parseRichText } from './rich-text.ts';
import type { SearchEngine } from './search.ts';
import type { QueryOverride } from './types.ts';
import type { DatabaseRecord, DataSourceRecord, PageFlags, PageRecord } from './records.ts';
import { WORKSPACE, type Workspace } from './workspace.ts';

export interface ApiRequest {
  params: string[];
  query: URLSearchParams;
  body: Record<string, any>;
  version: ApiVersion;
  /** http://host:port of this request, for next_url links. */
  origin: string;
}

export interface ApiContext {
  ws: Workspace;
  queries: QueryEngine;
  search: SearchEngine;
  overrides: Map<string, QueryOverride>;
  botId: string;
  personId: string;
  now(): number;
}

type Handler = (ctx: ApiContext, req: ApiRequest) => Record<string, any>;

export interface Route {
  method: string;
  /** e.g. "/v1/pages/:id/properties/:pid" (":" segments are parameters) */
  template: string;
  /** Writes are not applied when a fault hits them (unless commitThenFail). */
  write: boolean;
  handler: Handler;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- helpers -----------------------------------------------------------------------------------

/** A uuid path parameter (e.g. "page_id"), dashed lowercase; a malformed one is a 400 validation_error. */
function pathId(req: ApiRequest, index: number, name: string): string {
  const raw = safeDecode(req.params[index] ?? '');
  const id = normalizeId(raw);
  if (!id) throw invalidUuid(`path.${name}`, raw);
  return id;
}

/** A uuid in the body (e.g. parent.data_source_id); undefined stays undefined. */
function bodyId(raw: unknown, path: string): string {
  const id = normalizeId(raw);
  if (!id) throw invalidUuid(path, raw);
  return id;
}

function readOptions(ctx: ApiContext, req: ApiRequest): PageRenderOptions {
  const only = [...req.query.getAll('filter_properties'), ...req.query.getAll('filter_properties[]')];
  return { truncate: true, now: ctx.now(), only: only.length ? new Set(only) : undefined };
}

function listBody(type: string, results: unknown[], page: Pick<QueryPage<unknown>, 'nextCursor' | 'hasMore' | 'incomplete'>) {
  return {
    object: 'list',
    results,
    next_cursor: page.nextCursor,
    has_more: page.hasMore,
    type,
    [type]: {},
    request_status: page.incomplete ? { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' } : { type: 'complete' },
  };
}

function boolField(body: Record<string, any>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bodyInvalid(`body.${key}`, 'a boolean', v);
  return v;
}

/** `in_trash`, or the deprecated `archived` alias, which 2026-03-11 no longer accepts. */
function trashFlag(body: Record<string, any>, v: ApiVersion): boolean | undefined {
  if (body.archived !== undefined && !v.archived) throw bodyInvalid('body.archived', 'not present (use `in_trash`)', body.archived);
  return boolField(body, 'in_trash') ?? boolField(body, 'archived');
}

function iconOrCover(v: unknown, path: string): any {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (!isObject(v)) throw bodyInvalid(path, 'an object or `null`', v);
  if (typeof v.emoji === 'string') return { type: 'emoji', emoji: v.emoji };
  if (isObject(v.external) && typeof v.external.url === 'string') return { type: 'external', external: { url: v.external.url } };
  throw bodyInvalid(path, 'an object with `emoji` or `external`', v);
}

function pageFlags(body: Record<string, any>, v: ApiVersion): PageFlags {
  return {
    inTrash: trashFlag(body, v),
    isLocked: boolField(body, 'is_locked'),
    isArchived: boolField(body, 'is_archived'),
    icon: iconOrCover(body.icon, 'body.icon'),
    cover: iconOrCover(body.cover, 'body.cover'),
  };
}

/** Old API versions cannot see databases that have more than one data source. */
function singleDataSource(ctx: ApiContext, db: DatabaseRecord): DataSourceRecord {
  if (db.dataSourceIds.length !== 1) {
    throw validation(
      `Database ${db.id} has multiple data sources; this API version or endpoint needs a single-source database. Use Notion-Version 2025-09-03 and a data_source_id.`,
    );
  }
  return ctx.ws.dataSources.get(db.dataSourceIds[0])!;
}

function queryResponse(ctx: ApiContext, req: ApiRequest, ds: DataSourceRecord, body: QueryBody) {
  const result = ctx.queries.run(ds, body, ctx.overrides.get(ds.id));
  const opts = readOptions(ctx, req);
  const results = result.rows.map((p) => renderPage(ctx.ws, p, req.version, opts));
  return req.version.dataSources ? listBody('page_or_data_source', results, result) : listBody('page', results, result);
}

function queryBody(body: Record<string, any>, v: ApiVersion): QueryBody {
  return { filter: body.filter, sorts: body.sorts, start_cursor: body.start_cursor, page_size: body.page_size, in_trash: trashFlag(body, v) };
}

function titleOf(body: Record<string, any>): ReturnType<typeof parseRichText> | undefined {
  return body.title === undefined ? undefined : parseRichText(body.title, 'body.title');
}

// ---- handlers ----------------------------------------------------------------------------------

const retrieveDatabase: Handler = (ctx, req) => {
  const db = ctx.ws.database(pathId(req, 0, 'database_id'));
  if (!req.version.dataSources) singleDataSource(ctx, db);
  return renderDatabase(ctx.ws, db, req.version);
};

const updateDatabase: Handler = (ctx, req) => {
  const db = ctx.ws.database(pathId(req, 0, 'database_id'));
  const b = req.body;
  const title = titleOf(b);
  const description = b.description === undefined ? undefined : parseRichText(b.description, 'body.description');
  const inTrash = trashFlag(b, req.version);
  const isInline = boolField(b, 'is_inline');
  const isLocked = boolField(b, 'is_locked');
  const icon = iconOrCover(b.icon, 'body.icon');
  const cover = iconOrCover(b.cover, 'body.cover');
  // Legacy versions edit the schema through the database.
  if (!req.version.dataSources && isObject(b.properties)) ctx.ws.editSchema(singleDataSource(ctx, db), b.properties, ctx.botId);
  if (title) db.title = title;
  if (description) db.description = description;
  if (inTrash !== undefined) db.inTrash = inTrash;
  if (isInline !== undefined) db.isInline = isInline;
  if (isLocked !== undefined) db.isLocked = isLocked;
  if (icon !== undefined) db.icon = icon;
  if (cover !== undefined) db.cover = cover;
  db.lastEditedTime = ctx.ws.now();
  db.lastEditedBy = ctx.botId;
  ctx.ws.version++;
  return renderDatabase(ctx.ws, db, req.version);
};

const createDatabase: Handler = (ctx, req) => {
  const b = req.body;
  const properties = req.version.dataSources ? (b.initial_data_source?.properties ?? {}) : b.properties;
  if (!isObject(properties)) throw bodyInvalid(req.version.dataSources ? 'body.initial_data_source.properties' : 'body.properties', 'an object', properties);
  if (!isObject(b.parent)) throw bodyInvalid('body.parent', 'an object', b.parent);
  const { db } = ctx.ws.createDatabase(
    {
      title: titleOf(b) ?? [],
      description: b.description === undefined ? undefined : parseRichText(b.description, 'body.description'),
      properties,
      parent: b.parent.workspace === true ? { type: 'workspace', workspace: true } : { type: 'page_id', page_id: normalizeId(b.parent.page_id) },
      isInline: boolField(b, 'is_inline'),
      icon: iconOrCover(b.icon, 'body.icon'),
      cover: iconOrCover(b.cover, 'body.cover'),
    },
    ctx.botId,
  );
  return renderDatabase(ctx.ws, db, req.version);
};

const legacyQueryDatabase: Handler = (ctx, req) => {
  if (req.version.dataSources) {
    // UNCERTAIN: Notion moved this endpoint to /v1/data_sources/:id/query in 2025-09-03.
    throw invalidUrl('POST', `/v1/databases/${req.params[0]}/query (use /v1/data_sources/:id/query with Notion-Version ${req.version.raw})`);
  }
  const db = ctx.ws.database(pathId(req, 0, 'database_id'));
  return queryResponse(ctx, req, singleDataSource(ctx, db), queryBody(req.body, req.version));
};

const retrieveDataSource: Handler = (ctx, req) => renderDataSource(ctx.ws, ctx.ws.dataSource(pathId(req, 0, 'data_source_id')), req.version);

const updateDataSource: Handler = (ctx, req) => {
  const ds = ctx.ws.dataSource(pathId(req, 0, 'data_source_id'));
  const b = req.body;
  const title = titleOf(b);
  const inTrash = trashFlag(b, req.version);
  const icon = iconOrCover(b.icon, 'body.icon');
  if (b.properties !== undefined) {
    if (!isObject(b.properties)) throw bodyInvalid('body.properties', 'an object', b.properties);
    ctx.ws.editSchema(ds, b.properties, ctx.botId);
  }
  if (title) ds.title = title;
  if (inTrash !== undefined) ds.inTrash = inTrash;
  if (icon !== undefined) ds.icon = icon;
  ds.lastEditedTime = ctx.ws.now();
  ds.lastEditedBy = ctx.botId;
  ds.version++;
  ctx.ws.version++;
  return renderDataSource(ctx.ws, ds, req.version);
};

const createDataSource: Handler = (ctx, req) => {
  const b = req.body;
  if (!isObject(b.parent)) throw bodyInvalid('body.parent', 'an object', b.parent);
  const db = ctx.ws.database(bodyId(b.parent.database_id, 'body.parent.database_id'));
  if (!isObject(b.properties)) throw bodyInvalid('body.properties', 'an object', b.properties);
  const ds = ctx.ws.createDataSource(db, { title: titleOf(b) ?? [], properties: b.properties }, ctx.botId);
  return renderDataSource(ctx.ws, ds, req.version);
};

const queryDataSource: Handler = (ctx, req) => {
  const ds = ctx.ws.dataSource(pathId(req, 0, 'data_source_id'));
  // Only wikis have data sources as rows; the emulator has none.
  if (req.body.result_type === 'data_source') return listBody('page_or_data_source', [], { nextCursor: null, hasMore: false, incomplete: false });
  return queryResponse(ctx, req, ds, queryBody(req.body, req.version));
};

const createPage: Handler = (ctx, req) => {
  const b = req.body;
  const parent = b.parent;
  if (!isObject(parent)) throw bodyInvalid('body.parent', 'an object', parent);
  let ds: DataSourceRecord;
  if (parent.data_source_id !== undefined) ds = ctx.ws.dataSource(bodyId(parent.data_source_id, 'body.parent.data_source_id'));
  else if (parent.database_id !== undefined) ds = singleDataSource(ctx, ctx.ws.database(bodyId(parent.database_id, 'body.parent.database_id')));
  else throw validation('The emulator only supports pages whose parent is a data source or a database (`data_source_id` / `database_id`).');
  if (b.properties !== undefined && !isObject(b.properties)) throw bodyInvalid('body.properties', 'an object', b.properties);
  if (Array.isArray(b.children) && b.children.length > 100) throw bodyInvalid('body.children.length', '≤ `100`', b.children.length);
  const flags = pageFlags(b, req.version);
  const page = ctx.ws.createPage(ds, b.properties, ctx.botId, { flags: { icon: flags.icon, cover: flags.cover } });
  return renderPage(ctx.ws, page, req.version, readOptions(ctx, req));
};

const retrievePage: Handler = (ctx, req) => renderPage(ctx.ws, ctx.ws.page(pathId(req, 0, 'page_id')), req.version, readOptions(ctx, req));

const updatePage: Handler = (ctx, req) => {
  const page = ctx.ws.page(pathId(req, 0, 'page_id'));
  const b = req.body;
  if (b.properties !== undefined && !isObject(b.properties)) throw bodyInvalid('body.properties', 'an object', b.properties);
  ctx.ws.updatePage(page, b.properties, ctx.botId, pageFlags(b, req.version));
  return renderPage(ctx.ws, page, req.version, readOptions(ctx, req));
};

const retrievePageProperty: Handler = (ctx, req) => {
  const page: PageRecord = ctx.ws.page(pathId(req, 0, 'page_id'));
  const ds = ctx.ws.dataSources.get(page.dataSourceId)!;
  const key = req.params[1];
  const prop = ds.props.find((p) => samePropertyId(p.id, key)) ?? ds.propByName.get(key);
  // UNCERTAIN: wording of Notion's error for an unknown property id.
  if (!prop) throw notFound('property', key);
  const pageSizeRaw = req.query.get('page_size');
  const pageSize = parsePageSize(pageSizeRaw === null ? undefined : Number(pageSizeRaw), 'query.page_size');
  const cursor = req.query.get('start_cursor');
  const offset = cursor ? decodeOffsetCursor(cursor) : 0;
  if (offset === null) throw validation(`The start_cursor provided is invalid: ${cursor}`);
  const base = `${req.origin}/v1/pages/${page.id}/properties/${prop.id}`;
  return renderPropertyItem(ctx.ws, ds, page, prop, offset, pageSize, (c) => `${base}?start_cursor=${c}`, ctx.now());
};

const search: Handler = (ctx, req) => {
  const result = ctx.search.run(req.body, req.version);
  const opts = readOptions(ctx, req);
  const results = result.rows.map((h) =>
    h.kind === 'page'
      ? renderPage(ctx.ws, h.record, req.version, opts)
      : req.version.dataSources
        ? renderDataSource(ctx.ws, h.record, req.version)
        : renderDatabase(ctx.ws, ctx.ws.databases.get(h.record.databaseId)!, req.version),
  );
  return listBody('page_or_data_source', results, result);
};

function userObject(ctx: ApiContext, id: string) {
  if (id === ctx.botId) {
    return {
      object: 'user', id, name: ctx.ws.userNames.get(id) ?? 'Integration', avatar_url: null, type: 'bot',
      bot: {
        owner: { type: 'workspace', workspace: true },
        workspace_id: WORKSPACE.id,
        workspace_name: WORKSPACE.name,
        workspace_limits: { max_file_upload_size_in_bytes: WORKSPACE.maxFileUploadBytes },
      },
    };
  }
  if (id === ctx.personId) return { object: 'user', id, name: ctx.ws.userNames.get(id) ?? 'Person', avatar_url: null, type: 'person', person: { email: 'person@example.com' } };
  return null;
}

const usersMe: Handler = (ctx) => userObject(ctx, ctx.botId)!;
const retrieveUser: Handler = (ctx, req) => {
  const id = pathId(req, 0, 'user_id');
  const u = userObject(ctx, id);
  if (!u) throw notFound('user', id);
  return u;
};
const listUsers: Handler = (ctx) => ({
  object: 'list', results: [userObject(ctx, ctx.personId), userObject(ctx, ctx.botId)], next_cursor: null, has_more: false, type: 'user', user: {},
});

/** Rows carry no content in the emulator: their block children are an empty list. */
const listBlockChildren: Handler = (ctx, req) => {
  const id = pathId(req, 0, 'block_id');
  if (!ctx.ws.pages.has(id)) throw notFound('block', id);
  return { object: 'list', results: [], next_cursor: null, has_more: false, type: 'block', block: {} };
};

export const ROUTES: Route[] = [
  { method: 'GET', template: '/v1/databases/:id', write: false, handler: retrieveDatabase },
  { method: 'PATCH', template: '/v1/databases/:id', write: true, handler: updateDatabase },
  { method: 'POST', template: '/v1/databases', write: true, handler: createDatabase },
  { method: 'POST', template: '/v1/databases/:id/query', write: false, handler: legacyQueryDatabase },
  { method: 'GET', template: '/v1/data_sources/:id', write: false, handler: retrieveDataSource },
  { method: 'PATCH', template: '/v1/data_sources/:id', write: true, handler: updateDataSource },
  { method: 'POST', template: '/v1/data_sources', write: true, handler: createDataSource },
  { method: 'POST', template: '/v1/data_sources/:id/query', write: false, handler: queryDataSource },
  { method: 'POST', template: '/v1/pages', write: true, handler: createPage },
  { method: 'GET', template: '/v1/pages/:id', write: false, handler: retrievePage },
  { method: 'PATCH', template: '/v1/pages/:id', write: true, handler: updatePage },
  { method: 'GET', template: '/v1/pages/:id/properties/:pid', write: false, handler: retrievePageProperty },
  { method: 'POST', template: '/v1/search', write: false, handler: search },
  { method: 'GET', template: '/v1/users/me', write: false, handler: usersMe },
  { method: 'GET', template: '/v1/users/:id', write: false, handler: retrieveUser },
  { method: 'GET', template: '/v1/users', write: false, handler: listUsers },
  { method: 'GET', template: '/v1/blocks/:id/children', write: false, handler: listBlockChildren },
];

const SPLIT = ROUTES.map((r) => ({ route: r, parts: r.template.split('/').filter(Boolean) }));

/** Matches a path (raw segments, still URL-encoded) to a route; literal segments win over :id. */
export function matchRoute(method: string, pathname: string): { route: Route; params: string[]; key: string } | null {
  const segs = pathname.split('/').filter(Boolean);
  let best: { route: Route; params: string[]; literals: number } | null = null;
  for (const { route, parts } of SPLIT) {
    if (route.method !== method || parts.length !== segs.length) continue;
    const params: string[] = [];
    let literals = 0;
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      if (parts[i].startsWith(':')) params.push(segs[i]);
      else if (parts[i] === segs[i]) literals++;
      else ok = false;
    }
    if (ok && (!best || literals > best.literals)) best = { route, params, literals };
  }
  return best ? { route: best.route, params: best.params, key: `${best.route.method} ${best.route.template}` } : null;
}
