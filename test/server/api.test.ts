/**
 * The HTTP API through `app.request()`: every endpoint, authentication, validation, the spec's
 * health shape, concurrency (409), asynchronous runs, metrics, logs and the OpenAPI document.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resultsToJson } from '../../src/engine/result.ts';
import { createApp } from '../../src/server/app.ts';
import { RunManager } from '../../src/scheduler/runManager.ts';
import { writeSyncLog } from '../../src/store/index.ts';
import { acquireLease } from '../../src/store/leases.ts';
import type { Store } from '../../src/store/types.ts';
import { noTimers } from '../helpers/leases.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { API_TOKEN, createServerHarness, gateLocks, GOOGLE_CHANNEL_TOKEN, NOTION_WEBHOOK_TOKEN, until, type ServerHarness } from './helpers.ts';

describe.each(storeBackends())('HTTP API on %s', (kind) => {
  let store: Store;
  let h: ServerHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createServerHarness(store);
  });
  afterEach(() => h.close());

  const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });

  describe('authentication', () => {
    const protectedRoutes: Array<[string, string]> = [
      ['POST', '/sync/meetings'],
      ['POST', '/sync/all'],
      ['GET', '/runs'],
      ['GET', '/runs/00000000-0000-4000-8000-000000000000'],
      ['GET', '/metrics'],
      ['GET', '/logs'],
      ['GET', '/openapi.json'],
    ];

    it.each(protectedRoutes)('%s %s answers 401 without a token and with a wrong one, and starts nothing', async (method, path) => {
      for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${API_TOKEN}x` }, { authorization: `Bearer ${API_TOKEN.slice(0, -1)}` }, { authorization: API_TOKEN }, { authorization: 'Basic abc' }]) {
        const r = await h.app.request(path, { method, headers });
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
        const body = await r.json();
        expect(body).toEqual({ error: expect.any(String) });
        expect(JSON.stringify(body)).not.toContain(API_TOKEN);
      }
      expect(h.runs.list()).toEqual([]);
    });

    it('/health and the webhook endpoints need no bearer token', async () => {
      expect((await h.call('/health', { token: null })).status).toBe(200);
      // Their own checks answer instead (401 here: no signature, no channel token), not the bearer middleware.
      const notion = await json(await h.call('/webhooks/notion', { method: 'POST', token: null, body: JSON.stringify({ id: 'e', type: 'page.created', entity: { id: 'p', type: 'page' } }) }));
      expect(notion).toEqual({ status: 401, body: { error: 'invalid X-Notion-Signature' } });
      const google = await json(await h.call('/webhooks/google/calendar', { method: 'POST', token: null, headers: { 'x-goog-channel-token': GOOGLE_CHANNEL_TOKEN, 'x-goog-resource-state': 'sync' } }));
      expect(google).toEqual({ status: 200, body: { ok: true } });
    });

    it('without a configured token, local requests pass but proxied and cross-origin ones do not', async () => {
      const app = createApp({ runs: h.runs, store, config: h.config, logger: h.ctx.logger, clock: h.clock, webhooks: h.webhooks, timers: h.timers, apiToken: null });
      expect((await app.request('/runs')).status).toBe(200);
      expect((await app.request('/runs', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(401);
      expect((await app.request('http://localhost/runs', { headers: { origin: 'https://evil.example' } })).status).toBe(401);
      expect((await app.request('http://localhost/runs', { headers: { origin: 'http://localhost' } })).status).toBe(200);
    });
  });

  describe('POST /sync/:dataset', () => {
    it('waits for the run and returns its summary in the CLI --json shape, with the run id', async () => {
      const { status, body } = await json(await h.call('/sync/journals', { method: 'POST' }));
      expect(status).toBe(200);
      const record = h.runs.get(body.run_id)!;
      expect(record).toMatchObject({ target: 'journals', trigger: 'http', status: 'success' });
      expect(body).toEqual({ run_id: record.id, ...JSON.parse(JSON.stringify(resultsToJson(record.results))) });
      expect(body.datasets).toEqual([expect.objectContaining({ dataset: 'journals', status: 'success', mode: 'full', created: 8 })]);
      const row = await store.query('SELECT count(*)::int AS n FROM journals');
      expect(row.rows[0].n).toBe(8);
    });

    it('passes the options through (hours, dry_run, force) from the query or a JSON body', async () => {
      await h.call('/sync/journals', { method: 'POST' });
      const dry = await json(await h.call('/sync/journals?hours=2&dry_run=true&force', { method: 'POST' }));
      expect(dry.status).toBe(200);
      expect(dry.body.datasets[0]).toMatchObject({ dataset: 'journals', mode: 'incremental', dry_run: true });
      expect(h.runs.get(dry.body.run_id)!.options).toEqual({ hours: 2, dryRun: true, force: true });
      const page = h.emulator.listPages(h.ids.journalsDataSource)[0]!;
      const targeted = await json(await h.call('/sync/journals', { method: 'POST', body: JSON.stringify({ page_ids: [page.id], dry_run: false }) }));
      expect(targeted.status).toBe(200);
      expect(h.runs.get(targeted.body.run_id)!.options).toEqual({ pageIds: [page.id] });
      expect(targeted.body.datasets[0]).toMatchObject({ dataset: 'journals', status: 'success', unchanged: 1 });
    });

    it('hours with full=true (the spec\'s endpoint takes both): the full run wins, and the answer says so', async () => {
      await h.call('/sync/journals', { method: 'POST' });
      const both = await json(await h.call('/sync/journals?hours=24&full=true', { method: 'POST' }));
      expect(both.status).toBe(200);
      expect(both.body.datasets[0]).toMatchObject({ dataset: 'journals', status: 'success', mode: 'full' });
      expect(both.body.note).toBe('full=true wins over hours=24: a full run reads every record on both sides, so the 24-hour window was not used');
      expect(h.runs.get(both.body.run_id)!.options).toEqual({ full: true });
      // The same in a JSON body, and when not waiting for the run.
      const started = await json(await h.call('/sync/journals?wait=false', { method: 'POST', body: JSON.stringify({ hours: 2, full: true }), headers: { 'content-type': 'application/json' } }));
      expect(started.status).toBe(202);
      expect(started.body.note).toMatch(/^full=true wins over hours=2: /);
      const record = (await h.runs.whenDone(started.body.run_id))!;
      expect(record.options).toEqual({ full: true });
      expect(record.results[0]).toMatchObject({ mode: 'full' });
      // Alone, hours is still the spec's window, and no note.
      const window = await json(await h.call('/sync/journals?hours=24', { method: 'POST' }));
      expect(window.body.datasets[0]).toMatchObject({ mode: 'incremental' });
      expect(window.body).not.toHaveProperty('note');
      expect(h.runs.get(window.body.run_id)!.options).toEqual({ hours: 24 });
    });

    it('POST /sync/all runs every dataset in the spec order and writes full_sync_complete', async () => {
      const { status, body } = await json(await h.call('/sync/all', { method: 'POST' }));
      expect(status).toBe(200);
      expect(body.datasets.map((d: any) => d.dataset)).toEqual(['contacts', 'contacts_google', 'meetings', 'tasks', 'reflections', 'journals', 'calendar', 'gmail', 'books', 'highlights']);
      const { rows } = await store.query(`SELECT count(*)::int AS n FROM sync_logs WHERE event_type = 'full_sync_complete'`);
      expect(rows[0].n).toBe(1);
    });

    it.each([
      ['/sync/movies', 404, /unknown dataset "movies": one of contacts, .*, or all/],
      ['/sync/meetings?hours=abc', 400, /query parameter hours must be a number of hours/],
      ['/sync/meetings?hours=0', 400, /hours must be more than 0/],
      ['/sync/meetings?full=maybe', 400, /query parameter full must be true or false/],
      ['/sync/meetings?dryrun=true', 400, /unknown query parameter\(s\): dryrun/],
      ['/sync/all?wait=false', 400, /unknown body field|page_ids/, JSON.stringify({ page_ids: ['not-an-id'] })],
      ['/sync/meetings', 400, /the body is not valid JSON/, '{"full":'],
      ['/sync/meetings', 400, /body field full expected boolean|body field full .*boolean/, JSON.stringify({ full: 'yes' })],
      ['/sync/meetings', 400, /unknown body field\(s\): since/, JSON.stringify({ since: 'yesterday' })],
      ['/sync/all', 400, /page_ids syncs pages of one dataset/, JSON.stringify({ page_ids: ['0a1b2c3d-0000-4000-8000-000000000001'] })],
    ])('%s → %i with a message', async (path, expected, message, body?: string) => {
      const r = await json(await h.call(path, { method: 'POST', ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}) }));
      expect(r.status).toBe(expected);
      expect(Object.keys(r.body)).toEqual(['error']);
      expect(r.body.error).toMatch(message);
      expect(h.runs.list()).toEqual([]);
    });

    it('ten concurrent POST /sync/meetings start exactly one run; the other nine get 409 with its id', async () => {
      await h.close();
      const gate = gateLocks(store);
      h = await createServerHarness(store, { runStore: gate.store });
      const settled: Response[] = [];
      const requests = Array.from({ length: 10 }, () => h.call('/sync/meetings', { method: 'POST' }).then((r) => (settled.push(r), r)));
      await until(() => settled.length === 9, 'nine answers');
      expect(h.runs.running()).toHaveLength(1);
      gate.release();
      const responses = await Promise.all(requests);
      const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as any })));
      const ok = bodies.filter((b) => b.status === 200);
      const conflicts = bodies.filter((b) => b.status === 409);
      expect(ok).toHaveLength(1);
      expect(conflicts).toHaveLength(9);
      for (const c of conflicts) expect(c.body).toEqual({ error: expect.stringMatching(/already running/), run_id: ok[0]!.body.run_id });
      expect(h.runs.list()).toHaveLength(1);
      const { rows } = await store.query(`SELECT count(*)::int AS n FROM sync_logs WHERE event_type = 'meetings_sync'`);
      expect(rows[0].n).toBe(1);
    });

    it('all blocks every dataset and any dataset blocks all; different datasets run side by side', async () => {
      await h.close();
      const gate = gateLocks(store);
      h = await createServerHarness(store, { runStore: gate.store });
      const journals = h.runs.start('journals', {}, 'http');
      const books = h.runs.start('books', {}, 'http');
      expect('run' in journals && 'run' in books).toBe(true);
      expect(h.runs.start('all', {}, 'schedule')).toEqual({ conflict: expect.any(String) });
      const all = await json(await h.call('/sync/all', { method: 'POST' }));
      expect(all.status).toBe(409);
      gate.release();
      await h.runs.idle();
      gate.close();
      const allRun = h.runs.start('all', {}, 'schedule');
      expect('run' in allRun).toBe(true);
      const blocked = await json(await h.call('/sync/tasks', { method: 'POST' }));
      expect(blocked).toEqual({ status: 409, body: { error: expect.any(String), run_id: (allRun as any).run.id } });
      gate.release();
      await h.runs.idle();
    });

    it('a dataset another process is syncing (it holds the lease) answers 409 naming the holder', async () => {
      const held = await acquireLease(store, 'dataset:meetings', { identity: { owner: 'nas pid 7', process: null }, timers: noTimers });
      if (!held.ok) throw new Error('lease not taken');
      try {
        const r = await json(await h.call('/sync/meetings', { method: 'POST' }));
        expect(r.status).toBe(409);
        expect(r.body).toEqual({ error: expect.stringMatching(/^another sync of meetings is already running \(held by nas pid 7 since \d{4}-.*Z .*\); try again when it finishes$/), run_id: expect.any(String) });
        expect(h.runs.get(r.body.run_id)).toMatchObject({ status: 'error', locked: ['meetings'] });
      } finally {
        await held.lease.release();
      }
    });
  });

  describe('asynchronous runs', () => {
    it('wait=false answers 202 with the run id; GET /runs/:id shows it running, then its summary', async () => {
      await h.close();
      const gate = gateLocks(store);
      h = await createServerHarness(store, { runStore: gate.store });
      const started = await json(await h.call('/sync/reflections?wait=false', { method: 'POST' }));
      expect(started).toEqual({ status: 202, body: { run_id: expect.any(String), status: 'running', href: `/runs/${started.body.run_id}` } });
      const running = await json(await h.call(`/runs/${started.body.run_id}`));
      expect(running).toEqual({
        status: 200,
        body: { run_id: started.body.run_id, target: 'reflections', trigger: 'http', status: 'running', started_at: '2026-03-02T09:00:00.000Z', finished_at: null, options: {}, summary: null },
      });
      gate.release();
      await h.runs.idle();
      const done = await json(await h.call(`/runs/${started.body.run_id}`));
      expect(done.body).toMatchObject({ status: 'success', finished_at: expect.any(String), summary: { status: 'success', datasets: [expect.objectContaining({ dataset: 'reflections', created: 6 })] } });
      const list = await json(await h.call('/runs?limit=5'));
      expect(list.body.runs).toEqual([expect.objectContaining({ run_id: started.body.run_id, status: 'success' })]);
      expect(list.body.runs[0]).not.toHaveProperty('summary');
    });

    it('GET /runs/:id of an unknown run is 404; GET /runs?limit=0 is 400', async () => {
      expect(await json(await h.call('/runs/nope'))).toEqual({ status: 404, body: { error: 'no run nope (unknown, or finished long ago)' } });
      expect((await json(await h.call('/runs?limit=0'))).body.error).toMatch(/limit must be between 1 and 200/);
    });
  });

  describe('GET /health', () => {
    const keys = (o: object) => Object.keys(o).sort();

    it('has exactly the spec’s keys, before any sync', async () => {
      const { status, body } = await json(await h.call('/health', { token: null }));
      expect(status).toBe(200);
      expect(keys(body)).toEqual(['stats', 'status', 'sync_status']);
      expect(keys(body.sync_status)).toEqual(['last_sync_duration_seconds', 'last_sync_end', 'last_sync_start', 'sync_in_progress']);
      expect(keys(body.stats)).toEqual(['success_rate', 'total_syncs_24h']);
      expect(body).toEqual({
        status: 'healthy',
        sync_status: { sync_in_progress: false, last_sync_start: null, last_sync_end: null, last_sync_duration_seconds: null },
        stats: { total_syncs_24h: 0, success_rate: '100.0%' },
      });
    });

    it('counts a sync all as one sync and a single-dataset run as one, from sync_logs', async () => {
      await h.call('/sync/all', { method: 'POST' });
      h.clock.advance(60_000);
      await h.call('/sync/journals', { method: 'POST' });
      const { body } = await json(await h.call('/health', { token: null }));
      expect(body.status).toBe('healthy');
      expect(body.stats).toEqual({ total_syncs_24h: 2, success_rate: '100.0%' });
      const { rows } = await store.query(`SELECT start_time, end_time FROM sync_logs WHERE event_type = 'journals_sync' ORDER BY end_time DESC LIMIT 1`);
      expect(body.sync_status).toEqual({
        sync_in_progress: false,
        last_sync_start: rows[0].start_time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        last_sync_end: rows[0].end_time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        last_sync_duration_seconds: Math.round((rows[0].end_time - rows[0].start_time) / 100) / 10,
      });
    });

    it('computes the spec’s figures: 96 syncs in 24 hours at 99.2% (rounded down), the last one’s times; degraded while a dataset fails', async () => {
      const now = h.clock.now();
      const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
      for (let i = 0; i < 125; i++) {
        // 125 syncs: 1 failed → 99.2%; the oldest 29 are more than a day old.
        const end = at(i * 15 + 1);
        await writeSyncLog(store, { eventType: 'full_sync_complete', status: i === 40 ? 'error' : 'success', message: '', startTime: new Date(end.getTime() - 90_000), endTime: end });
      }
      let { body } = await json(await h.call('/health', { token: null }));
      expect(body).toEqual({
        status: 'healthy',
        sync_status: { sync_in_progress: false, last_sync_start: at(2.5).toISOString().replace(/\.\d{3}Z$/, 'Z'), last_sync_end: at(1).toISOString().replace(/\.\d{3}Z$/, 'Z'), last_sync_duration_seconds: 90 },
        // 95 of 96 = 98.96%: rounded down, a failure never reads as a better rate.
        stats: { total_syncs_24h: 96, success_rate: '98.9%' },
      });
      await writeSyncLog(store, { eventType: 'books_sync', status: 'error', message: 'boom', startTime: at(0.5), endTime: at(0.4) });
      ({ body } = await json(await h.call('/health', { token: null })));
      expect(body.status).toBe('degraded');
      expect(body.stats).toEqual({ total_syncs_24h: 97, success_rate: '97.9%' });
      // The dataset recovers: healthy again.
      await writeSyncLog(store, { eventType: 'books_sync', status: 'success', message: 'ok', startTime: at(0.3), endTime: at(0.2) });
      ({ body } = await json(await h.call('/health', { token: null })));
      expect(body.status).toBe('healthy');
    });

    it('shows a run in progress, and labels demo mode', async () => {
      await h.close();
      const gate = gateLocks(store);
      h = await createServerHarness(store, { runStore: gate.store, mode: 'demo' });
      h.runs.start('books', {}, 'schedule');
      const { body } = await json(await h.call('/health', { token: null }));
      expect(body.mode).toBe('demo');
      expect(body.sync_status.sync_in_progress).toBe(true);
      expect(Object.keys(body).sort()).toEqual(['mode', 'stats', 'status', 'sync_status']);
      gate.release();
      await h.runs.idle();
    });

    it('is unhealthy (503, same shape) when the database cannot be read', async () => {
      const broken = Object.create(store) as Store;
      broken.query = async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      };
      const app = createApp({ runs: h.runs, store: broken, config: h.config, logger: h.ctx.logger, clock: h.clock, webhooks: h.webhooks, timers: h.timers });
      const r = await app.request('/health');
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({
        status: 'unhealthy',
        sync_status: { sync_in_progress: false, last_sync_start: null, last_sync_end: null, last_sync_duration_seconds: null },
        stats: { total_syncs_24h: 0, success_rate: '100.0%' },
      });
      // Other endpoints needing the database: 503 with a message, not a stack.
      const logs = await app.request('/logs', { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(logs.status).toBe(503);
      expect(await logs.json()).toEqual({ error: 'the database is unavailable; see the server log' });
    });

    it('is unhealthy when the database does not answer in time', async () => {
      const hanging = Object.create(store) as Store;
      hanging.query = () => new Promise(() => undefined);
      const app = createApp({ runs: h.runs, store: hanging, config: h.config, logger: h.ctx.logger, clock: h.clock, webhooks: h.webhooks, timers: h.timers, healthTimeoutMs: 2000 });
      const pending = app.request('/health');
      await until(() => h.timers.count > 0, 'the health timeout timer');
      await h.timers.advance(2000);
      const r = await pending;
      expect(r.status).toBe(503);
      expect(((await r.json()) as any).status).toBe('unhealthy');
    });
  });

  describe('GET /metrics', () => {
    it('is Prometheus text that parses, with runs, records, conflicts, API requests and durations', async () => {
      await h.call('/sync/all', { method: 'POST' });
      const r = await h.call('/metrics');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const metrics = parsePrometheus(await r.text());
      expect(metrics.types).toEqual({
        jarvis_sync_runs_total: 'counter',
        jarvis_sync_records_total: 'counter',
        jarvis_sync_record_errors_total: 'counter',
        jarvis_sync_conflicts_total: 'counter',
        jarvis_sync_api_requests_total: 'counter',
        jarvis_sync_api_rate_limited_total: 'counter',
        jarvis_sync_run_duration_seconds: 'histogram',
        jarvis_sync_last_run_timestamp_seconds: 'gauge',
        jarvis_sync_run_in_progress: 'gauge',
        // Declared even before any change is measured (test/server/metricsLag.test.ts fills them).
        jarvis_sync_change_lag_seconds: 'histogram',
        jarvis_sync_change_arrival: 'gauge',
        jarvis_sync_change_last_lag_seconds: 'gauge',
      });
      const v = (name: string, labels: string) => metrics.samples.get(`${name}{${labels}}`);
      expect(v('jarvis_sync_runs_total', 'dataset="meetings",status="success"')).toBe(1);
      expect(v('jarvis_sync_runs_total', 'dataset="books",status="skipped"')).toBe(1);
      expect(v('jarvis_sync_records_total', 'dataset="tasks",action="created"')).toBe(15);
      expect(v('jarvis_sync_record_errors_total', 'dataset="journals"')).toBe(0);
      expect(v('jarvis_sync_conflicts_total', 'dataset="meetings"')).toBe(0);
      expect(v('jarvis_sync_api_requests_total', 'provider="notion"')).toBe(h.ctx.notion.stats.requests);
      expect(v('jarvis_sync_api_rate_limited_total', 'provider="notion"')).toBe(0);
      expect(v('jarvis_sync_run_duration_seconds_count', 'dataset="meetings"')).toBe(1);
      expect(v('jarvis_sync_run_duration_seconds_bucket', 'dataset="meetings",le="+Inf"')).toBe(1);
      expect(metrics.samples.get('jarvis_sync_run_in_progress')).toBe(0);
    });
  });

  describe('GET /logs', () => {
    it('returns recent sync_logs newest first, filtered by event_type, status, since and limit', async () => {
      await h.call('/sync/journals', { method: 'POST' });
      await writeSyncLog(store, { eventType: 'books_sync', status: 'error', message: 'older failure', createdAt: new Date('2020-01-01T00:00:00Z') });
      const all = await json(await h.call('/logs'));
      expect(all.status).toBe(200);
      // The run's summary, then (as old) the other tool's row; the journals the run created each have their change row.
      const runs = all.body.logs.filter((l: any) => !l.changed_fields);
      expect(runs.map((l: any) => l.event_type)).toEqual(['journals_sync', 'books_sync']);
      expect(Object.keys(all.body.logs[0]).sort()).toEqual(
        ['changed_fields', 'created_at', 'dataset', 'details', 'end_time', 'event_type', 'google_id', 'id', 'message', 'notion_page_id', 'record_id', 'run_id', 'start_time', 'status'],
      );
      const ofRun = (await json(await h.call(`/logs?run_id=${runs[0].id}`))).body.logs;
      expect(ofRun.length).toBeGreaterThan(1);
      expect(new Set(ofRun.map((l: any) => l.event_type))).toEqual(new Set(['journals_sync', 'create_supabase_journal']));
      expect((await json(await h.call('/logs?status=error'))).body.logs.map((l: any) => l.message)).toEqual(['older failure']);
      expect((await json(await h.call('/logs?event_type=journals_sync&limit=1'))).body.logs).toHaveLength(1);
      expect((await json(await h.call('/logs?since=2021-01-01T00:00:00Z&event_type=journals_sync'))).body.logs.map((l: any) => l.event_type)).toEqual(['journals_sync']);
      expect((await json(await h.call('/logs?since=2021-01-01T00:00:00Z'))).body.logs.map((l: any) => l.event_type)).not.toContain('books_sync');
      for (const bad of ['limit=0', 'limit=x', 'status=ok', 'since=yesterday', 'event_type=DROP%20TABLE', 'order=asc', 'run_id=42']) {
        const r = await json(await h.call(`/logs?${bad}`));
        expect(r.status).toBe(400);
        expect(r.body.error).toEqual(expect.any(String));
      }
    });

    it('never shows a credential, even from rows another tool wrote', async () => {
      const secrets = [API_TOKEN, NOTION_WEBHOOK_TOKEN, GOOGLE_CHANNEL_TOKEN, 'secret_two_way'];
      // Written with raw SQL, as a tool without our redaction would.
      await store.query(
        `INSERT INTO sync_logs (event_type, status, message, details) VALUES ('legacy_sync', 'error', $1, $2::jsonb)`,
        [
          `failed calling with ${API_TOKEN} and Bearer ${NOTION_WEBHOOK_TOKEN}`,
          JSON.stringify({ token: API_TOKEN, nested: { note: `channel ${GOOGLE_CHANNEL_TOKEN}`, authorization: 'Bearer abc' }, notion: 'secret_two_way', list: [API_TOKEN] }),
        ],
      );
      await h.call('/sync/meetings', { method: 'POST' });
      const r = await h.call('/logs?limit=1000');
      const text = await r.text();
      expect(r.status).toBe(200);
      for (const s of secrets) expect(text).not.toContain(s);
      const legacy = (JSON.parse(text) as any).logs.find((l: any) => l.event_type === 'legacy_sync');
      expect(legacy.message).toBe('failed calling with [redacted] and Bearer [redacted]');
      expect(legacy.details).toEqual({ nested: { note: 'channel [redacted]' }, notion: '[redacted]', list: ['[redacted]'] });
    });
  });

  describe('GET /openapi.json', () => {
    it('is an OpenAPI 3.1 document describing every route the app serves', async () => {
      const { status, body } = await json(await h.call('/openapi.json'));
      expect(status).toBe(200);
      expect(body.openapi).toBe('3.1.0');
      const documented = new Set(Object.entries(body.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)));
      const served = h.app.routes.filter((r) => r.method !== 'ALL' && r.path !== '/').map((r) => `${r.method} ${r.path}`);
      expect(served.length).toBeGreaterThan(8);
      for (const route of served) expect(documented).toContain(route);
      expect(body.paths['/sync/{dataset}'].post.parameters[0].schema.enum).toContain('meetings');
      expect(body.paths['/health'].get.security).toEqual([]);
      expect(body.components.schemas.Health.required).toEqual(['status', 'sync_status', 'stats']);
    });
  });

  describe('errors', () => {
    it('an unknown route is a JSON 404; a thrown error is a JSON 500 without its details', async () => {
      expect(await json(await h.call('/nope'))).toEqual({ status: 404, body: { error: 'no route for GET /nope' } });
      const runs = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock });
      runs.start = () => {
        throw new Error(`kaboom with ${API_TOKEN}`);
      };
      const app = createApp({ runs, store, config: h.config, logger: h.ctx.logger, clock: h.clock, webhooks: h.webhooks, timers: h.timers });
      const r = await app.request('/sync/meetings', { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(r.status).toBe(500);
      expect(await r.json()).toEqual({ error: 'internal error; see the server log' });
    });

    it('a run that fails as a whole answers 500 with its message and run id', async () => {
      const runs = new RunManager({ context: { ...h.ctx, store: Object.assign(Object.create(store), {
        query: async (text: string, params?: unknown[]) => {
          if (/jarvis_sync\.leases/.test(text)) throw new Error('lock table exploded');
          return store.query(text, params);
        },
      }) }, logger: h.ctx.logger, clock: h.clock });
      const app = createApp({ runs, store, config: h.config, logger: h.ctx.logger, clock: h.clock, webhooks: h.webhooks, timers: h.timers });
      const r = await app.request('/sync/meetings', { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(r.status).toBe(500);
      expect(await r.json()).toMatchObject({ error: 'lock table exploded', run_id: expect.any(String), status: 'error', datasets: [] });
    });

    it('refuses new runs with 503 once the service is draining', async () => {
      await h.runs.drain(1000);
      expect(await json(await h.call('/sync/meetings', { method: 'POST' }))).toEqual({ status: 503, body: { error: 'the service is shutting down; no new runs are started' } });
    });

    it('limits body size (413)', async () => {
      const r = await h.call('/sync/meetings', { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1), headers: { 'content-length': String(1024 * 1024 + 1) } });
      expect(r.status).toBe(413);
    });
  });

});

/** A strict reader of the text exposition format: every line is a comment or a well-formed sample. */
function parsePrometheus(text: string): { types: Record<string, string>; samples: Map<string, number> } {
  expect(text.endsWith('\n')).toBe(true);
  const types: Record<string, string> = {};
  const helps = new Set<string>();
  const samples = new Map<string, number>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)\})? (-?[0-9.e+-]+|[+-]Inf|NaN)$/;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      helps.add(line.split(' ')[2]!);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(type);
      types[name!] = type!;
      continue;
    }
    const m = sample.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const family = Object.keys(types).find((t) => m[1] === t || m[1]!.startsWith(`${t}_`));
    if (!family) throw new Error(`sample ${m[1]} has no # TYPE`);
    samples.set(m[2] ? `${m[1]}{${m[3]}}` : m[1]!, Number(m[4]));
  }
  for (const t of Object.keys(types)) expect(helps).toContain(t);
  return { types, samples };
}
