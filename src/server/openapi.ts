/**
 * The OpenAPI 3.1 description of the HTTP API, written by hand (served at GET /openapi.json).
 * A test checks that every route the app registers is described here.
 */
import { RUN_TRIGGERS } from '../scheduler/runManager.ts';

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(error) });
const unauthorized = { '401': errorResponse('Missing or wrong bearer token') };
const bool = (dflt: boolean) => ({ type: 'boolean', default: dflt, description: '`true`, `false`, `1`, `0`; present without a value means true' });

export function openApiDocument(opts: { datasets: string[]; version?: string }) {
  const datasetParam = {
    name: 'dataset',
    in: 'path',
    required: true,
    description: 'A dataset, or `all` (every dataset in the spec\'s order, then one `full_sync_complete` log row).',
    schema: { type: 'string', enum: [...opts.datasets, 'all'] },
  };
  const query = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: 'query', required: false, description, schema });
  return {
    openapi: '3.1.0',
    info: {
      title: 'jarvis-sync',
      version: opts.version ?? '0.1.0',
      description:
        'Self-hosted sync between Notion, Postgres/Supabase and Google. Every endpoint but /health and the webhook receivers ' +
        'requires `Authorization: Bearer $SYNC_API_TOKEN` (when SYNC_API_TOKEN is not set, the server listens on loopback only ' +
        'and answers local requests without a token). Errors are `{"error": "<what went wrong>"}`.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/sync/{dataset}': {
        post: {
          operationId: 'sync',
          summary: 'Run a sync of one dataset, or of all of them',
          description:
            'Waits for the run and returns its summary (the CLI\'s `--json` shape plus `run_id`), or with `wait=false` answers 202 ' +
            'at once with the run id to poll at GET /runs/{id}. A dataset that is already running (in this process, or — for a ' +
            'single-dataset run — in another instance sharing the database) answers 409 with the running run\'s id. Options may ' +
            'also be sent as a JSON body with the same names (`page_ids` only in the body).',
          parameters: [
            datasetParam,
            query(
              'hours',
              { type: 'number', exclusiveMinimum: 0, maximum: 87600 },
              'Incremental window: records edited in the last N hours, instead of since the stored cursor (the default, which reads ' +
                'less than a fixed window and misses nothing, however long since the last run). `hours=24` is the spec\'s default. ' +
                'With `full=true` the full run wins and the answer\'s `note` says so.',
            ),
            query('full', bool(false), 'Read everything on both sides (finds deletions, rebuilds links). Wins over `hours`.'),
            query('dry_run', bool(false), 'Report what would change; change nothing.'),
            query('force', bool(false), 'Proceed even when the deletion valve would abort the run.'),
            query('wait', bool(true), 'Wait for the run to finish (default), or answer 202 at once.'),
          ],
          requestBody: {
            required: false,
            content: json({
              type: 'object',
              additionalProperties: false,
              properties: {
                hours: { type: 'number', exclusiveMinimum: 0, maximum: 87600 },
                full: { type: 'boolean' },
                dry_run: { type: 'boolean' },
                force: { type: 'boolean' },
                wait: { type: 'boolean' },
                page_ids: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 100, description: 'Sync just these Notion pages (not with `all`, `full` or `hours`).' },
              },
            }),
          },
          responses: {
            '200': { description: 'The finished run\'s summary', content: json({ $ref: '#/components/schemas/SyncSummary' }) },
            '202': { description: 'Started (wait=false)', content: json({ type: 'object', required: ['run_id'], properties: { run_id: { type: 'string' }, status: { const: 'running' }, href: { type: 'string' }, note: { type: 'string' } } }) },
            '400': errorResponse('Malformed options'),
            ...unauthorized,
            '404': errorResponse('Unknown dataset'),
            '409': { description: 'That dataset is already running', content: json({ type: 'object', required: ['error', 'run_id'], properties: { error: { type: 'string' }, run_id: { type: 'string' } } }) },
            '500': { description: 'The run failed as a whole', content: json({ allOf: [{ $ref: '#/components/schemas/Error' }, { type: 'object', properties: { run_id: { type: 'string' } } }] }) },
            '503': errorResponse('The service is shutting down'),
          },
        },
      },
      '/runs': {
        get: {
          operationId: 'listRuns',
          summary: 'Runs started by this process (running ones and the most recent finished ones), newest first',
          parameters: [query('limit', { type: 'integer', minimum: 1, maximum: 200, default: 50 }, 'At most this many runs.')],
          responses: { '200': { description: 'Runs', content: json({ type: 'object', properties: { runs: { type: 'array', items: { $ref: '#/components/schemas/Run' } } } }) }, '400': errorResponse('Malformed limit'), ...unauthorized },
        },
      },
      '/runs/{id}': {
        get: {
          operationId: 'getRun',
          summary: 'One run: its state and, once steps have finished, their summary',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The run', content: json({ $ref: '#/components/schemas/Run' }) }, ...unauthorized, '404': errorResponse('No such run (unknown, or finished long ago)') },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Health in the spec\'s shape (no token needed)',
          description:
            '`status` is `healthy`, `degraded` (a dataset\'s latest run in the last 24 hours failed) or `unhealthy` (the database ' +
            'cannot be read; HTTP 503). A sync is one `sync all` or one single-dataset run. `mode: "demo"` appears only in demo mode.',
          security: [],
          responses: {
            '200': { description: 'Healthy or degraded', content: json({ $ref: '#/components/schemas/Health' }) },
            '503': { description: 'Unhealthy', content: json({ $ref: '#/components/schemas/Health' }) },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics (text exposition format 0.0.4)',
          responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...unauthorized },
        },
      },
      '/logs': {
        get: {
          operationId: 'logs',
          summary: 'Recent sync_logs rows, newest first (credentials are never shown)',
          parameters: [
            query('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, 'At most this many rows.'),
            query('event_type', { type: 'string', pattern: '^[a-z0-9_]{1,100}$' }, 'e.g. `meetings_sync`, `meetings_conflict`, `full_sync_complete`.'),
            query('status', { type: 'string', enum: ['success', 'error', 'warning'] }, 'Only rows with this status.'),
            query('since', { type: 'string', format: 'date-time' }, 'Only rows created at or after this time (ISO 8601).'),
            query('run_id', { type: 'string', format: 'uuid' }, 'Only the rows of this run (the id of its `<dataset>_sync` row): summary, record errors, conflicts and the records it changed.'),
          ],
          responses: {
            '200': { description: 'Log rows', content: json({ type: 'object', properties: { logs: { type: 'array', items: { $ref: '#/components/schemas/LogEntry' } } } }) },
            '400': errorResponse('Malformed filter'),
            ...unauthorized,
          },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document', content: json({ type: 'object' }) }, ...unauthorized } },
      },
      '/webhooks/notion': {
        post: {
          operationId: 'notionWebhook',
          summary: 'Notion integration webhooks (verification handshake and page events)',
          description:
            'The handshake body `{"verification_token": "…"}` is stored (sync_state `notion_webhook_verification_token`) and printed ' +
            'so it can be pasted into Notion; set NOTION_WEBHOOK_VERIFICATION_TOKEN to it. Events must carry ' +
            '`X-Notion-Signature: sha256=<HMAC-SHA256 of the raw body keyed by the verification token>`. Page events of the synced ' +
            'databases become targeted syncs of those pages after the settle window (webhooks.settleSeconds, default 1). ' +
            'Answers at once; the sync runs afterwards.',
          security: [],
          parameters: [{ name: 'X-Notion-Signature', in: 'header', required: false, schema: { type: 'string', pattern: '^sha256=[0-9a-f]{64}$' } }],
          requestBody: { required: true, content: json({ type: 'object' }) },
          responses: { '200': { description: 'Accepted (or ignored: not a page of a synced database)', content: json({ type: 'object' }) }, '400': errorResponse('Not JSON, or not an event'), '401': errorResponse('Missing or invalid signature, or no verification token yet') },
        },
      },
      '/webhooks/google/calendar': {
        post: {
          operationId: 'googleCalendarWebhook',
          summary: 'Google Calendar push notifications (events.watch channels)',
          description: '`X-Goog-Channel-Token` must equal GOOGLE_CALENDAR_WEBHOOK_TOKEN. `exists`/`not_exists` trigger an incremental calendar sync after the settle window; `sync` is acknowledged.',
          security: [],
          parameters: [
            { name: 'X-Goog-Channel-Token', in: 'header', required: true, schema: { type: 'string' } },
            { name: 'X-Goog-Resource-State', in: 'header', required: true, schema: { type: 'string', enum: ['sync', 'exists', 'not_exists'] } },
            { name: 'X-Goog-Channel-ID', in: 'header', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'Accepted', content: json({ type: 'object' }) }, '400': errorResponse('Unknown resource state'), '401': errorResponse('Wrong channel token, or none configured') },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'SYNC_API_TOKEN' } },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
        DatasetResult: {
          type: 'object',
          required: ['dataset', 'status', 'mode', 'dry_run', 'created', 'updated', 'deleted', 'restored', 'unchanged', 'skipped', 'errors', 'notion_requests', 'google_requests', 'duration_ms', 'message'],
          properties: {
            dataset: { type: 'string' },
            status: { type: 'string', enum: ['success', 'error', 'aborted', 'locked', 'skipped'] },
            mode: { type: 'string', enum: ['full', 'incremental'] },
            dry_run: { type: 'boolean' },
            created: { type: 'integer' },
            updated: { type: 'integer' },
            deleted: { type: 'integer' },
            restored: { type: 'integer' },
            unchanged: { type: 'integer' },
            skipped: { type: 'integer' },
            errors: { type: 'integer' },
            notion_requests: { type: 'integer' },
            google_requests: { type: 'integer' },
            duration_ms: { type: 'integer' },
            message: { type: 'string' },
            error_details: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, error: { type: 'string' }, kind: { type: 'string' } } } },
            writes: { type: 'object', description: 'Two-way datasets: writes per destination (`notion`, `postgres`), each {created, updated, deleted, restored}.' },
            conflicts: { type: 'array', items: { type: 'object' }, description: 'Two-way datasets: fields changed on both sides, with both values and the winner.' },
            plan: { type: 'array', items: { type: 'object' }, description: 'Dry runs: what would change.' },
          },
        },
        SyncSummary: {
          type: 'object',
          required: ['status', 'notion_requests', 'google_requests', 'datasets'],
          properties: {
            run_id: { type: 'string' },
            status: { type: 'string', enum: ['success', 'error'] },
            notion_requests: { type: 'integer' },
            google_requests: { type: 'integer' },
            datasets: { type: 'array', items: { $ref: '#/components/schemas/DatasetResult' } },
            note: { type: 'string', description: 'Present when an option was not used, e.g. `hours` with `full=true` (the full run wins).' },
          },
        },
        Run: {
          type: 'object',
          required: ['run_id', 'target', 'trigger', 'status', 'started_at', 'finished_at', 'options'],
          properties: {
            run_id: { type: 'string' },
            target: { type: 'string' },
            trigger: { type: 'string', enum: [...RUN_TRIGGERS] },
            status: { type: 'string', enum: ['running', 'success', 'error', 'aborted'] },
            started_at: { type: 'string', format: 'date-time' },
            finished_at: { type: ['string', 'null'], format: 'date-time' },
            options: { type: 'object', properties: { full: { type: 'boolean' }, hours: { type: 'number' }, dry_run: { type: 'boolean' }, force: { type: 'boolean' }, page_ids: { type: 'array', items: { type: 'string' } } } },
            error: { type: 'string' },
            locked: { type: 'array', items: { type: 'string' }, description: 'Datasets another instance was syncing' },
            summary: { oneOf: [{ $ref: '#/components/schemas/SyncSummary' }, { type: 'null' }] },
          },
        },
        Health: {
          type: 'object',
          required: ['status', 'sync_status', 'stats'],
          properties: {
            status: { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] },
            mode: { const: 'demo' },
            sync_status: {
              type: 'object',
              required: ['sync_in_progress', 'last_sync_start', 'last_sync_end', 'last_sync_duration_seconds'],
              properties: {
                sync_in_progress: { type: 'boolean' },
                last_sync_start: { type: ['string', 'null'], format: 'date-time' },
                last_sync_end: { type: ['string', 'null'], format: 'date-time' },
                last_sync_duration_seconds: { type: ['number', 'null'] },
              },
            },
            stats: {
              type: 'object',
              required: ['total_syncs_24h', 'success_rate'],
              properties: { total_syncs_24h: { type: 'integer' }, success_rate: { type: 'string', examples: ['99.2%'] } },
            },
          },
          examples: [
            {
              status: 'healthy',
              sync_status: { sync_in_progress: false, last_sync_start: '2024-12-24T08:15:00Z', last_sync_end: '2024-12-24T08:16:30Z', last_sync_duration_seconds: 90 },
              stats: { total_syncs_24h: 96, success_rate: '99.2%' },
            },
          ],
        },
        LogEntry: {
          type: 'object',
          required: ['id', 'event_type', 'status', 'message', 'details', 'created_at', 'start_time', 'end_time'],
          properties: {
            id: { type: 'string' },
            event_type: { type: 'string' },
            status: { type: 'string' },
            message: { type: ['string', 'null'] },
            details: {},
            created_at: { type: 'string', format: 'date-time' },
            start_time: { type: ['string', 'null'], format: 'date-time' },
            end_time: { type: ['string', 'null'], format: 'date-time' },
            run_id: { type: ['string', 'null'], description: 'The run the row belongs to: the id of its `<dataset>_sync` row' },
            dataset: { type: ['string', 'null'] },
            record_id: { type: ['string', 'null'], description: 'Change rows: the row id in the dataset table' },
            notion_page_id: { type: ['string', 'null'] },
            google_id: { type: ['string', 'null'] },
            changed_fields: { type: ['array', 'null'], items: { type: 'string' }, description: 'Change rows: the names of the fields written (values are never logged)' },
          },
        },
      },
    },
  };
}
