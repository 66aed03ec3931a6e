/**
 * The HTTP API (Hono): testable with `app.request()`, served by @hono/node-server (see http.ts).
 *
 *   POST /sync/:dataset   POST /sync/all     run a sync (wait for its summary, or 202 + run id)
 *   GET  /runs            GET  /runs/:id     runs of this process
 *   GET  /health                             the spec's health shape (no token)
 *   GET  /metrics                            Prometheus text
 *   GET  /logs                               recent sync_logs
 *   GET  /openapi.json                       the OpenAPI 3.1 description
 *   POST /webhooks/notion                    Notion webhooks (signature-checked, no token)
 *   POST /webhooks/google/calendar           Google Calendar push (channel-token-checked, no token)
 *   /                                        the dashboard, when mounted
 *
 * One error boundary turns everything thrown into `{"error": …}` with the right status.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { RunOptions } from '../engine/context.ts';
import { resultsToJson } from '../engine/result.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { systemTimers, type Timers } from '../lib/timers.ts';
import { ShuttingDownError, UnknownTargetError, type RunManager, type RunRecord } from '../scheduler/runManager.ts';
import { recentSyncLogs, redactString } from '../store/index.ts';
import { pendingLogsFor } from '../store/pendingLogs.ts';
import type { Sql } from '../store/types.ts';
import { requireBearer } from './auth.ts';
import { computeHealth } from './health.ts';
import { Metrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { configuredSecrets, maskSecrets } from './secrets.ts';
import { createWebhooks, receiveCalendarPush, type Webhooks } from './webhooks/index.ts';

export interface AppDeps {
  runs: RunManager;
  store: Sql;
  config: Config;
  logger: Logger;
  clock: Clock;
  /** Default config.server.apiToken. null: no token (the server must then listen on loopback only). */
  apiToken?: string | null;
  /** 'demo' labels /health (`"mode": "demo"`). */
  mode?: 'live' | 'demo';
  /** Default: created from the other deps (with `timers`). */
  webhooks?: Webhooks;
  timers?: Timers;
  /**
   * What GET /metrics shows: give the RunManager the same one (`new RunManager({ metrics, … })`),
   * which counts every finished run into it. Default: a new one, which counts no runs.
   */
  metrics?: Metrics;
  /** The dashboard's routes, mounted at `/` (its `/api/*` routes behind the bearer token). */
  dashboard?: Hono;
  /** /health answers `unhealthy` when the database does not answer within this time (default 5 s). */
  healthTimeoutMs?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(deps: AppDeps): Hono {
  const { runs, store, config, logger } = deps;
  const timers = deps.timers ?? systemTimers;
  const metrics = deps.metrics ?? new Metrics();
  const apiToken = deps.apiToken !== undefined ? deps.apiToken : config.server.apiToken;
  const webhooks =
    deps.webhooks ?? createWebhooks({ runs, store, config, notion: runs.context.notion, logger, clock: deps.clock, timers });
  const secrets = configuredSecrets(config);
  const datasetNames = config.datasets.map((d) => d.name);
  const app = new Hono();

  app.onError((err, c) => errorResponse(err, c, logger, secrets));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'http request');
  });
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `the body is larger than ${MAX_BODY_BYTES} bytes` }, 413) }));
  const auth = requireBearer(apiToken);
  for (const path of ['/sync/*', '/runs', '/runs/*', '/metrics', '/logs', '/openapi.json', '/api/*']) app.use(path, auth);

  // ---- syncs ------------------------------------------------------------------------------------

  app.post('/sync/:dataset', async (c) => {
    const target = c.req.param('dataset');
    if (target !== 'all' && !datasetNames.includes(target)) throw new HTTPException(404, { message: `unknown dataset "${target}": one of ${datasetNames.join(', ')}, or all` });
    const query = parseOr400(syncQuerySchema, c.req.query(), 'query');
    const body = parseOr400(syncBodySchema, await jsonBody(c), 'body');
    const o = { ...query, ...body };
    if (o.page_ids && (target === 'all' || o.full || o.hours !== undefined)) throw new HTTPException(400, { message: 'page_ids syncs pages of one dataset: not with all, full or hours' });
    // The spec's endpoint takes both (`run_sync(full_sync=full, since_hours=hours)`): a full run reads
    // everything, which covers any window, so it wins — and the answer says the window was not used.
    const note = o.full && o.hours !== undefined ? fullWinsNote(o.hours) : undefined;
    const opts: RunOptions = {
      ...(o.full ? { full: true } : {}),
      ...(o.hours !== undefined && !o.full ? { hours: o.hours } : {}),
      ...(o.dry_run ? { dryRun: true } : {}),
      ...(o.force ? { force: true } : {}),
      ...(o.page_ids ? { pageIds: o.page_ids } : {}),
    };
    const started = runs.start(target, opts, 'http');
    if ('conflict' in started) {
      const running = runs.get(started.conflict)?.target ?? target;
      const what = running === 'all' ? 'a sync of all datasets' : `a sync of ${running}`;
      return c.json({ error: `${what} is already running; try again when it finishes (GET /runs/${started.conflict})`, run_id: started.conflict }, 409);
    }
    if (o.wait === false) {
      c.header('Location', `/runs/${started.run.id}`);
      return c.json({ run_id: started.run.id, status: 'running', href: `/runs/${started.run.id}`, ...(note ? { note } : {}) }, 202);
    }
    const record = await started.done;
    const summary = { run_id: record.id, ...resultsToJson(record.results), ...(note ? { note } : {}) };
    if (record.error) return c.json({ error: record.error, ...summary, status: 'error' }, 500);
    if (target !== 'all' && record.locked?.includes(target)) {
      const lockedResult = record.results.find((r) => r.dataset === target && r.status === 'locked');
      return c.json({ error: lockedResult?.message ?? `another jarvis-sync instance is syncing ${target}; try again when it finishes`, run_id: record.id }, 409);
    }
    return c.json(summary, 200);
  });

  app.get('/runs', (c) => {
    const { limit } = parseOr400(z.object({ limit: intParam(1, 200).optional() }).strict(), c.req.query(), 'query');
    return c.json({ runs: runs.list().slice(0, limit ?? 50).map((r) => runJson(r, false)) });
  });

  app.get('/runs/:id', (c) => {
    const record = runs.get(c.req.param('id'));
    if (!record) throw new HTTPException(404, { message: `no run ${c.req.param('id')} (unknown, or finished long ago)` });
    return c.json(runJson(record, true));
  });

  // ---- monitoring --------------------------------------------------------------------------------

  app.get('/health', async (c) => {
    const timeoutMs = deps.healthTimeoutMs ?? 5000;
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = timers.setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const health = computeHealth({
      store: { query: <T,>(text: string, params?: unknown[]) => Promise.race([store.query<T>(text, params), timeout]), transaction: (fn) => store.transaction(fn) },
      now: () => deps.clock.now(),
      syncInProgress: () => runs.running().length > 0,
      mode: deps.mode,
      // Kept rows are looked up by the runs' store, the one their logRun wrote through.
      pending: () => pendingLogsFor(runs.context.store).entries(),
    });
    const { body, httpStatus, error } = await health.finally(() => timers.clearTimeout(timer));
    if (error) logger.error({ err: redactString((error as Error).message ?? String(error)) }, 'health: the database cannot be read');
    c.header('Cache-Control', 'no-store');
    return c.json(body, httpStatus as ContentfulStatusCode);
  });

  app.get('/metrics', (c) => {
    const ctx = runs.context;
    const text = metrics.render({
      inProgress: runs.running().length,
      providers: { notion: ctx.notion.stats, google: ctx.google?.stats },
    });
    return c.text(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  app.get('/logs', async (c) => {
    const q = parseOr400(logsQuerySchema, c.req.query(), 'query');
    const rows = await recentSyncLogs(store, { limit: q.limit ?? 100, eventType: q.event_type, status: q.status, since: q.since, runId: q.run_id });
    const logs = rows.map((r) => ({
      id: r.id,
      event_type: r.eventType,
      status: r.status,
      message: r.message,
      details: r.details,
      created_at: r.createdAt,
      start_time: r.startTime,
      end_time: r.endTime,
      run_id: r.runId,
      dataset: r.dataset,
      record_id: r.recordId,
      notion_page_id: r.notionPageId,
      google_id: r.googleId,
      changed_fields: r.changedFields,
    }));
    return c.json({ logs: maskSecrets(logs, secrets) });
  });

  app.get('/openapi.json', (c) => c.json(openApiDocument({ datasets: datasetNames })));

  // ---- webhooks (their own verification, no bearer token) ----------------------------------------

  app.post('/webhooks/notion', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const answer = await webhooks.notion.receive(raw, c.req.header('x-notion-signature'));
    return c.json(answer.body, answer.status);
  });

  app.post('/webhooks/google/calendar', (c) => {
    const answer = receiveCalendarPush({ config, dispatcher: webhooks.dispatcher, logger }, (name) => c.req.header(name));
    return c.json(answer.body, answer.status);
  });

  // ---- the dashboard, or an index -----------------------------------------------------------------

  if (deps.dashboard) app.route('/', deps.dashboard);
  else {
    app.get('/', (c) =>
      c.json({ name: 'jarvis-sync', ...(deps.mode === 'demo' ? { mode: 'demo' } : {}), health: '/health', api: '/openapi.json' }),
    );
  }
  return app;
}

/** The answer's `note` when both hours and full were asked for. */
export function fullWinsNote(hours: number): string {
  return `full=true wins over hours=${hours}: a full run reads every record on both sides, so the ${hours}-hour window was not used`;
}

// ---- validation ------------------------------------------------------------------------------------

const boolParam = z.enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' }).transform((v) => v !== 'false' && v !== '0');

function intParam(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, { error: 'must be a whole number' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `must be between ${min} and ${max}` });
}

