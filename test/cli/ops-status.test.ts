/**
 * `jarvis-sync status`: the health and per-dataset table read from sync_logs — in process on
 * named situations (a healthy day, a failing dataset, a run in progress), and end to end through
 * the executable after a real sync against the Notion emulator.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { readStatus, table } from '../../src/cli/commands/status.ts';
import { loadConfig } from '../../src/config/index.ts';
import { openStore, writeSyncLogs, type SyncLogEntry } from '../../src/store/index.ts';
import { acquireLease } from '../../src/store/leases.ts';
import type { Store } from '../../src/store/types.ts';
import { noTimers } from '../helpers/leases.ts';

const NOW = Date.parse('2026-01-05T12:00:00.000Z');
const MIN = 60_000;

/** The rows one `sync all` of books and highlights writes, `minutesAgo` before NOW. */
function syncAll(minutesAgo: number, opts: { books?: 'success' | 'error'; durationS?: number } = {}): SyncLogEntry[] {
  const start = NOW - minutesAgo * MIN;
  const d = (opts.durationS ?? 60) * 1000;
  const booksOk = (opts.books ?? 'success') === 'success';
  const run = (dataset: string, status: 'success' | 'error', from: number, ms: number, extra: Record<string, unknown>): SyncLogEntry => ({
    eventType: `${dataset}_sync`,
    status,
    message: status === 'success' ? `${dataset}: incremental — …` : 'Notion POST /v1/data_sources/:id/query failed (503 service_unavailable): Notion or the network failed temporarily',
    details: { dataset, status, mode: 'incremental', dryRun: false, created: 0, updated: 0, deleted: 0, restored: 0, unchanged: 0, skipped: 0, notionRequests: 1, googleRequests: 0, durationMs: ms, errors: 0, warnings: 0, conflicts: 0, ...extra },
    startTime: new Date(from),
    endTime: new Date(from + ms),
    createdAt: new Date(from + ms),
  });
  return [
    run('books', booksOk ? 'success' : 'error', start, d / 2, booksOk ? { created: 2, updated: 1 } : {}),
    run('highlights', 'success', start + d / 2, d / 2, { updated: 4, conflicts: 0 }),
    {
      eventType: 'full_sync_complete',
      status: booksOk ? 'success' : 'error',
      message: '2 dataset run(s)',
      details: {},
      startTime: new Date(start),
      endTime: new Date(start + d),
      createdAt: new Date(start + d),
    },
  ];
}

describe('status report', () => {
  let store: Store;
  const config = loadConfig({ env: { NOTION_TOKEN: 'secret_x', NOTION_BOOKS_DATABASE_ID: 'a'.repeat(32), NOTION_HIGHLIGHTS_DATABASE_ID: 'b'.repeat(32) }, cwd: tmpdir() });
  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    const { migrate } = await import('../../src/store/index.ts');
    await migrate(store);
  });
  afterAll(() => store.close());
  beforeEach(() => store.query('DELETE FROM sync_logs'));

  it('nothing synced yet: every configured dataset "never", healthy with no syncs', async () => {
    const r = (await readStatus(store, config, NOW))!;
    expect(r.status).toBe('healthy');
    expect(r.stats).toEqual({ total_syncs_24h: 0, success_rate: '100.0%' });
    expect(r.datasets.find((d) => d.dataset === 'books')).toMatchObject({ status: 'never', runs_24h: 0, last_run_end: null });
    expect(r.datasets.find((d) => d.dataset === 'meetings')).toMatchObject({ status: 'not_configured' });
    // The spec's order, with contacts' Google step right after contacts.
    expect(r.datasets.map((d) => d.dataset)).toEqual(['contacts', 'contacts_google', 'meetings', 'tasks', 'reflections', 'journals', 'calendar', 'gmail', 'books', 'highlights']);
  });

  it('a healthy day: the spec health shape, the last run per dataset with its counts, runs in 24 h', async () => {
    await writeSyncLogs(store, [...syncAll(60 * 30), ...syncAll(45), ...syncAll(30), ...syncAll(15, { durationS: 90 })]);
    const r = (await readStatus(store, config, NOW))!;
    expect(r).toMatchObject({
      status: 'healthy',
      sync_status: { sync_in_progress: false, last_sync_start: '2026-01-05T11:45:00Z', last_sync_end: '2026-01-05T11:46:30Z', last_sync_duration_seconds: 90 },
      stats: { total_syncs_24h: 3, success_rate: '100.0%' },
    });
    expect(r.datasets.find((d) => d.dataset === 'books')).toEqual({
      dataset: 'books',
      status: 'success',
      mode: 'incremental',
      last_run_start: '2026-01-05T11:45:00.000Z',
      last_run_end: '2026-01-05T11:45:45.000Z',
      duration_seconds: 45,
      created: 2,
      updated: 1,
      deleted: 0,
      restored: 0,
      unchanged: 0,
      errors: 0,
      conflicts: 0,
      runs_24h: 3,
      failed_runs_24h: 0,
      message: 'books: incremental — …',
    });
  });

  it('a dataset whose last run failed makes the service degraded; the success rate counts sync passes', async () => {
    await writeSyncLogs(store, [...syncAll(45), ...syncAll(30), ...syncAll(15, { books: 'error' })]);
    const r = (await readStatus(store, config, NOW))!;
    expect(r.status).toBe('degraded');
    expect(r.stats).toEqual({ total_syncs_24h: 3, success_rate: '66.6%' });
    expect(r.datasets.find((d) => d.dataset === 'books')).toMatchObject({ status: 'error', runs_24h: 3, failed_runs_24h: 1, message: expect.stringContaining('503') });
  });

  it('a dataset whose lease another instance holds is shown as running, and the sync as in progress', async () => {
    await writeSyncLogs(store, syncAll(15));
    const held = await acquireLease(store, 'dataset:highlights', { identity: { owner: 'nas pid 7', process: null }, timers: noTimers });
    if (!held.ok) throw new Error('lease not taken');
    try {
      const r = (await readStatus(store, config, NOW))!;
      expect(r.sync_status.sync_in_progress).toBe(true);
      expect(r.datasets.find((d) => d.dataset === 'highlights')!.status).toBe('running');
      expect(r.datasets.find((d) => d.dataset === 'books')!.status).toBe('success');
    } finally {
      await held.lease.release();
    }
    // Released: no longer running.
    expect((await readStatus(store, config, NOW))!.datasets.find((d) => d.dataset === 'highlights')!.status).toBe('success');
  });

  it('tables pad columns and right-align numbers', () => {
    expect(table(['dataset', 'runs'], [['books', '3'], ['highlights', '12']], new Set([1]))).toEqual([
      'dataset     runs',
      '──────────  ────',
      'books          3',
      'highlights    12',
    ]);
  });
});

