/**
 * Operating the CLI: `.env` loading, the progress display of long syncs, and Ctrl-C during
 * `jarvis-sync sync` (the running step finishes, the rest is skipped, locks are released, exit 130).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { loadEnvFile, parseEnv } from '../../src/cli/env.ts';
import { createProgressDisplay } from '../../src/cli/progress.ts';
import { ConfigError } from '../../src/config/index.ts';

const BIN = join(import.meta.dirname, '../../bin/jarvis-sync');
const run = promisify(execFile);

describe('.env', () => {
  it('parses the dotenv syntax: comments, export, quotes, escapes', () => {
    expect(
      parseEnv(['# a comment', 'export NOTION_TOKEN=secret_abc # trailing', 'EMPTY=', "SINGLE='a # b'", 'DOUBLE="line1\\nline2"', 'SPACED =  x y  ', 'URL=postgres://u:p@h:5432/db?sslmode=require'].join('\n')),
    ).toEqual({ NOTION_TOKEN: 'secret_abc', EMPTY: '', SINGLE: 'a # b', DOUBLE: 'line1\nline2', SPACED: 'x y', URL: 'postgres://u:p@h:5432/db?sslmode=require' });
  });

  it('fills in what the environment lacks; the environment wins; JARVIS_ENV_FILE points elsewhere and must exist', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jarvis-env-'));
    writeFileSync(join(cwd, '.env'), 'NOTION_TOKEN=from_file\nLOG_LEVEL=debug\n');
    writeFileSync(join(cwd, 'other.env'), 'NOTION_TOKEN=from_other\n');
    const env: Record<string, string | undefined> = { LOG_LEVEL: 'warn' };
    expect(loadEnvFile({ env, cwd })).toEqual({ path: join(cwd, '.env') });
    expect(env).toEqual({ LOG_LEVEL: 'warn', NOTION_TOKEN: 'from_file' });

    const other: Record<string, string | undefined> = { JARVIS_ENV_FILE: 'other.env' };
    loadEnvFile({ env: other, cwd });
    expect(other.NOTION_TOKEN).toBe('from_other');

    expect(() => loadEnvFile({ env: { JARVIS_ENV_FILE: 'missing.env' }, cwd })).toThrow(ConfigError);
    expect(loadEnvFile({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'jarvis-env-none-')) })).toEqual({ path: null });
  });

  it('every command reads it: a bad LOG_LEVEL in .env stops the CLI (exit 2); the same variable in the environment wins', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jarvis-env-cli-'));
    writeFileSync(join(cwd, '.env'), 'LOG_LEVEL=chatty\nJARVIS_DATA_DIR=./from-dotenv\n');
    const base = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp' };
    const bad = await run(BIN, ['status'], { cwd, env: base }).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('LOG_LEVEL must be one of');
    const good = await run(BIN, ['status'], { cwd, env: { ...base, LOG_LEVEL: 'warn' } }).catch((e) => e);
    expect(good.code).toBe(1); // nothing synced yet …
    expect(good.stdout).toContain(join(cwd, 'from-dotenv')); // … in the data directory .env named
    const missing = await run(BIN, ['status'], { cwd, env: { ...base, JARVIS_ENV_FILE: 'nope.env' } }).catch((e) => e);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/JARVIS_ENV_FILE points to .*nope\.env, which does not exist/);
  }, 120_000);
});

describe('progress display', () => {
  function sink(isTTY: boolean) {
    const chunks: string[] = [];
    return { stream: { isTTY, columns: 60, write: (s: string) => void chunks.push(s) }, chunks };
  }

  it('on a terminal: one line redrawn in place, at most every 100 ms, with the rate; output lines are not torn', () => {
    let now = 0;
    const { stream, chunks } = sink(true);
    const d = createProgressDisplay({ stream, clock: { now: () => now } });
    d.update({ dataset: 'books', phase: 'read Notion pages', done: 1 });
    now = 50;
    d.update({ dataset: 'books', phase: 'read Notion pages', done: 50 }); // too soon: not drawn
    now = 2000;
    d.update({ dataset: 'books', phase: 'read Notion pages', done: 401 });
    now = 3000;
    d.update({ dataset: 'books', phase: 'write', done: 100, total: 400 });
    now = 5000;
    d.update({ dataset: 'books', phase: 'write', done: 300, total: 400 });
    expect(chunks).toEqual([
      '\r\x1b[2Kbooks · read Notion pages · 1',
      '\r\x1b[2Kbooks · read Notion pages · 401 · 200/s',
      '\r\x1b[2Kbooks · write · 100 of 400 (25%)',
      '\r\x1b[2Kbooks · write · 300 of 400 (75%) · 100/s · ~1 s left',
    ]);
    chunks.length = 0;
    const printed: string[] = [];
    d.print(() => printed.push('books: full — 400 created'));
    expect(chunks).toEqual(['\r\x1b[2K', '\r\x1b[2Kbooks · write · 300 of 400 (75%) · 100/s · ~1 s left']);
    chunks.length = 0;
    d.finish('books');
    expect(chunks).toEqual(['\r\x1b[2K']);
    d.close();
    expect(chunks).toEqual(['\r\x1b[2K']); // nothing left to clear
  });

  it('elsewhere: plain lines, only for a phase running 10 s or more, then every 30 s', () => {
    let now = 0;
    const { stream, chunks } = sink(false);
    const d = createProgressDisplay({ stream, clock: { now: () => now } });
    for (now = 0; now <= 70_000; now += 1000) d.update({ dataset: 'highlights', phase: 'read Notion pages', done: now / 10 });
    expect(chunks).toEqual([
      'progress: highlights · read Notion pages · 1,000 · 100/s\n',
      'progress: highlights · read Notion pages · 4,000 · 100/s\n',
      'progress: highlights · read Notion pages · 7,000 · 100/s\n',
    ]);
    chunks.length = 0;
    d.print(() => undefined);
    d.close();
    expect(chunks).toEqual([]); // no control characters off a terminal
  });
});

describe('Ctrl-C during `jarvis-sync sync`', () => {
  const { seed, ids } = sampleNotionWorkspace({ books: 300, highlightsPerBook: 3, firstBookHighlights: 3 });
  const emulator = createNotionEmulator({ seed, tokens: ['secret_sigint'] });
  let env: Record<string, string>;
  beforeAll(async () => {
    env = {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'warn',
      NOTION_TOKEN: 'secret_sigint',
      NOTION_BASE_URL: await emulator.listen(0, '127.0.0.1'),
      NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
      NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
      // Slow enough to interrupt: books needs ~5 requests, highlights ~11.
      NOTION_REQUESTS_PER_SECOND: '2',
    };
  });
  afterAll(() => emulator.close());

  /** Starts `sync all --json`, sends `signals` once `when` appears on stdout, resolves with the outcome. */
  function interrupted(cwd: string, signals: number, when: RegExp) {
    const child = spawn(BIN, ['sync', 'all'], { cwd, env });
    let stdout = '';
    let stderr = '';
    let signaledAt = 0;
    child.stdout.on('data', (c) => {
      stdout += c;
      if (!signaledAt && when.test(stdout)) {
        signaledAt = Date.now();
        for (let i = 0; i < signals; i++) setTimeout(() => child.kill('SIGINT'), 200 * i);
      }
    });
    child.stderr.on('data', (c) => (stderr += c));
    return new Promise<{ code: number | null; stdout: string; stderr: string; msAfterSignal: number }>((resolve) =>
      child.on('exit', (code) => resolve({ code, stdout, stderr, msAfterSignal: Date.now() - signaledAt })),
    );
  }

  it('a failed run says so on stdout, with the reason and the fix, even with LOG_LEVEL=silent', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jarvis-failed-'));
    try {
      const r = await run(BIN, ['sync', 'books'], { cwd, env: { ...env, LOG_LEVEL: 'silent', NOTION_TOKEN: 'secret_not_the_right_one_000000000000' } }).catch((e) => e);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^books: error — Notion .*\(401 unauthorized\).* → Check NOTION_TOKEN: the integration secret may have been regenerated/m);
      expect(r.stdout).not.toMatch(/^books: (full|incremental) —/m);
      expect(r.stderr).toBe('');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it('finishes the dataset that is running, skips the rest, releases the locks and exits 130', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jarvis-sigint-'));
    // gmail is the last step before books: interrupt while books runs.
    const r = await interrupted(cwd, 1, /^gmail: /m);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('jarvis-sync: stopping — the current dataset step finishes, the rest are skipped (Ctrl-C again stops at once)');
    expect(r.stdout).toMatch(/^books: full — 300 created,/m);
    expect(r.stdout).toMatch(/^highlights: skipped — not run: interrupted \(Ctrl-C\)$/m);
    expect(existsSync(join(cwd, '.jarvis-sync', 'pgdata.lock'))).toBe(false);
    // Nothing is left locked: the next run syncs highlights.
    const next = await run(BIN, ['sync', 'highlights', '--json'], { cwd, env: { ...env, NOTION_REQUESTS_PER_SECOND: '50' } });
    expect(JSON.parse(next.stdout).datasets[0]).toMatchObject({ dataset: 'highlights', status: 'success', created: 900 });
  }, 180_000);

  it('a second Ctrl-C stops at once, and the next run still works', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jarvis-sigint2-'));
    const r = await interrupted(cwd, 2, /^gmail: /m);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('jarvis-sync: stopping now');
    expect(r.stdout).not.toMatch(/^books: full/m);
    expect(r.msAfterSignal).toBeLessThan(8_000); // the second signal comes 200 ms after the first; closing waits at most 2 s
    const next = await run(BIN, ['sync', 'all', '--json'], { cwd, env: { ...env, NOTION_REQUESTS_PER_SECOND: '50' } });
    const byName = Object.fromEntries(JSON.parse(next.stdout).datasets.map((d: { dataset: string }) => [d.dataset, d]));
    expect(byName.books).toMatchObject({ status: 'success' });
    expect(byName.books.created + byName.books.unchanged + byName.books.updated).toBe(300);
    expect(byName.highlights).toMatchObject({ status: 'success', created: 900 });
  }, 180_000);
});
