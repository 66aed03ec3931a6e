/**
 * The HTTP pipeline every request goes through: counters → body (≤ 1 MB) → route → OAuth token
 * endpoint, or auth → rate limit → injected faults → handler. Handlers run synchronously once the
 * body is read, so every write is atomic with respect to other requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../src/lib/clock.ts';
import { authError, faultError, GoogleError, rateLimited, rpcError, unknownRoute, v1Error, type Api } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import type { RateLimiter } from './rate-limit.ts';
import { apiForPath, matchRoute, NO_CONTENT, type ApiContext } from './routes.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerDeps {
  api: ApiContext;
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  counts: Map<string, number>;
}

type Outcome = { status: number; body: unknown; headers?: Record<string, string> } | { drop: true };

export function createRequestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    processRequest(deps, req)
      .then((outcome) => send(req, res, outcome))
      .catch((err) => {
        const path = new URL(req.url ?? '/', 'http://emulator').pathname;
        const e = err instanceof GoogleError ? err : internal(apiForPath(path), err);
        send(req, res, { status: e.status, body: e.payload, headers: e.headers });
      });
  };
}

function internal(api: Api, err: unknown): GoogleError {
  const message = `Emulator error: ${(err as Error)?.message ?? err}`;
  return api === 'people' ? rpcError(500, message) : v1Error(500, 'backendError', message);
}

async function processRequest(deps: ServerDeps, req: IncomingMessage): Promise<Outcome> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://emulator');
  const match = matchRoute(method, url.pathname);
  const key = match?.route.key ?? `${method} ${url.pathname}`;
  const api: Api = match?.route.api ?? apiForPath(url.pathname);
  deps.counts.set(key, (deps.counts.get(key) ?? 0) + 1);

  const raw = await readBody(req);
  const latency = deps.faults.latencyFor(key);
  if (latency > 0) await deps.clock.sleep(latency);
  const fail = (e: GoogleError): Outcome => ({ status: e.status, body: e.payload, headers: e.headers });

  let scopes: string[] = [];
  if (api !== 'oauth') {
    const auth = deps.api.tokens.check(req.headers.authorization);
    if (!auth.ok) return fail(authError(api, auth.missing));
    scopes = auth.scopes;
    const wait = deps.limiter.take(auth.token!);
    if (wait > 0) return fail(rateLimited(api, wait));
  }

  const fault = deps.faults.roll(key);
  const applyThenFail = fault !== null && deps.faults.commitThenFail && match?.route.write === true;
  if (fault && !applyThenFail) return faultOutcome(api, fault);

  let outcome: Outcome;
  try {
    if (!match) throw unknownRoute(api, method, url.pathname);
    if (raw === 'too_large') throw api === 'people' ? rpcError(413, 'Request payload too large.') : v1Error(413, 'uploadTooLarge', 'Request payload too large.');
    const isForm = String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
    const result = match.route.handler(deps.api, {
      params: match.params,
      query: url.searchParams,
      body: isForm || api === 'oauth' ? {} : parseBody(raw, method, api),
      form: isForm ? new URLSearchParams(raw) : formFromJson(raw),
      scopes,
    });
    outcome = result === NO_CONTENT ? { status: 204, body: '' } : { status: 200, body: result };
  } catch (err) {
    if (!(err instanceof GoogleError)) throw err;
    outcome = fail(err);
  }
  // "Committed, then the response was lost": the write above happened, the client sees a failure.
  return applyThenFail ? faultOutcome(api, fault!) : outcome;
}

function faultOutcome(api: Api, fault: NonNullable<ReturnType<FaultInjector['roll']>>): Outcome {
  if (fault.kind === 'drop') return { drop: true };
  if (fault.status === 502) {
    // What Google's front end sends for a 502: an HTML page, no JSON error.
    return {
      status: 502,
      body: '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 502 (Server Error)!!1</title>\n  <p><b>502.</b> <ins>That’s an error.</ins>\n  <p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n',
      headers: { 'content-type': 'text/html; charset=UTF-8' },
    };
  }
  const e = faultError(api, fault.status);
  return { status: e.status, body: e.payload, headers: e.headers };
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

function parseBody(raw: string | 'too_large', method: string, api: Api): Record<string, any> {
  if (raw === 'too_large' || method === 'GET' || method === 'DELETE' || raw.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    const message = `Invalid JSON payload received. ${(e as Error).message}`;
    throw api === 'people' ? rpcError(400, message) : v1Error(400, 'parseError', 'Parse Error');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw api === 'people' ? rpcError(400, 'Invalid JSON payload received. Expected an object.') : v1Error(400, 'parseError', 'Parse Error');
  }
  return body as Record<string, any>;
}

/** A token request sent as JSON instead of a form. */
function formFromJson(raw: string | 'too_large'): URLSearchParams {
  if (raw === 'too_large' || raw.trim() === '') return new URLSearchParams();
  try {
    const v = JSON.parse(raw);
    if (typeof v !== 'object' || v === null) return new URLSearchParams();
    return new URLSearchParams(Object.entries(v).map(([k, x]): [string, string] => [k, String(x)]));
  } catch {
    return new URLSearchParams();
  }
}

function send(req: IncomingMessage, res: ServerResponse, outcome: Outcome): void {
  if ('drop' in outcome) {
    req.socket.destroy();
    return;
  }
  if (res.headersSent || res.destroyed) return;
  if (outcome.status === 204) {
    res.writeHead(204, { vary: 'Origin, X-Origin, Referer', 'cache-control': 'private' });
    res.end();
    return;
  }
  const isText = typeof outcome.body === 'string';
  const payload = isText ? (outcome.body as string) : JSON.stringify(outcome.body);
  res.writeHead(outcome.status, {
    'content-type': 'application/json; charset=UTF-8',
    vary: 'Origin, X-Origin, Referer',
    'cache-control': 'private',
    ...outcome.headers,
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
