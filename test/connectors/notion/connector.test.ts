import { describe, expect, it } from 'vitest';
import { Build, Extract, NotionSyncError, createNotionConnector } from '../../../src/connectors/notion/index.ts';
import { createLogger } from '../../../src/lib/logger.ts';
import { DB_ID, DS_ID, json, list, notionError, page, richTextItem, setup, uuid } from './mock-notion.ts';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function dataSource(id: string, databaseId: string, title = 'Tasks') {
  return {
    object: 'data_source',
    id,
    title: [richTextItem(title)],
    description: [],
    parent: { type: 'database_id', database_id: databaseId },
    database_parent: { type: 'workspace', workspace: true },
    is_inline: false,
    in_trash: false,
    archived: false,
    created_time: '2026-01-01T00:00:00.000Z',
    last_edited_time: '2026-01-01T00:00:00.000Z',
    created_by: { object: 'user', id: 'u' },
    last_edited_by: { object: 'user', id: 'u' },
    properties: {
      Name: { id: 'title', name: 'Name', type: 'title', title: {}, description: null },
      Tags: { id: 'a%3Bb', name: 'Tags', type: 'multi_select', multi_select: { options: [] }, description: null },
    },
    icon: null,
    cover: null,
    url: 'https://www.notion.so/x',
    public_url: null,
  };
}

function database(id: string, sources: Array<{ id: string; name: string }>) {
  return {
    object: 'database',
    id,
    title: [richTextItem('Tasks DB')],
    description: [],
    parent: { type: 'workspace', workspace: true },
    is_inline: false,
    in_trash: false,
    archived: false,
    is_locked: false,
    created_time: '2026-01-01T00:00:00.000Z',
    last_edited_time: '2026-01-01T00:00:00.000Z',
    data_sources: sources,
    icon: null,
    cover: null,
    url: 'https://www.notion.so/db',
    public_url: null,
  };
}

/** A logger that keeps its JSON lines, to assert on warnings. */
function capturingLogger() {
  const lines: any[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(JSON.parse(s)) } as unknown as NodeJS.WritableStream });
  return { logger, lines };
}

