/**
 * The HTTP pipeline, in the order a real request meets Notion's stack: counters → body (≤ 500 KB) →
 * auth → Notion-Version → rate limit → injected faults → handler. Handlers run synchronously once the
 * body is read, so every write is atomic with respect to other requests.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../src/lib/clock.ts';
import {
  faultError, invalidJson, invalidUrl, missingVersion, NotionError, rateLimited, unauthorized, validation,
} from './errors.ts';
import type { FaultInjector } from './faults.ts';
import { matchRoute, type ApiContext } from './handlers.ts';
import type { RateLimiter } from './rate-limit.ts';
import { apiVersion, VERSION_PATTERN } from './render.ts';

/** Notion's documented payload limit. */
export const MAX_BODY_BYTES = 500 * 1024;

export interface ServerDeps {
  api: ApiContext;
  clock: Clock;
  tokens: Set<string> | null;
  limiter: RateLimiter;
  faults: FaultInjector;
  counts: Map<string, number>;
}

type Outcome = { status: number; body: unknown; headers?: Record<string, string> } | { drop: true };

export function createRequestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = randomUUID();
    processRequest(deps, req, requestId)
      .then((outcome) => send(req, res, outcome, requestId))
      .catch((err) => {
        const e = err instanceof NotionError ? err : new NotionError(500, 'internal_server_error', `Emulator error: ${(err as Error)?.message ?? err}`);
        send(req, res, { status: e.status, body: e.body(requestId), headers: e.headers }, requestId);
      });
  };
}

async function processRequest(deps: ServerDeps, req: IncomingMessage, requestId: string): Promise<Outcome> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://emulator');
  const match = matchRoute(method, url.pathname);
  const key = match?.key ?? `${method} ${url.pathname}`;
  deps.counts.set(key, (deps.counts.get(key) ?? 0) + 1);

  const raw = await readBody(req);
  const latency = deps.faults.latencyFor(key);
  if (latency > 0) await deps.clock.sleep(latency);
  const fail = (e: NotionError): Outcome => ({ status: e.status, body: e.body(requestId), headers: e.headers });

  const auth = /^Bearer\s+(\S.*)$/i.exec(String(req.headers.authorization ?? ''));
  const token = auth?.[1].trim();
  if (!token || (deps.tokens && !deps.tokens.has(token))) return fail(unauthorized());
  const versionHeader = req.headers['notion-version'];
  if (versionHeader === undefined) return fail(missingVersion());
  const versionRaw = String(versionHeader);
  if (!VERSION_PATTERN.test(versionRaw)) return fail(validation(`Notion-Version header failed validation: \`${versionRaw}\` is not a valid version.`));

  const wait = deps.limiter.take(token);
  if (wait > 0) return fail(rateLimited(wait));

  const fault = deps.faults.roll(key);
  const applyThenFail = fault !== null && deps.faults.commitThenFail && match?.route.write === true;
  if (fault && !applyThenFail) return faultOutcome(fault, requestId);

  let outcome: Outcome;
  try {
    if (!match) throw invalidUrl(method, url.pathname);
    if (raw === 'too_large') throw new NotionError(413, 'validation_error', `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`);
    const body = parseBody(raw, method);
    const result = match.route.handler(deps.api, {
      params: match.params,
      query: url.searchParams,
      body,
      version: apiVersion(versionRaw),
      origin: `http://${req.headers.host ?? 'localhost'}`,
    });
    (result as Record<string, unknown>).request_id = requestId;
    outcome = { status: 200, body: result };
  } catch (err) {
    if (!(err instanceof NotionError)) throw err;
    outcome = fail(err);
  }
  // "Committed, then the response was lost": the write above happened, the client sees a failure.
  return applyThenFail ? faultOutcome(fault!, requestId) : outcome;
}

function faultOutcome(fault: NonNullable<ReturnType<FaultInjector['roll']>>, requestId: string): Outcome {
  if (fault.kind === 'drop') return { drop: true };
  if (fault.status === 502) {
    // What a proxy in front of Notion sends: HTML, no Notion error code (the SDK cannot parse it).
    return {
      status: 502,
      body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n',
      headers: { 'content-type': 'text/html', 'cf-ray': `${requestId.replace(/-/g, '').slice(0, 16)}-EMU` },
    };
  }
  const e = faultError(fault.status);
  return { status: e.status, body: e.body(requestId), headers: e.headers };
}

/** Reads the whole body; past the limit it keeps draining (so the client sees a 413, not a reset). */
function readBody(req: IncomingMessage): Promise<string | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too_large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, method: string): Record<string, any> {
  if (method === 'GET' || method === 'DELETE' || raw.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw invalidJson();
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validation('body failed validation: body should be an object.');
  return body as Record<string, any>;
}

function send(req: IncomingMessage, res: ServerResponse, outcome: Outcome, requestId: string): void {
  if ('drop' in outcome) {
    req.socket.destroy();
    return;
  }
  if (res.headersSent || res.destroyed) return;
  const isText = typeof outcome.body === 'string';
  const payload = isText ? (outcome.body as string) : JSON.stringify(outcome.body);
  res.writeHead(outcome.status, {
    'content-type': 'application/json; charset=utf-8',
    // A proxy's own error page carries no Notion request id.
    ...(isText ? {} : { 'x-notion-request-id': requestId }),
    ...outcome.headers,
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
