/**
 * `jarvis-sync serve` wires Postgres → Notion in (src/scheduler/postgresChanges.ts): an app's edit
 * on its own connection to the service's PostgreSQL reaches Notion by LISTEN, without a poll and
 * without the schedule. In this process, time on a FakeClock with ManualTimers; the database's
 * notification itself arrives in real time (the test spins the event loop for it, never sleeps).
 * Needs TEST_DATABASE_URL: an embedded PGlite belongs to the service's process alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { serveCommand } from '../../src/cli/commands/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { plain } from '../helpers/harness.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/stores.ts';

const TOKEN = 'secret_serve_pg';
/** Less than one poll interval (postgresChanges.pollSeconds, 5 s by default). */
const POSTGRES_POLL_FREE_WINDOW_MS = 4_500;

describe.skipIf(!process.env.TEST_DATABASE_URL)('serve: Postgres → Notion (needs TEST_DATABASE_URL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-serve-pg-'));
  // Right after a quarter past: the */15 schedule stays out of the way.
  const clock = new FakeClock('2026-12-07T09:16:00.000Z');
  const timers = new ManualTimers(clock);
  const { seed, ids } = sampleTwoWayWorkspace();
  const emulator = createNotionEmulator({ clock, tokens: [TOKEN], seed });
  const lines: string[] = [];
  const out = (s: string) => void lines.push(...s.split('\n'));
  let db: TestDatabase;
  let stop!: () => void;
  let served: Promise<number> | undefined;

  /** Spins the event loop (no timers, no sleeping) until `predicate` holds. */
  const spinUntil = async (predicate: () => boolean, what: string, turns = 200_000) => {
    for (let i = 0; i < turns; i++) {
      if (predicate()) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`timed out waiting for ${what}:\n${lines.join('\n')}`);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const url = await emulator.listen(0, '127.0.0.1');
    const config = loadConfig({
      env: {
        NOTION_TOKEN: TOKEN,
        NOTION_BASE_URL: url,
        NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
        NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase,
        NOTION_TASKS_DATABASE_ID: ids.tasksDatabase,
        NOTION_REFLECTIONS_DATABASE_ID: ids.reflectionsDatabase,
        NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
        NOTION_REQUESTS_PER_SECOND: '50',
        DATABASE_URL: db.url,
        JARVIS_DATA_DIR: dir,
      },
      cwd: dir,
    });
    served = serveCommand({ command: 'serve', positionals: [], flags: { port: '0' } }, config, silentLogger, out, {
      clock,
      timers,
      until: new Promise<void>((resolve) => (stop = resolve)),
    });
    await spinUntil(() => lines.some((l) => /sync all, schedule: success/.test(l)), 'the first sync');
  }, 120_000);

  afterAll(async () => {
    stop?.();
    await served?.catch(() => undefined);
    await emulator.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an app's UPDATE reaches Notion in a targeted run, before any poll could have found it", async () => {
    const [meeting] = emulator.listPages(ids.meetingsDataSource);
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    try {
      const { rowCount } = await app.query(`UPDATE meetings SET summary = 'Edited by an app' WHERE notion_page_id = $1`, [meeting!.id]);
      expect(rowCount).toBe(1);
    } finally {
      await app.end();
    }
    // Less fake time than one poll interval: only the notification can have brought it.
    for (let waited = 0; waited < POSTGRES_POLL_FREE_WINDOW_MS && !lines.some((l) => /sync meetings, postgres: /.test(l)); waited += 250) {
      await timers.advance(250);
      for (let i = 0; i < 500; i++) await new Promise((resolve) => setImmediate(resolve));
    }
    await spinUntil(() => lines.some((l) => /sync meetings, postgres: /.test(l)), 'the targeted run');
    expect(lines.filter((l) => /sync meetings, postgres: /.test(l))).toEqual([expect.stringMatching(/sync meetings, postgres: success$/)]);
    expect(plain(emulator.getPage(meeting!.id)!, 'Summary')).toBe('Edited by an app');
  });
});
