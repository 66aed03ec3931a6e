/**
 * Bad requests to the HTTP API (createApp, src/server/app.ts) and to POST /webhooks/notion: bad
 * query parameters and bodies, unknown datasets, missing or wrong tokens and signatures, oversized
 * and malformed bodies. Each gets a clean 4xx with a JSON `error` saying what is wrong; no run is
 * started; the server keeps answering (the test file checks both after every case, and ends with a
 * real sync through the same app).
 */
import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import type { Hono } from 'hono';
import { readState } from '../../src/store/index.ts';
import type { RunManager } from '../../src/scheduler/runManager.ts';
import type { Webhooks } from '../../src/server/webhooks/index.ts';
import type { Store } from '../../src/store/types.ts';
import type { Harness } from '../helpers/harness.ts';
import { messagePattern } from './config.cases.ts';
import type { CorpusArea, CorpusCase } from './support.ts';

export const API_TOKEN = 'corpus-api-token-0123456789abcdef';
export const WEBHOOK_TOKEN = 'secret_corpus_webhook_verification_0123';

export interface HttpCtx {
  h: Harness;
  store: Store;
  app: Hono;
  runs: RunManager;
  webhooks: Webhooks;
  /** app.request with the bearer token unless `token` says otherwise (null: no header). */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Runs the case is expected to start (default 0); the test file checks no other run started. */
  expectedRuns: number;
  /** The case sends an accepted event, which may look up the configured databases in Notion once. */
  routesEvents: boolean;
}

