/**
 * A scripted Google for connector tests: a tiny node:http server on 127.0.0.1 (started per test),
 * so the real @googleapis/* clients, googleapis-common, OAuth2Client and gaxios build and send
 * every request as they would to Google. Not the emulator (emulators/google): it knows no state,
 * only the replies a test scripts.
 *
 * Routes are "METHOD /path" patterns where {name} matches one segment up to "/" or ":"; a route is
 * a handler or a queue of replies consumed in order (the last one repeats). POST /token answers a
 * fresh access token by default.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../../src/lib/clock.ts';
import { createGoogleConnector, type GoogleConnectorOptions } from '../../../src/connectors/google/index.ts';

export const CLIENT_ID = 'mock-client-id.apps.googleusercontent.com';
export const CLIENT_SECRET = 'GOCSPX-mock-client-secret-42';
export const REFRESH_TOKEN = '1//mock-refresh-token-0123456789abcdef';
export const ACCESS_TOKEN = 'ya29.mock-access-token-0123456789';

export interface MockRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON, or the raw text (form bodies). */
  body: any;
  headers: Record<string, string | string[] | undefined>;
  /** Clock time when the request arrived. */
  at: number;
}

export type Reply =
  | { status?: number; body?: unknown; headers?: Record<string, string> }
  /** Close the socket without answering (a network error). */
  | 'destroy'
  /** Never answer (a timeout). */
  | 'hang';
export type Handler = (req: MockRequest) => Reply | Promise<Reply>;

export function ok(body: unknown, headers: Record<string, string> = {}): Reply {
  return { status: 200, body, headers };
}

/** v1 "global" error body, as Calendar and Gmail send. */
export function v1Error(status: number, reason: string, message = `mock ${reason}`, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: { error: { code: status, message, errors: [{ domain: 'global', reason, message }] } } };
}

/** google.rpc error body, as People sends; `reason` goes into an ErrorInfo detail. */
export function rpcError(status: number, rpcStatus: string, message: string, reason?: string, headers: Record<string, string> = {}): Reply {
  const details = reason ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'people.googleapis.com' }] : undefined;
  return { status, headers, body: { error: { code: status, message, status: rpcStatus, ...(details ? { details } : {}) } } };
}

export class MockGoogle {
  readonly calls: MockRequest[] = [];
  private readonly routes: Array<{ method: string; pattern: RegExp; names: string[]; handler: Handler }> = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly clock: FakeClock) {
    this.on('POST /token', () => ok({ access_token: ACCESS_TOKEN, expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/contacts' }));
  }

  on(route: string, handlerOrReplies: Handler | Reply[]): this {
    const [method, path] = route.split(' ') as [string, string];
    const names: string[] = [];
    const source = path
      .split(/(\{[a-zA-Z]+\})/)
      .map((part) => {
        const m = /^\{([a-zA-Z]+)\}$/.exec(part);
        if (m) return names.push(m[1]!), '([^/:]+)';
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    const pattern = new RegExp(`^${source}$`);
    let handler: Handler;
    if (Array.isArray(handlerOrReplies)) {
      const queue = [...handlerOrReplies];
      handler = () => (queue.length > 1 ? queue.shift()! : queue[0]!);
    } else handler = handlerOrReplies;
    this.routes.unshift({ method, pattern, names, handler }); // later routes win
    return this;
  }

  callsTo(method: string, pathPrefix: string): MockRequest[] {
    return this.calls.filter((c) => c.method === method && c.path.startsWith(pathPrefix));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* a form body stays text */
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(url.pathname);
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params = Object.fromEntries(route.names.map((n, i) => [n, m[i + 1]!]));
      const call: MockRequest = { method, path, params, query: url.searchParams, body, headers: req.headers, at: this.clock.now() };
      this.calls.push(call);
      let reply: Reply;
      try {
        reply = await route.handler(call);
      } catch (e) {
        reply = { status: 500, body: { error: { code: 500, message: `mock handler threw: ${String(e)}` } } };
      }
      if (reply === 'destroy') return void req.socket.destroy();
      if (reply === 'hang') return;
      const status = reply.status ?? 200;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      return;
    }
    this.calls.push({ method, path, params: {}, query: url.searchParams, body, headers: req.headers, at: this.clock.now() });
    res.writeHead(599, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 599, message: `no mock route for ${method} ${path}` } }));
  }
}

const open: MockGoogle[] = [];

/** A started mock, a FakeClock and a connector pointed at both (apiRoot = the mock). */
export async function setup(overrides: Partial<GoogleConnectorOptions> = {}) {
  const clock = new FakeClock();
  const mock = new MockGoogle(clock);
  await mock.start();
  open.push(mock);
  const google = createGoogleConnector({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    refreshToken: REFRESH_TOKEN,
    apiRoot: mock.url,
    clock,
    random: () => 0.5,
    ...overrides,
  });
  return { clock, mock, google };
}

/** For afterEach: closes every mock started by setup(). */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((m) => m.close()));
}

/** The API calls (token refreshes left out). */
export function apiCalls(mock: MockGoogle): MockRequest[] {
  return mock.calls.filter((c) => c.path !== '/token');
}
