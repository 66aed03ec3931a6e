/**
 * `jarvis-sync serve` and `start` as a user runs them: the real executable in a child process.
 * These wait on another process (its start-up and its first sync), so they use real time — bounded
 * by output the process prints, never by fixed sleeps.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../../emulators/samples/notionWorkspace.ts';

const BIN = join(import.meta.dirname, '../../bin/jarvis-sync');
const run = promisify(execFile);
const baseEnv = () => ({ PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn' });

async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd: mkdtempSync(join(tmpdir(), 'jarvis-serve-')), env: { ...baseEnv(), ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
  }
}

interface Service {
  child: ChildProcess;
  stdout(): string;
  url: string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<number | null>;
}

async function startService(args: string[], env: Record<string, string>): Promise<Service> {
  const child = spawn(BIN, args, { cwd: mkdtempSync(join(tmpdir(), 'jarvis-serve-')), env: { ...baseEnv(), PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d) => {
    out += d;
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 45_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no ${pattern} in stdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      listeners.add(check);
      exited.then(() => {
        if (!out.match(pattern)) reject(new Error(`exited before ${pattern}:\n${out}\nstderr:\n${err}`));
      });
      check();
    });
  const [, url] = await waitFor(/serving on (http:\/\/\S+) /);
  return {
    child,
    stdout: () => out,
    url: url!,
    waitFor,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('jarvis-sync serve', () => {
  let service: Service | undefined;
  afterEach(async () => {
    if (service && service.child.exitCode === null) await service.stop();
    service = undefined;
  });

  it('refuses to listen on a non-loopback address without SYNC_API_TOKEN (exit 2, one line)', async () => {
    const r = await cli(['serve', '--host', '0.0.0.0'], { NOTION_TOKEN: 'secret_x' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^jarvis-sync: refusing to listen on 0\.0\.0\.0 without SYNC_API_TOKEN: .* Set SYNC_API_TOKEN .*\n$/);
    const env = await cli(['serve'], { NOTION_TOKEN: 'secret_x', HOST: '::' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/refusing to listen on :: without SYNC_API_TOKEN/);
  });

  it('serve without any credentials says what to set (exit 2)', async () => {
    const r = await cli(['serve'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^jarvis-sync: NOTION_TOKEN is not set/);
  });

  describe('with a Notion workspace', () => {
    const { seed, ids } = sampleNotionWorkspace({ books: 6, highlightsPerBook: 1 });
    const emulator = createNotionEmulator({ seed, tokens: ['secret_serve'] });
    let env: Record<string, string>;
    beforeAll(async () => {
      const url = await emulator.listen(0, '127.0.0.1');
      env = {
        NOTION_TOKEN: 'secret_serve',
        NOTION_BASE_URL: url,
        NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
        NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
        NOTION_REQUESTS_PER_SECOND: '50',
        SYNC_API_TOKEN: 'serve-test-token-0123456789',
        HOST: '0.0.0.0',
      };
    });
    afterAll(() => emulator.close());

    it('serves the API with a token on any address, syncs at start, and stops cleanly on SIGTERM', async () => {
      service = await startService(['serve'], env);
      expect(service.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      const base = service.url.replace('0.0.0.0', '127.0.0.1');
      // The initial `sync all` (trigger: schedule) prints its outcome.
      await service.waitFor(/sync all, schedule: success/);
      const auth = { authorization: 'Bearer serve-test-token-0123456789' };
      expect((await fetch(`${base}/sync/books`, { method: 'POST' })).status).toBe(401);
      const sync = await fetch(`${base}/sync/books`, { method: 'POST', headers: auth });
      expect(sync.status).toBe(200);
      expect(((await sync.json()) as any).datasets[0]).toMatchObject({ dataset: 'books', status: 'success', mode: 'incremental' });
      const health = (await (await fetch(`${base}/health`)).json()) as any;
      expect(health).toMatchObject({ status: 'healthy', stats: { total_syncs_24h: 2, success_rate: '100.0%' } });
      expect(health).not.toHaveProperty('mode');
      const page = await fetch(`${base}/`);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await service.stop()).toBe(0);
      expect(service.stdout()).toContain('jarvis-sync: stopping');
    });
  });

  it('start with no credentials runs the service in demo mode: /health answers, labelled demo; the dashboard shows all nine datasets synced', async () => {
    // Pacing is the user's to set (the demo keeps it, and its Notion emulator allows it); faster here.
    service = await startService(['start'], { GOOGLE_REQUESTS_PER_SECOND: '50', NOTION_REQUESTS_PER_SECOND: '50' });
    expect(service.stdout()).toContain('DEMO MODE');
    // Both emulators, with what they hold.
    expect(service.stdout()).toMatch(/a sample Notion workspace \(16 books, 130 highlights, .*\)\nserved by the local Notion emulator at http:\/\/127\.0\.0\.1:\d+/);
    expect(service.stdout()).toMatch(/a sample Google account \(40 calendar events, 60 e-mails, 20 contacts \(12 of them also in Notion\)\) served by the local Google emulator at http:\/\/127\.0\.0\.1:\d+/);
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as any;
    expect(body.mode).toBe('demo');
    expect(Object.keys(body).sort()).toEqual(['mode', 'stats', 'status', 'sync_status']);
    // No token configured: local requests need none.
    expect((await fetch(`${service.url}/runs`)).status).toBe(200);
    await service.waitFor(/sync all, schedule: success/);
    const dashboard = (await (await fetch(`${service.url}/api/dashboard`)).json()) as any;
    expect(dashboard.datasets.map((d: any) => [d.name, d.configured, d.lastRun?.status])).toEqual(
      ['contacts', 'contacts_google', 'meetings', 'tasks', 'reflections', 'journals', 'calendar', 'gmail', 'books', 'highlights'].map((name) => [name, true, 'success']),
    );
    // Exits (with the Notion and Google emulators closed: an open one would keep the process alive).
    expect(await service.stop()).toBe(0);
  });
});
