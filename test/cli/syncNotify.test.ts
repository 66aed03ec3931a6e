/**
 * `jarvis-sync sync` notifies: each invocation is a process of its own (as from cron), and the count
 * lives in the database, so the fifth failing invocation within the window sends the one message and
 * the next good one sends "resolved". The webhook is a fake behind the injected fetch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { parseCommand } from '../../src/cli/args.ts';
import { syncCommand } from '../../src/cli/commands/sync.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { createTestDatabase, storeBackends, type TestDatabase } from '../helpers/stores.ts';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child() { return silent; } } as never;

describe('jarvis-sync sync notifies (cron: one process per run, one count in the database)', () => {
  const { seed, ids } = sampleNotionWorkspace({ books: 3, highlightsPerBook: 1 });
  const emulator = createNotionEmulator({ seed, tokens: ['secret_cron'] });
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-cron-notify-'));
  let db: TestDatabase | undefined;
  let config: (notionUrl: string) => Config;
  beforeAll(async () => {
    await emulator.listen(0, '127.0.0.1');
    if (storeBackends().includes('postgres')) db = await createTestDatabase();
    config = (notionUrl) => {
      const c = loadConfig({
        env: {
          NOTION_TOKEN: 'secret_cron',
          NOTION_BASE_URL: notionUrl,
          NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
          NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/secret',
          JARVIS_DATA_DIR: dir,
          ...(db ? { DATABASE_URL: db.url } : {}),
        },
        cwd: dir,
      });
      return { ...c, notion: { ...c.notion, maxRetries: 0 } };
    };
  });
  afterAll(async () => {
    await emulator.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the fifth failing invocation within the window notifies once; the next good one resolves', async () => {
    const sent: Array<{ kind: string; count: number; resolved: boolean; text: string }> = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      sent.push(JSON.parse(String(init.body)));
      return new Response('ok');
    }) as unknown as typeof globalThis.fetch;
    const clock = new FakeClock('2026-01-05T09:00:00.000Z');
    const out: string[] = [];
    const cron = async (notionUrl: string) => {
      clock.advance(15 * 60_000);
      return syncCommand(parseCommand(['sync', 'books']), config(notionUrl), silent, (s) => out.push(s), { fetch, clock });
    };
    const down = 'http://127.0.0.1:1'; // nothing listens there: every Notion request fails
    for (let i = 0; i < 4; i++) expect(await cron(down)).toBe(1);
    expect(sent).toEqual([]);
    expect(await cron(down)).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'notion:transient', count: 5, resolved: false });
    expect(await cron(down)).toBe(1);
    expect(sent).toHaveLength(1);
    expect(await cron(emulator.url)).toBe(0);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ kind: 'notion:transient', count: 6, resolved: true });
  }, 60_000);

  it('--full with --hours runs the full sync (as the endpoint does) instead of refusing', async () => {
    const out: string[] = [];
    const code = await syncCommand(parseCommand(['sync', 'books', '--full', '--hours', '24', '--json']), config(emulator.url), silent, (s) => out.push(s), { clock: new FakeClock() });
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n')).datasets[0]).toMatchObject({ dataset: 'books', status: 'success', mode: 'full' });
  }, 60_000);
});