describe('queryPages', () => {
  it('reads 250 pages in 3 requests of 100, following next_cursor', async () => {
    const { mock, notion } = setup();
    const all = Array.from({ length: 250 }, (_, i) => page(uuid(10_000 + i)));
    mock.on('POST /v1/data_sources/:id/query', (req) => {
      const start = req.body.start_cursor ? Number(req.body.start_cursor) : 0;
      const end = Math.min(start + req.body.page_size, all.length);
      return json(list(all.slice(start, end), end < all.length ? String(end) : null));
    });
    const pages = await collect(notion.queryPages(DS_ID));
    expect(pages.map((p) => p.id)).toEqual(all.map((p) => p.id));
    expect(mock.calls).toHaveLength(3);
    expect(mock.calls.map((c) => c.body.page_size)).toEqual([100, 100, 100]);
    expect(mock.calls.map((c) => c.body.start_cursor)).toEqual([undefined, '100', '200']);
    expect(mock.calls.every((c) => c.params.id === DS_ID)).toBe(true);
    expect(notion.stats.byEndpoint).toEqual({ 'POST /v1/data_sources/:id/query': 3 });
  });

  it('filters on last_edited_time on_or_after, combined with the caller filter under one "and"', async () => {
    const { mock, notion } = setup();
    mock.on('POST /v1/data_sources/:id/query', [json(list([]))]);
    await collect(notion.queryPages(DS_ID, { editedOnOrAfter: '2026-01-05T08:00:00.000Z', filter: { property: 'Status', select: { equals: 'Done' } } }));
    await collect(notion.queryPages(DS_ID, { editedOnOrAfter: '2026-01-05T08:00:00.000Z' }));
    await collect(notion.queryPages(DS_ID, { filter: { and: [{ property: 'A', checkbox: { equals: true } }, { property: 'B', checkbox: { equals: false } }] } }));
    expect(mock.calls.map((c) => c.body.filter)).toEqual([
      { and: [{ timestamp: 'last_edited_time', last_edited_time: { on_or_after: '2026-01-05T08:00:00.000Z' } }, { property: 'Status', select: { equals: 'Done' } }] },
      { timestamp: 'last_edited_time', last_edited_time: { on_or_after: '2026-01-05T08:00:00.000Z' } },
      { and: [{ property: 'A', checkbox: { equals: true } }, { property: 'B', checkbox: { equals: false } }] },
    ]);
    expect(mock.calls[0]!.body.sorts).toEqual([{ timestamp: 'created_time', direction: 'ascending' }]);
  });

  it('goes past the 10,000-rows-per-query cap: an "incomplete" result opens a new created_time window', async () => {
    const { mock, notion } = setup();
    const first = [page(uuid(1), {}, { created_time: '2026-01-01T00:00:00.000Z' }), page(uuid(2), {}, { created_time: '2026-01-02T00:00:00.000Z' })];
    const second = [page(uuid(2), {}, { created_time: '2026-01-02T00:00:00.000Z' }), page(uuid(3), {}, { created_time: '2026-01-03T00:00:00.000Z' })];
    mock.on('POST /v1/data_sources/:id/query', [
      // has_more false, yet rows remain: only request_status tells.
      json(list(first, null, { has_more: false, request_status: { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' } })),
      json(list(second, null, { request_status: { type: 'complete' } })),
    ]);
    const pages = await collect(notion.queryPages(DS_ID, { editedOnOrAfter: '2026-01-01T00:00:00.000Z' }));
    expect(pages.map((p) => p.id)).toEqual([uuid(1), uuid(2), uuid(3)]); // boundary row de-duplicated
    expect(mock.calls[1]!.body.filter).toEqual({
      and: [
        { timestamp: 'last_edited_time', last_edited_time: { on_or_after: '2026-01-01T00:00:00.000Z' } },
        { timestamp: 'created_time', created_time: { on_or_after: '2026-01-02T00:00:00.000Z' } },
      ],
    });
  });

  it('turns "more than 10,000 rows share one created_time" into a validation error that says to add a filter', async () => {
    const { mock, notion } = setup();
    const same = (n: number) => page(uuid(n), {}, { created_time: '2026-01-01T00:00:00.000Z' });
    const incomplete = { has_more: false, request_status: { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' } };
    mock.on('POST /v1/data_sources/:id/query', [json(list([same(1), same(2)], null, incomplete)), json(list([same(1), same(2)], null, incomplete))]);
    await expect(collect(notion.queryPages(DS_ID))).rejects.toMatchObject({ kind: 'validation', message: expect.stringMatching(/share one created_time.*add a filter/) });
  });

  it('skips partial results (no properties) with a warning', async () => {
    const { logger, lines } = capturingLogger();
    const { mock, notion } = setup({ logger });
    mock.on('POST /v1/data_sources/:id/query', [json(list([page(uuid(1)), { object: 'page', id: uuid(2) }, page(uuid(3))]))]);
    const pages = await collect(notion.queryPages(DS_ID));
    expect(pages.map((p) => p.id)).toEqual([uuid(1), uuid(3)]);
    expect(lines.find((l) => l.level === 40 && /not a full page/.test(l.msg))).toMatchObject({ id: uuid(2) });
  });

  it('completes a relation truncated at 25 (has_more) through paginated property items: 60 targets', async () => {
    const { mock, notion } = setup();
    const targets = Array.from({ length: 60 }, (_, i) => uuid(50_000 + i));
    const truncated = page(uuid(7), {
      Tasks: { id: 'r%3Ax', type: 'relation', relation: targets.slice(0, 25).map((id) => ({ id })), has_more: true },
      Other: { id: 'o', type: 'relation', relation: [{ id: targets[0] }], has_more: false },
    });
    mock.on('POST /v1/data_sources/:id/query', [json(list([truncated]))]);
    mock.on('GET /v1/pages/:id/properties/:pid', (req) => {
      // Notion pages property items; serve 25 per page regardless of page_size to exercise the cursor.
      const start = Number(req.query.get('start_cursor') ?? 0);
      const slice = targets.slice(start, start + 25);
      const next = start + 25 < targets.length ? String(start + 25) : null;
      return json({
        object: 'list',
        results: slice.map((id) => ({ object: 'property_item', id: req.params.pid, type: 'relation', relation: { id } })),
        next_cursor: next,
        has_more: next !== null,
        type: 'property_item',
        property_item: { id: req.params.pid, next_url: null, type: 'relation', relation: {} },
      });
    });
    const [p] = await collect(notion.queryPages(DS_ID));
    expect(p!.properties.Tasks!.has_more).toBe(false);
    expect(Extract.relation(p!, 'Tasks')).toEqual(targets);
    expect(Extract.relation(p!, 'Other')).toEqual([targets[0]]);
    const propertyCalls = mock.calls.filter((c) => c.path.includes('/properties/'));
    expect(propertyCalls).toHaveLength(3);
    expect(propertyCalls[0]!.path).toBe(`/v1/pages/${uuid(7)}/properties/r%3Ax`); // property id sent as encoded by Notion
    expect(propertyCalls.map((c) => c.query.get('start_cursor'))).toEqual([null, '25', '50']);
    expect(notion.stats.byEndpoint['GET /v1/pages/:id/properties/:pid']).toBe(3);
  });

  it('refuses a malformed data source id before any request', async () => {
    const { mock, notion } = setup();
    await expect(collect(notion.queryPages('not-an-id'))).rejects.toMatchObject({ kind: 'validation' });
    expect(mock.calls).toHaveLength(0);
  });
});

describe('resolveDataSource', () => {
  it('accepts a dashless database id and discovers its data source', async () => {
    const { mock, notion } = setup();
    mock.on('GET /v1/databases/:id', (req) => (req.params.id === DB_ID ? json(database(DB_ID, [{ id: DS_ID, name: 'Tasks' }])) : notionError(404, 'object_not_found')));
    mock.on('GET /v1/data_sources/:id', (req) => (req.params.id === DS_ID ? json(dataSource(DS_ID, DB_ID)) : notionError(404, 'object_not_found')));
    const info = await notion.resolveDataSource(DB_ID.replace(/-/g, ''));
    expect(info).toMatchObject({ dataSourceId: DS_ID, databaseId: DB_ID, title: 'Tasks' });
    expect(info.properties.Tags).toMatchObject({ id: 'a%3Bb', type: 'multi_select' });
    expect(mock.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET /v1/databases/${DB_ID}`, `GET /v1/data_sources/${DS_ID}`]);
  });

  it('accepts a data source id: the database lookup 404s, the data source is fetched directly', async () => {
    const { mock, notion } = setup();
    mock.on('GET /v1/databases/:id', [notionError(404, 'object_not_found')]);
    mock.on('GET /v1/data_sources/:id', [json(dataSource(DS_ID, DB_ID))]);
    const info = await notion.resolveDataSource(DS_ID.toUpperCase());
    expect(info).toMatchObject({ dataSourceId: DS_ID, databaseId: DB_ID });
    expect(notion.stats.retries).toBe(0);
  });

  it('picks the first of several data sources and warns, naming them', async () => {
    const { logger, lines } = capturingLogger();
    const { mock, notion } = setup({ logger });
    const second = uuid(0xd6);
    mock.on('GET /v1/databases/:id', [json(database(DB_ID, [{ id: DS_ID, name: 'Tasks' }, { id: second, name: 'Archive' }]))]);
    mock.on('GET /v1/data_sources/:id', [json(dataSource(DS_ID, DB_ID))]);
    const info = await notion.resolveDataSource(DB_ID);
    expect(info.dataSourceId).toBe(DS_ID);
    const warning = lines.find((l) => l.level === 40);
    expect(warning.msg).toMatch(/2 data sources; syncing the first \("Tasks"\)/);
    expect(warning.dataSources).toEqual([{ id: DS_ID, name: 'Tasks' }, { id: second, name: 'Archive' }]);
  });

  it('reports an id that is neither, with what to check', async () => {
    const { mock, notion } = setup();
    mock.on('GET /v1/databases/:id', [notionError(404, 'object_not_found')]);
    mock.on('GET /v1/data_sources/:id', [notionError(404, 'object_not_found')]);
    await expect(notion.resolveDataSource(DB_ID)).rejects.toMatchObject({
      kind: 'not_found',
      message: expect.stringMatching(/No Notion database or data source .* is visible to the integration: check the id and share the database/),
    });
  });

  it('does not mask an auth failure as "not found"', async () => {
    const { mock, notion } = setup();
    mock.on('GET /v1/databases/:id', [notionError(401, 'unauthorized')]);
    await expect(notion.resolveDataSource(DB_ID)).rejects.toMatchObject({ kind: 'auth' });
    expect(mock.calls).toHaveLength(1);
  });
});

describe('pages', () => {
  it('retrievePage returns null on 404 and the page otherwise', async () => {
    const { mock, notion } = setup();
    const known = uuid(0x1);
    mock.on('GET /v1/pages/:id', (req) => (req.params.id === known ? json(page(known, {}, { in_trash: true })) : notionError(404, 'object_not_found')));
    expect(await notion.retrievePage(uuid(0x2))).toBeNull();
    expect(await notion.retrievePage(known.replace(/-/g, ''))).toMatchObject({ id: known, in_trash: true });
  });

  it('createPage posts under parent.data_source_id', async () => {
    const { mock, notion } = setup();
    mock.on('POST /v1/pages', (req) => json(page(uuid(0xabc), req.body.properties)));
    const properties = Build.properties({ Name: Build.title('New'), Tags: Build.multi_select(['a']) });
    const created = await notion.createPage(DS_ID, properties);
    expect(created.id).toBe(uuid(0xabc));
    expect(mock.calls[0]!.body).toEqual({ parent: { data_source_id: DS_ID }, properties });
    expect(notion.stats.byEndpoint).toEqual({ 'POST /v1/pages': 1 });
  });

  it('updatePage patches properties and in_trash only when given', async () => {
    const { mock, notion } = setup();
    const id = uuid(0x5);
    mock.on('PATCH /v1/pages/:id', (req) => json(page(req.params.id!)));
    await notion.updatePage(id, { in_trash: true });
    await notion.updatePage(id, { properties: Build.properties({ Done: Build.checkbox(true) }) });
    expect(mock.calls.map((c) => c.body)).toEqual([{ in_trash: true }, { properties: { Done: { checkbox: true } } }]);
    await expect(notion.updatePage(id, {})).rejects.toMatchObject({ kind: 'validation' });
  });

  it('findPagesByRichText queries with a rich_text equals filter, live pages and then trashed ones', async () => {
    const { mock, notion } = setup();
    mock.on('POST /v1/data_sources/:id/query', [json(list([page(uuid(0x77))])), json(list([page(uuid(0x78))]))]);
    const found = await notion.findPagesByRichText(DS_ID, 'Postgres ID', 'row-42');
    expect(found.map((p) => p.id)).toEqual([uuid(0x77), uuid(0x78)]);
    expect(mock.calls.map((c) => [c.body.filter, c.body.in_trash])).toEqual([
      [{ property: 'Postgres ID', rich_text: { equals: 'row-42' } }, undefined],
      [{ property: 'Postgres ID', rich_text: { equals: 'row-42' } }, true],
    ]);
  });

  it('addProperties patches the data source schema and returns it; refuses empty or null configs before any request', async () => {
    const { mock, notion } = setup();
    mock.on('PATCH /v1/data_sources/:id', (req) => {
      const ds = dataSource(req.params.id!, DB_ID);
      for (const [name, cfg] of Object.entries<any>(req.body.properties)) {
        (ds.properties as Record<string, unknown>)[name] = { id: 'new%3D', name, type: Object.keys(cfg)[0], ...cfg, description: null };
      }
      return json(ds);
    });
    const info = await notion.addProperties(DS_ID.replace(/-/g, ''), { 'Supabase ID': { rich_text: {} } });
    expect(mock.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`PATCH /v1/data_sources/${DS_ID}`]);
    expect(mock.calls[0]!.body).toEqual({ properties: { 'Supabase ID': { rich_text: {} } } });
    expect(info).toMatchObject({ dataSourceId: DS_ID, databaseId: DB_ID, title: 'Tasks' });
    expect(info.properties['Supabase ID']).toMatchObject({ name: 'Supabase ID', type: 'rich_text' });
    expect(notion.stats.byEndpoint).toEqual({ 'PATCH /v1/data_sources/:id': 1 });

    await expect(notion.addProperties(DS_ID, {})).rejects.toMatchObject({ kind: 'validation' });
    await expect(notion.addProperties(DS_ID, { Gone: null })).rejects.toMatchObject({ kind: 'validation', message: expect.stringMatching(/"Gone"/) });
    await expect(notion.addProperties('nope', { X: { rich_text: {} } })).rejects.toMatchObject({ kind: 'validation' });
    expect(mock.calls).toHaveLength(1);
  });

  it('addProperties goes through the pacer and the retry policy: a 503 is retried (the PATCH is idempotent)', async () => {
    const { mock, notion } = setup();
    mock.on('PATCH /v1/data_sources/:id', [notionError(503, 'service_unavailable'), json(dataSource(DS_ID, DB_ID))]);
    const info = await notion.addProperties(DS_ID, { 'Supabase ID': { rich_text: {} } });
    expect(info.dataSourceId).toBe(DS_ID);
    expect(mock.calls).toHaveLength(2);
    expect(mock.calls[1]!.body).toEqual(mock.calls[0]!.body);
    expect(notion.stats.retries).toBe(1);
  });

  it('resetStats zeroes the live stats object', async () => {
    const { mock, notion } = setup();
    mock.on('GET /v1/pages/:id', (req) => json(page(req.params.id!)));
    const stats = notion.stats;
    await notion.retrievePage(uuid(0x9));
    notion.resetStats();
    expect(stats).toEqual({ requests: 0, byEndpoint: {}, rateLimited: 0, retries: 0, waitedMs: 0 });
  });

  it('refuses to start without a token', () => {
    expect(() => createNotionConnector({ token: '' })).toThrow(NotionSyncError);
    expect(() => createNotionConnector({ token: '' })).toThrow(/set NOTION_TOKEN/);
  });
});