export const sign = (body: string | Uint8Array, token = WEBHOOK_TOKEN) => `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
const pageId = (n: number) => `0aa0003d-6b1c-4ee2-9c68-${String(n).padStart(12, '0')}`;

const exactly = (message: string) => new RegExp(`^${messagePattern(message).source}$`);

/** A request answered with `status` and `{"error": message}` (… = any text). */
function rejected(id: string, input: string, request: { path: string; method?: string; body?: NonNullable<RequestInit['body']>; headers?: Record<string, string>; token?: string | null }, status: number, message: string): CorpusCase<HttpCtx> {
  const pattern = exactly(message);
  return {
    id,
    input,
    outcome: `${status} "${message}"`,
    async run(ctx) {
      const res = await ctx.call(request.path, { method: request.method ?? 'POST', body: request.body, headers: request.headers, token: request.token });
      const body = (await res.json()) as { error?: string };
      expect({ status: res.status, error: body.error }).toMatchObject({ status, error: expect.stringMatching(pattern) });
    },
  };
}

const json = { 'content-type': 'application/json' };
const twoMegabytes = JSON.stringify({ page_ids: [], padding: 'x'.repeat(2 * 1024 * 1024) });
const event = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'evt-corpus-1',
    timestamp: '2026-03-02T09:00:00.000Z',
    type: 'page.properties_updated',
    authors: [{ id: 'e0e0e0e0-0000-4000-8000-0000000e5e55', type: 'person' }],
    entity: { id: pageId(1), type: 'page' },
    data: { parent: { id: pageId(2), type: 'database' } },
    ...overrides,
  });

/** A webhook POST answered with `status` and `{"error": message}`; no run starts. */
function webhook(id: string, input: string, body: string | Uint8Array, headers: Record<string, string>, status: number, message: string): CorpusCase<HttpCtx> {
  const pattern = exactly(message);
  return {
    id,
    input,
    outcome: `${status} "${message}"; no sync started`,
    async run(ctx) {
      const res = await ctx.call('/webhooks/notion', { method: 'POST', body: body as NonNullable<RequestInit['body']>, headers: { ...json, ...headers }, token: null });
      const answer = (await res.json()) as { error?: string };
      expect({ status: res.status, error: answer.error }).toMatchObject({ status, error: expect.stringMatching(pattern) });
      await ctx.webhooks.idle();
    },
  };
}

const cases: Array<CorpusCase<HttpCtx>> = [
  rejected('http-hours-abc', 'POST /sync/books?hours=abc', { path: '/sync/books?hours=abc' }, 400, 'query parameter hours must be a number of hours'),
  rejected('http-hours-negative', 'POST /sync/books?hours=-5', { path: '/sync/books?hours=-5' }, 400, 'query parameter hours must be a number of hours'),
  rejected('http-hours-zero', 'POST /sync/books?hours=0', { path: '/sync/books?hours=0' }, 400, 'query parameter hours must be more than 0 and at most 87600'),
  rejected('http-hours-huge', 'POST /sync/books?hours=99999999', { path: '/sync/books?hours=99999999' }, 400, 'query parameter hours must be more than 0 and at most 87600'),
  rejected('http-hours-exponent', 'POST /sync/books?hours=1e3', { path: '/sync/books?hours=1e3' }, 400, 'query parameter hours must be a number of hours'),
  rejected('http-unknown-dataset', 'POST /sync/movies', { path: '/sync/movies' }, 404, 'unknown dataset "movies": one of …books…, or all'),
  rejected('http-dataset-injection', "POST /sync/books'; DROP TABLE books; --", { path: `/sync/${encodeURIComponent("books'; DROP TABLE books; --")}` }, 404, 'unknown dataset "books\'; DROP TABLE books; --": one of …, or all'),
  rejected('http-bool-garbage', 'POST /sync/books?full=maybe', { path: '/sync/books?full=maybe' }, 400, 'query parameter full must be true or false'),
  rejected('http-unknown-param', 'POST /sync/books?hourz=2', { path: '/sync/books?hourz=2' }, 400, 'unknown query parameter(s): hourz'),
  rejected('http-body-not-json', 'POST /sync/books with body `{"full": tru`', { path: '/sync/books', body: '{"full": tru', headers: json }, 400, 'the body is not valid JSON'),
  rejected('http-body-array', 'POST /sync/books with body `[]`', { path: '/sync/books', body: '[]', headers: json }, 400, 'body field (body) Invalid input: expected object, received array'),
  rejected('http-body-wrong-type', 'POST /sync/books with body {"hours": "5"}', { path: '/sync/books', body: '{"hours": "5"}', headers: json }, 400, 'body field hours Invalid input: expected number, received string'),
  rejected('http-body-negative', 'POST /sync/books with body {"hours": -1}', { path: '/sync/books', body: '{"hours": -1}', headers: json }, 400, 'body field hours Too small: expected number to be >0'),
  rejected('http-body-unknown-field', 'POST /sync/books with body {"fulll": true}', { path: '/sync/books', body: '{"fulll": true}', headers: json }, 400, 'unknown body field(s): fulll'),
  rejected('http-body-proto', 'POST /sync/books with body {"__proto__": {"full": true}}', { path: '/sync/books', body: '{"__proto__": {"full": true}}', headers: json }, 400, 'unknown body field(s): __proto__'),
  rejected('http-page-ids-garbage', 'POST /sync/books with page_ids ["../../etc/passwd"]', { path: '/sync/books', body: '{"page_ids": ["../../etc/passwd"]}', headers: json }, 400, 'body field page_ids.0 must be a Notion page id'),
  rejected(
    'http-page-ids-101',
    'POST /sync/books with 101 page_ids',
    { path: '/sync/books', body: JSON.stringify({ page_ids: Array.from({ length: 101 }, (_, i) => pageId(i)) }), headers: json },
    400,
    'body field page_ids Too big: expected array to have <=100 items',
  ),
  rejected('http-page-ids-with-full', 'POST /sync/books with page_ids and full', { path: '/sync/books', body: JSON.stringify({ page_ids: [pageId(1)], full: true }), headers: json }, 400, 'page_ids syncs pages of one dataset: not with all, full or hours'),
  rejected('http-body-2mb', 'POST /sync/books with a 2 MB body', { path: '/sync/books', body: twoMegabytes, headers: json }, 413, 'the body is larger than 1048576 bytes'),
  rejected('http-no-token', 'POST /sync/books without Authorization', { path: '/sync/books', token: null }, 401, 'missing Authorization: Bearer <SYNC_API_TOKEN>'),
  rejected('http-wrong-token', 'POST /sync/books with a wrong bearer token', { path: '/sync/books', token: 'guess' }, 401, 'invalid token'),
  rejected('http-runs-limit-negative', 'GET /runs?limit=-1', { path: '/runs?limit=-1', method: 'GET' }, 400, 'query parameter limit must be a whole number'),
  rejected('http-runs-limit-zero', 'GET /runs?limit=0', { path: '/runs?limit=0', method: 'GET' }, 400, 'query parameter limit must be between 1 and 200'),
  rejected('http-run-id-injection', "GET /runs/1' OR '1'='1", { path: `/runs/${encodeURIComponent("1' OR '1'='1")}`, method: 'GET' }, 404, 'no run 1\' OR \'1\'=\'1 (unknown, or finished long ago)'),
  rejected('http-logs-since', 'GET /logs?since=yesterday', { path: '/logs?since=yesterday', method: 'GET' }, 400, 'query parameter since must be an ISO 8601 time, e.g. 2026-01-05T09:00:00Z'),
  rejected('http-logs-event-type', "GET /logs?event_type=x'; DROP TABLE sync_logs; --", { path: `/logs?event_type=${encodeURIComponent("x'; DROP TABLE sync_logs; --")}`, method: 'GET' }, 400, 'query parameter event_type must be an event type such as meetings_sync'),
  rejected('http-logs-limit-huge', 'GET /logs?limit=100000', { path: '/logs?limit=100000', method: 'GET' }, 400, 'query parameter limit must be between 1 and 1000'),
  rejected('http-unknown-route', 'POST /sync (no dataset)', { path: '/sync' }, 404, 'no route for POST /sync'),
  webhook('webhook-not-json', 'POST /webhooks/notion with `{"type": "page.created"` (cut off)', '{"type": "page.created"', {}, 400, 'the body is not JSON'),
  webhook('webhook-not-utf8', 'POST /webhooks/notion with bytes FF FE FD', new Uint8Array([0xff, 0xfe, 0xfd]), {}, 400, 'the body is not JSON'),
  webhook('webhook-empty', 'POST /webhooks/notion with an empty body', '', {}, 400, 'the body is not JSON'),
  webhook('webhook-2mb', 'POST /webhooks/notion with a 2 MB body', twoMegabytes, {}, 413, 'the body is larger than 1048576 bytes'),
  webhook('webhook-no-signature', 'a page event without X-Notion-Signature', event(), {}, 401, 'invalid X-Notion-Signature'),
  webhook('webhook-wrong-signature', 'a page event signed with another token', event(), { 'x-notion-signature': sign(event(), 'secret_someone_else') }, 401, 'invalid X-Notion-Signature'),
  webhook('webhook-signature-other-body', 'a valid signature of a different body (tampered event)', event({ type: 'page.deleted' }), { 'x-notion-signature': sign(event()) }, 401, 'invalid X-Notion-Signature'),
  webhook('webhook-signature-garbage', 'X-Notion-Signature of 10,000 characters', event(), { 'x-notion-signature': `sha256=${'z'.repeat(10_000)}` }, 401, 'invalid X-Notion-Signature'),
  webhook('webhook-signed-not-event', 'a correctly signed body that is not an event ({"type": 42})', '{"type": 42}', { 'x-notion-signature': sign('{"type": 42}') }, 400, 'not a Notion webhook event (expected id, type, entity)'),
  webhook('webhook-huge-id', 'a signed event whose entity id has 10,000 characters', event({ entity: { id: 'x'.repeat(10_000), type: 'page' } }), { 'x-notion-signature': sign(event({ entity: { id: 'x'.repeat(10_000), type: 'page' } })) }, 400, 'not a Notion webhook event (expected id, type, entity)'),
  {
    id: 'webhook-oversized-handshake',
    input: 'a "verification_token" of 600 characters (a forged handshake)',
    outcome: '401 (not a handshake, and unsigned); no token stored',
    async run(ctx) {
      const body = JSON.stringify({ verification_token: `secret_${'y'.repeat(593)}` });
      const res = await ctx.call('/webhooks/notion', { method: 'POST', body, headers: json, token: null });
      expect(res.status).toBe(401);
      expect(await readState(ctx.store, 'notion_webhook_verification_token')).toBeNull();
    },
  },
  {
    id: 'webhook-unknown-parent',
    input: 'a correctly signed page event for a database jarvis-sync does not sync',
    outcome: '200 (acknowledged so Notion does not retry), ignored: no sync started',
    async run(ctx) {
      ctx.routesEvents = true;
      const body = event();
      const res = await ctx.call('/webhooks/notion', { method: 'POST', body, headers: { ...json, 'x-notion-signature': sign(body) }, token: null });
      expect(res.status).toBe(200);
      await ctx.webhooks.idle();
    },
  },
  {
    id: 'webhook-replayed',
    input: 'the same signed event delivered twice',
    outcome: '200 both times, the second marked duplicate',
    async run(ctx) {
      ctx.routesEvents = true;
      const body = event({ id: 'evt-corpus-replay' });
      const headers = { ...json, 'x-notion-signature': sign(body) };
      expect(await (await ctx.call('/webhooks/notion', { method: 'POST', body, headers, token: null })).json()).toEqual({ ok: true });
      expect(await (await ctx.call('/webhooks/notion', { method: 'POST', body, headers, token: null })).json()).toEqual({ ok: true, duplicate: true });
      await ctx.webhooks.idle();
    },
  },
];

export const httpArea: CorpusArea<HttpCtx> = { area: 'HTTP API and webhooks', cases };