describe('jarvis-sync status (the executable)', () => {
  const run = promisify(execFile);
  const BIN = join(import.meta.dirname, '../../bin/jarvis-sync');
  const { seed, ids } = sampleNotionWorkspace({ books: 4, highlightsPerBook: 1, firstBookHighlights: 1 });
  const emulator = createNotionEmulator({ seed, tokens: ['secret_status'] });
  let env: Record<string, string>;
  beforeAll(async () => {
    env = {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'warn',
      NOTION_TOKEN: 'secret_status',
      NOTION_BASE_URL: await emulator.listen(0, '127.0.0.1'),
      NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
      NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
      NOTION_REQUESTS_PER_SECOND: '50',
    };
  });
  afterAll(() => emulator.close());

  async function cli(args: string[], cwd: string) {
    try {
      const { stdout, stderr } = await run(BIN, args, { cwd, env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (e: any) {
      return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
    }
  }

  it('a migrated database that never synced: says so, exit 1 (not "healthy / 100%")', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jarvis-status-'));
    expect((await cli(['migrate'], cwd)).code).toBe(0);
    const text = await cli(['status'], cwd);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^nothing has synced yet: the database is ready but no dataset has run/);
    expect(text.stdout).toMatch(/\nbooks\s+never\s/);
    const json = await cli(['status', '--json'], cwd);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ message: 'nothing has synced yet', stats: { total_syncs_24h: 0 } });
  }, 120_000);

  it('before any sync: says so, exit 1; after `sync all`: the table and --json, exit 0', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jarvis-status-'));
    const before = await cli(['status'], cwd);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/^nothing has synced yet/);

    expect((await cli(['sync', 'all'], cwd)).code).toBe(0);
    const text = await cli(['status'], cwd);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('jarvis-sync: healthy');
    expect(lines[1]).toMatch(/^last sync: \d+ s ago \(\d{4}-\d\d-\d\dT[\d:]+Z → [\d\-T:]+Z, [\d.]+ s\)$/);
    expect(lines[2]).toBe('last 24 h: 1 sync, 100.0% successful');
    expect(lines[4]).toMatch(/^dataset\s+status\s+mode\s+last run\s+duration\s+created\s+updated\s+deleted\s+errors\s+runs 24h\s+failed 24h$/);
    expect(text.stdout).toMatch(/\nbooks\s+success\s+full\s+\d+ s ago\s+[\d.]+ s\s+4\s+0\s+0\s+0\s+1\s+0\n/);
    expect(text.stdout).toMatch(/\nhighlights\s+success\s+full\s+/);
    expect(text.stdout).toContain('\nnot configured: contacts, contacts_google, meetings, tasks, reflections, journals, calendar, gmail\n');

    const json = await cli(['status', '--json'], cwd);
    const report = JSON.parse(json.stdout);
    // GET /health's shape, plus the datasets.
    expect(Object.keys(report)).toEqual(['status', 'sync_status', 'stats', 'datasets']);
    expect(Object.keys(report.sync_status)).toEqual(['sync_in_progress', 'last_sync_start', 'last_sync_end', 'last_sync_duration_seconds']);
    expect(report.stats).toEqual({ total_syncs_24h: 1, success_rate: '100.0%' });
    expect(report.datasets.find((d: any) => d.dataset === 'books')).toMatchObject({ status: 'success', mode: 'full', created: 4, runs_24h: 1 });
  }, 180_000);
});
