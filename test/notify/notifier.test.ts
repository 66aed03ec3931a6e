/**
 * Error notifications against a local receiver (node:http on port 0): transient problems notify
 * once at the fifth failing run within the window (successes between or not), permanent ones at
 * once, a notified problem that recovers says so once and counts afresh,
 * each format has its shape, nothing secret leaves, and delivery failures never throw.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import { emptyResult, summarize, type RunResult } from '../../src/engine/result.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { createNotifier, toNtfy, type NotifyFormat } from '../../src/notify/index.ts';
import type { RunRecord } from '../../src/scheduler/runManager.ts';

const NOTION_TOKEN = 'secret_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const DB_PASSWORD = 'hunter2-very-secret';

const messages = {
  notionRateLimited:
    'Notion POST /v1/data_sources/:id/query failed (429 rate_limited): You have been rate limited. Notion is throttling this integration: requests wait for Retry-After; if it persists, lower requestsPerSecond or stop other jobs using the same token [request_id 1f2e]',
  notionUnauthorized: `Notion GET /v1/databases/:id failed (401 unauthorized): API token is invalid (${NOTION_TOKEN}). Notion rejected the token: check NOTION_TOKEN and that the database is shared with the integration`,
  googleInvalidGrant:
    'Google access token refresh failed (before calendar.events.list) (400 invalid_grant): Token has been expired or revoked. Authorize jarvis-sync again',
  postgresDown: `Cannot connect to Postgres at DATABASE_URL (postgres://sync@db.example.com:5432/postgres): connection refused; check the host and port, and that the server is running.`,
};

/** A dataset step that failed as a whole with `message`. */
function failed(dataset: string, message: string, status: RunResult['status'] = 'error'): RunResult {
  const r = emptyResult(dataset, 'incremental', false);
  r.status = status;
  r.message = message;
  return r;
}
function ok(dataset: string): RunResult {
  const r = emptyResult(dataset, 'incremental', false);
  r.message = summarize(r);
  return r;
}
let runNo = 0;
function run(results: RunResult[], extra: Partial<RunRecord> = {}): RunRecord {
  const bad = results.some((r) => r.status === 'error' || r.status === 'aborted');
  return { id: `run-${++runNo}`, target: 'all', trigger: 'schedule', status: bad ? 'error' : 'success', startedAt: '2026-01-05T09:00:00.000Z', finishedAt: '2026-01-05T09:01:00.000Z', options: {}, results, ...extra };
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('notifier', () => {
  const received: Received[] = [];
  let answer = 200;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.statusCode = answer;
        res.end(answer === 200 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    answer = 200;
  });

  function logs() {
    const lines: Array<{ level: string; obj: unknown; msg: string }> = [];
    const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg: typeof obj === 'string' ? obj : (msg ?? '') });
    return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as any };
  }

  function notifier(format: NotifyFormat = 'json', opts: { url?: string | null; threshold?: number; windowHours?: number } = {}) {
    const clock = new FakeClock('2026-01-05T09:00:00.000Z');
    const log = logs();
    const config = {
      notifications: { webhookUrl: opts.url === undefined ? `${base}/hooks/T000/B000/XXXXsecretpath` : opts.url, format, transientThreshold: opts.threshold ?? 5, windowHours: opts.windowHours ?? 24 },
      notion: { token: NOTION_TOKEN } as Config['notion'],
      database: { url: `postgres://sync:${DB_PASSWORD}@db.example.com:5432/postgres`, dataDir: '/tmp' },
    };
    const n = createNotifier({ config, logger: log.logger, clock });
    /** Records a run 15 minutes after the previous one, like the scheduler would. */
    const record = async (r: RunRecord) => {
      clock.advance(15 * 60_000);
      await n.recordRun(r);
    };
    return { n, record, log, clock };
  }

  it('a provider failing repeatedly sends exactly one notification, at the fifth failure', async () => {
    const { record } = notifier();
    for (let i = 1; i <= 4; i++) await record(run([failed('books', messages.notionRateLimited), failed('highlights', messages.notionRateLimited)]));
    expect(received).toHaveLength(0);
    await record(run([failed('books', messages.notionRateLimited)]));
    expect(received).toHaveLength(1);
    for (let i = 6; i <= 12; i++) await record(run([failed('books', messages.notionRateLimited)]));
    expect(received).toHaveLength(1);

    const [hit] = received;
    expect(hit!.method).toBe('POST');
    expect(hit!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(hit!.body);
    expect(Object.keys(body).sort()).toEqual(['action', 'count', 'dataset', 'first_seen', 'kind', 'last_seen', 'resolved', 'severity', 'text', 'title'].sort());
    expect(body).toMatchObject({
      kind: 'notion:rate_limited',
      severity: 'warning',
      count: 5,
      dataset: 'books, highlights',
      first_seen: '2026-01-05T09:15:00.000Z',
      last_seen: '2026-01-05T10:15:00.000Z',
      resolved: false,
      title: 'jarvis-sync: Notion kept rate-limiting jarvis-sync',
    });
    expect(body.text).toContain('Failed 5 times since 2026-01-05T09:15:00.000Z');
    expect(body.text).toContain('You have been rate limited');
    expect(body.action).toMatch(/NOTION_REQUESTS_PER_SECOND/);
  });

  it('a permanent error notifies at once, and once per problem until it recovers', async () => {
    const { record } = notifier();
    await record(run([failed('books', messages.notionUnauthorized), failed('highlights', messages.notionUnauthorized)]));
    expect(received).toHaveLength(1);
    const body = JSON.parse(received[0]!.body);
    expect(body).toMatchObject({ kind: 'notion:auth', severity: 'critical', count: 1, dataset: 'books, highlights', title: 'jarvis-sync: Notion rejected the token' });
    expect(body.action).toMatch(/^Check NOTION_TOKEN/);
    await record(run([failed('books', messages.notionUnauthorized)]));
    expect(received).toHaveLength(1);

    // Another permanent problem is another notification, at once.
    await record(run([failed('calendar', messages.googleInvalidGrant)], { target: 'calendar' }));
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[1]!.body)).toMatchObject({ kind: 'google:auth', severity: 'critical', dataset: 'calendar' });
    expect(JSON.parse(received[1]!.body).action).toMatch(/jarvis-sync auth google/);
  });

  it('a tripped valve notifies at once with what to do', async () => {
    const { record } = notifier();
    const valve = failed('books', 'Safety valve triggered: Notion has 0 records, Postgres has 120. Possible API failure; nothing was changed.', 'aborted');
    await record(run([valve]));
    expect(received).toHaveLength(1);
    const body = JSON.parse(received[0]!.body);
    expect(body).toMatchObject({ kind: 'valve:books', severity: 'critical', dataset: 'books' });
    expect(body.action).toContain('jarvis-sync sync books --full --dry-run');
    const deletion = failed('tasks', 'Deletion valve triggered: this run would delete 40 of 90 records (more than 20%). Nothing was changed; check the source, or rerun with --force if the deletions are intended.', 'aborted');
    await record(run([deletion]));
    expect(JSON.parse(received[1]!.body)).toMatchObject({ kind: 'valve:tasks' });
    expect(JSON.parse(received[1]!.body).action).toContain('jarvis-sync sync tasks --force');
  });

  it('successes between failures do not reset the count: failure and success alternating notify at the fifth failure', async () => {
    const { record, n } = notifier();
    for (let i = 0; i < 4; i++) {
      await record(run([failed('books', messages.notionRateLimited)]));
      await record(run([ok('books')]));
    }
    expect(received).toHaveLength(0);
    expect(await n.incidents()).toMatchObject([{ key: 'notion:rate_limited', count: 4, notified: false }]);
    await record(run([failed('books', messages.notionRateLimited)]));
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ kind: 'notion:rate_limited', count: 5, first_seen: '2026-01-05T09:15:00.000Z', last_seen: '2026-01-05T11:15:00.000Z' });
  });

  it('occurrences older than the window do not count (notifications.windowHours)', async () => {
    const { record, clock, n } = notifier('json', { windowHours: 2 });
    for (let i = 0; i < 4; i++) await record(run([failed('books', messages.notionRateLimited)])); // 09:15 … 10:00
    clock.advance(60 * 60_000); // the next at 11:15: the one of 09:15 is 2 h old
    await record(run([failed('books', messages.notionRateLimited)]));
    expect(received).toHaveLength(0);
    expect(await n.incidents()).toMatchObject([{ count: 4, firstSeen: '2026-01-05T09:30:00.000Z' }]);
    clock.set('2026-01-05T11:10:00.000Z');
    await record(run([failed('books', messages.notionRateLimited)])); // 11:25: 09:30 … 11:25, five within 2 h
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ count: 5, first_seen: '2026-01-05T09:30:00.000Z' });
  });

  it('only a success of the same provider (or dataset) is a recovery; a notified problem that recovers says so once', async () => {
    const { record } = notifier();
    for (let i = 0; i < 5; i++) await record(run([failed('books', messages.notionRateLimited)]));
    expect(received).toHaveLength(1);
    // Google working says nothing about Notion; a locked run says nothing at all.
    const locked = emptyResult('books', 'incremental', false);
    locked.status = 'locked';
    await record(run([ok('calendar'), locked]));
    expect(received).toHaveLength(1);
    await record(run([ok('highlights')]));
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[1]!.body)).toMatchObject({ kind: 'notion:rate_limited', severity: 'info', resolved: true, count: 5 });
    expect(JSON.parse(received[1]!.body).title).toBe('jarvis-sync resolved: Notion kept rate-limiting jarvis-sync');
    // A new incident counts from 1 again.
    for (let i = 0; i < 4; i++) await record(run([failed('books', messages.notionRateLimited)]));
    expect(received).toHaveLength(2);
    await record(run([failed('books', messages.notionRateLimited)]));
    expect(received).toHaveLength(3);
  });

  it('a dataset-scoped problem recovers only when that dataset succeeds', async () => {
    const { record, n } = notifier();
    const mismatch = failed('books', 'books: Notion data source "Books" does not match the mapping: no property "Title" (title). Rename the properties in Notion or override them in the config file (datasets.books.properties).');
    await record(run([mismatch, ok('highlights')]));
    expect(JSON.parse(received[0]!.body)).toMatchObject({ kind: 'schema:books', severity: 'critical' });
    await record(run([ok('highlights')]));
    expect((await n.incidents()).map((i) => i.key)).toEqual(['schema:books']);
    await record(run([ok('books')]));
    expect(await n.incidents()).toEqual([]);
    expect(JSON.parse(received[1]!.body)).toMatchObject({ kind: 'schema:books', resolved: true });
  });

  it('record errors count as one problem per dataset; Postgres being down is a run-level failure', async () => {
    const { record } = notifier('json', { threshold: 2 });
    const withRecordErrors = () => {
      const r = emptyResult('books', 'incremental', false);
      r.errors = [
        { key: 'p1', error: 'Postgres rejected page p1: value too long for type character varying(10)', kind: 'validation' },
        { key: 'p2', error: 'page p2: bad date', kind: 'validation' },
      ];
      r.status = 'error';
      r.message = summarize(r);
      return r;
    };
    await record(run([withRecordErrors()]));
    await record(run([withRecordErrors()]));
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ kind: 'records:books', severity: 'warning', count: 2 });
    expect(JSON.parse(received[0]!.body).text).toContain('2 record error(s), e.g.: Postgres rejected page p1');

    await record(run([], { status: 'error', error: messages.postgresDown }));
    await record(run([], { status: 'error', error: messages.postgresDown }));
    expect(received).toHaveLength(2);
    const pg = JSON.parse(received[1]!.body);
    expect(pg).toMatchObject({ kind: 'postgres:connection', dataset: null });
    expect(pg.action).toMatch(/DATABASE_URL/);
  });

  it('a run stopped by a shutdown, or skipped because another instance holds the lock, is not a failure', async () => {
    const { record, n } = notifier('json', { threshold: 1 });
    await record(run([], { status: 'aborted', error: 'the service stopped before this run finished; the next run picks up from where the last one succeeded' }));
    const locked = emptyResult('books', 'incremental', false);
    locked.status = 'locked';
    // A RunManager may mark such a run 'error'; its steps say what happened.
    await record(run([locked, ok('highlights')], { status: 'error' }));
    expect(await n.incidents()).toEqual([]);
    expect(received).toHaveLength(0);
  });

  it('never sends a secret: tokens and the database password are masked, the webhook path is not logged', async () => {
    const { record, log } = notifier();
    await record(run([failed('books', `${messages.notionUnauthorized} while connecting with postgres://sync:${DB_PASSWORD}@db`)]));
    expect(received).toHaveLength(1);
    expect(received[0]!.body).not.toContain(NOTION_TOKEN);
    expect(received[0]!.body).not.toContain(DB_PASSWORD);
    expect(received[0]!.body).toContain('[redacted]');
    expect(JSON.stringify(log.lines)).not.toContain('XXXXsecretpath');
    expect(log.lines.some((l) => l.msg.startsWith('notification sent'))).toBe(true);
  });

  it('slack: {text, blocks} with a header, the message, what to do and the facts', async () => {
    const { record } = notifier('slack');
    await record(run([failed('calendar', messages.googleInvalidGrant)]));
    const body = JSON.parse(received[0]!.body);
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
    expect(body.text).toMatch(/^:rotating_light: jarvis-sync: Google refused the refresh token/);
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(body.blocks[0].text).toMatchObject({ type: 'plain_text' });
    expect(body.blocks[0].text.text.length).toBeLessThanOrEqual(150);
    expect(body.blocks[2].text.text).toMatch(/^\*What to do:\* Authorize again: run `jarvis-sync auth google`/);
    expect(body.blocks[3].elements[0].text).toContain('`google:auth`');
  });

  it('discord: {content, embeds} with fields, a colour, and mentions disabled', async () => {
    const { record } = notifier('discord');
    await record(run([failed('books', `${messages.notionUnauthorized} @everyone`)]));
    const body = JSON.parse(received[0]!.body);
    expect(body.content).toBe('jarvis-sync: Notion rejected the token');
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const [embed] = body.embeds;
    expect(embed).toMatchObject({ title: 'jarvis-sync: Notion rejected the token', color: 0xe01e5a, footer: { text: 'jarvis-sync' } });
    expect(embed.description).toContain('Failed once since');
    expect(embed.fields.map((f: { name: string }) => f.name)).toEqual(['What to do', 'Kind', 'Dataset', 'Count', 'First seen', 'Last seen']);
  });

  it('ntfy: a text body with Title, Priority and Tags headers', async () => {
    const { record } = notifier('ntfy');
    await record(run([failed('books', messages.notionUnauthorized)]));
    const hit = received[0]!;
    expect(hit.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(hit.headers.title).toBe('jarvis-sync: Notion rejected the token');
    expect(hit.headers.priority).toBe('high');
    expect(hit.headers.tags).toBe('rotating_light,jarvis-sync');
    expect(hit.body).toMatch(/^Notion rejected the token \(books\)\. Failed once since .*\n\nWhat to do: Check NOTION_TOKEN/s);
  });

  it('ntfy titles outside Latin-1 are sent RFC 2047-encoded (fetch would refuse them raw)', () => {
    const rendered = toNtfy({ title: 'Bücher 📚 failed', text: 't', severity: 'warning', dataset: null, kind: 'k', count: 5, first_seen: '', last_seen: '', action: 'a', resolved: false });
    expect(rendered.headers.Title).toBe(`=?UTF-8?B?${Buffer.from('Bücher 📚 failed').toString('base64')}?=`);
    expect(rendered.headers.Priority).toBe('default');
  });

  it('a failing receiver is retried, then logged; recordRun never throws', async () => {
    answer = 500;
    const { record, log, clock } = notifier();
    await record(run([failed('books', messages.notionUnauthorized)]));
    expect(received).toHaveLength(3);
    expect(clock.slept).toBe(1000 + 2000);
    const err = log.lines.find((l) => l.level === 'error');
    expect(err?.msg).toMatch(/^notification could not be delivered to 127\.0\.0\.1:\d+ \(HTTP 500\); check NOTIFY_WEBHOOK_URL/);

    answer = 400; // a client error is not retried
    const second = notifier();
    await second.record(run([failed('books', messages.notionUnauthorized)]));
    expect(received).toHaveLength(4);

    const unreachable = notifier('json', { url: 'http://127.0.0.1:1/hook' });
    await expect(unreachable.record(run([failed('books', messages.notionUnauthorized)]))).resolves.toBeUndefined();
    expect(unreachable.log.lines.some((l) => l.level === 'error' && l.msg.startsWith('notification could not be delivered to 127.0.0.1:1'))).toBe(true);
  });

  it('without a webhook URL the notification is logged instead', async () => {
    const { record, log } = notifier('json', { url: null });
    await record(run([failed('books', messages.notionUnauthorized)]));
    expect(received).toHaveLength(0);
    const warn = log.lines.find((l) => l.level === 'warn');
    expect(warn?.msg).toMatch(/^jarvis-sync: Notion rejected the token — .* \(no NOTIFY_WEBHOOK_URL set: logged only\)$/);
    expect(warn?.msg).not.toContain(NOTION_TOKEN);
  });
});
