/**
 * A scripted `fetch` for connector tests, in the spirit of the SDK's own test-utils: no server,
 * no network. Routes are "METHOD /v1/path" patterns (":name" matches one segment); a route is a
 * handler or a queue of replies consumed in order (the last one repeats).
 */
import { FakeClock } from '../../../src/lib/clock.ts';
import { createNotionConnector } from '../../../src/connectors/notion/index.ts';
import type { NotionConnectorOptions } from '../../../src/connectors/notion/types.ts';

export const BASE_URL = 'http://notion.test';
export const TOKEN = 'secret_mock_token_123';

export interface MockRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  headers: Record<string, string>;
  /** Clock time when the request went out. */
  at: number;
}

export type Reply = Response | { status?: number; body?: unknown; headers?: Record<string, string> } | Error;
export type Handler = (req: MockRequest) => Reply | Promise<Reply>;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

export function notionError(status: number, code: string, message = `mock ${code}`, headers: Record<string, string> = {}): Response {
  return json({ object: 'error', status, code, message, request_id: `req-${code}` }, status, headers);
}

/** A fetch TypeError as undici throws it when the socket breaks. */
export function networkError(code = 'ECONNRESET'): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`read ${code}`), { code }) });
}

export class MockNotion {
  readonly calls: MockRequest[] = [];
  private readonly routes: Array<{ method: string; pattern: RegExp; names: string[]; handler: Handler }> = [];

  constructor(private readonly clock: FakeClock) {}

  on(route: string, handlerOrReplies: Handler | Reply[]): this {
    const [method, path] = route.split(' ') as [string, string];
    const names: string[] = [];
    const pattern = new RegExp(
      '^' + path.replace(/:([a-z_]+)/gi, (_, n: string) => (names.push(n), '([^/]+)')).replace(/\//g, '\\/') + '$',
    );
    let handler: Handler;
    if (Array.isArray(handlerOrReplies)) {
      const queue = [...handlerOrReplies];
      handler = () => (queue.length > 1 ? queue.shift()! : queue[0]!);
    } else handler = handlerOrReplies;
    this.routes.unshift({ method, pattern, names, handler }); // later routes win
    return this;
  }

  count(method: string, pathPrefix = ''): number {
    return this.calls.filter((c) => c.method === method && c.path.startsWith(pathPrefix)).length;
  }

  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const path = url.pathname;
    const req: MockRequest = { method, path, params: {}, query: url.searchParams, body, headers, at: this.clock.now() };
    this.calls.push(req);
    for (const r of this.routes) {
      const m = r.method === method ? r.pattern.exec(path) : null;
      if (!m) continue;
      r.names.forEach((n, i) => (req.params[n] = decodeURIComponent(m[i + 1]!)));
      const reply = await r.handler(req);
      if (reply instanceof Error) throw reply;
      if (reply instanceof Response) return reply.clone();
      return json(reply.body ?? {}, reply.status ?? 200, reply.headers);
    }
    return notionError(404, 'object_not_found', `mock: no route for ${method} ${path}`);
  };
}

export function setup(options: Partial<NotionConnectorOptions> = {}) {
  const clock = new FakeClock('2026-01-05T09:00:00.000Z');
  const mock = new MockNotion(clock);
  const notion = createNotionConnector({
    token: TOKEN,
    baseUrl: BASE_URL,
    clock,
    fetch: mock.fetch as typeof fetch,
    random: () => 0.5,
    ...options,
  });
  return { clock, mock, notion };
}

// ---- fixtures ---------------------------------------------------------------------------------

let counter = 0;
/** A deterministic dashed id; `n` picks it, or a fresh one. */
export function uuid(n = ++counter): string {
  const hex = n.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function richTextItem(content: string) {
  return {
    type: 'text',
    text: { content, link: null },
    annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' },
    plain_text: content,
    href: null,
  };
}

export function page(id: string, properties: Record<string, any> = {}, extra: Record<string, unknown> = {}) {
  return {
    object: 'page',
    id,
    created_time: '2026-01-05T08:00:00.000Z',
    last_edited_time: '2026-01-05T08:30:00.000Z',
    created_by: { object: 'user', id: 'user-1' },
    last_edited_by: { object: 'user', id: 'user-1' },
    cover: null,
    icon: null,
    parent: { type: 'data_source_id', data_source_id: DS_ID, database_id: DB_ID },
    in_trash: false,
    archived: false,
    is_archived: false,
    is_locked: false,
    properties: { Name: { id: 'title', type: 'title', title: [richTextItem(`page ${id}`)] }, ...properties },
    url: `https://www.notion.so/${id.replace(/-/g, '')}`,
    public_url: null,
    ...extra,
  };
}

export function list(results: unknown[], nextCursor: string | null = null, extra: Record<string, unknown> = {}) {
  return { object: 'list', results, next_cursor: nextCursor, has_more: nextCursor !== null, type: 'page_or_data_source', page_or_data_source: {}, ...extra };
}

export const DB_ID = uuid(0xdb);
export const DS_ID = uuid(0xd5);