const hoursParam = z
  .string()
  .regex(/^\d+(\.\d+)?$/, { error: 'must be a number of hours' })
  .transform(Number)
  .refine((n) => n > 0 && n <= 87_600, { error: 'must be more than 0 and at most 87600' });

const syncQuerySchema = z
  .object({ hours: hoursParam.optional(), full: boolParam.optional(), dry_run: boolParam.optional(), force: boolParam.optional(), wait: boolParam.optional() })
  .strict();

const pageId = z.string().regex(/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/, { error: 'must be a Notion page id' });

const syncBodySchema = z
  .object({
    hours: z.number().gt(0).max(87_600).optional(),
    full: z.boolean().optional(),
    dry_run: z.boolean().optional(),
    force: z.boolean().optional(),
    wait: z.boolean().optional(),
    page_ids: z.array(pageId).min(1).max(100).optional(),
  })
  .strict();

const logsQuerySchema = z
  .object({
    limit: intParam(1, 1000).optional(),
    event_type: z.string().regex(/^[a-z0-9_]{1,100}$/, { error: 'must be an event type such as meetings_sync' }).optional(),
    status: z.enum(['success', 'error', 'warning'], { error: 'must be success, error or warning' }).optional(),
    since: z
      .string()
      .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), { error: 'must be an ISO 8601 time, e.g. 2026-01-05T09:00:00Z' })
      .transform((s) => new Date(s))
      .optional(),
    run_id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { error: 'must be a run id (the uuid of its summary row)' }).optional(),
  })
  .strict();

function parseOr400<T extends z.ZodType>(schema: T, input: unknown, where: 'query' | 'body'): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const name = issue.path.join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown ${where === 'query' ? 'query parameter' : 'body field'}(s): ${issue.keys.join(', ')}`
      : `${where === 'query' ? 'query parameter' : 'body field'} ${name || '(body)'} ${issue.message}`;
  throw new HTTPException(400, { message });
}

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HTTPException(400, { message: 'the body is not valid JSON' });
  }
}

// ---- responses -------------------------------------------------------------------------------------

function runJson(r: RunRecord, withSummary: boolean) {
  return {
    run_id: r.id,
    target: r.target,
    trigger: r.trigger,
    status: r.status,
    started_at: r.startedAt,
    finished_at: r.finishedAt ?? null,
    options: {
      ...(r.options.full ? { full: true } : {}),
      ...(r.options.hours !== undefined ? { hours: r.options.hours } : {}),
      ...(r.options.dryRun ? { dry_run: true } : {}),
      ...(r.options.force ? { force: true } : {}),
      ...(r.options.pageIds ? { page_ids: r.options.pageIds } : {}),
    },
    ...(r.error ? { error: r.error } : {}),
    ...(r.locked ? { locked: r.locked } : {}),
    ...(r.status === 'running' && r.progress ? { progress: r.progress } : {}),
    ...(withSummary ? { summary: r.results.length ? resultsToJson(r.results) : null } : {}),
  };
}

function errorResponse(err: Error, c: Context, logger: Logger, secrets: string[]): Response {
  if (err instanceof HTTPException) {
    if (err.res) return err.getResponse();
    return c.json({ error: err.message }, err.status);
  }
  if (err instanceof UnknownTargetError) return c.json({ error: err.message }, 404);
  if (err instanceof ShuttingDownError) return c.json({ error: err.message }, 503);
  const message = maskSecrets(redactString(err.message ?? String(err)), secrets);
  if (isDatabaseDown(err)) {
    logger.error({ err: message }, 'the database is unavailable');
    return c.json({ error: 'the database is unavailable; see the server log' }, 503);
  }
  logger.error({ err: message, path: c.req.path }, 'unhandled error in an HTTP handler');
  return c.json({ error: 'internal error; see the server log' }, 500);
}

function isDatabaseDown(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return err.name === 'StoreConnectionError' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P01' || code === '08006' || code === '08001';
}
