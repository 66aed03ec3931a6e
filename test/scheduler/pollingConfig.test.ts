/**
 * The `polling` config keys (validated with the rest of the config file) and what they decide: the
 * Notion poll interval (and its idle request rate), which datasets are polled — config-defined
 * ones included — and `enabled: false`. No network, no database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { googlePollFeeds } from '../../src/scheduler/googlePoller.ts';
import { notionIdleRate, notionPollDatasets, notionPollSeconds } from '../../src/scheduler/notionPoller.ts';
import { startPolling } from '../../src/scheduler/polling.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import type { Sql } from '../../src/store/types.ts';

const SEVEN = {
  NOTION_TOKEN: 'secret_x',
  NOTION_BOOKS_DATABASE_ID: '11111111111141118111111111111111',
  NOTION_HIGHLIGHTS_DATABASE_ID: '22222222222242228222222222222222',
  NOTION_CONTACTS_DATABASE_ID: '33333333333343338333333333333333',
  NOTION_MEETINGS_DATABASE_ID: '44444444444444448444444444444444',
  NOTION_TASKS_DATABASE_ID: '55555555555545558555555555555555',
  NOTION_REFLECTIONS_DATABASE_ID: '66666666666646668666666666666666',
  NOTION_JOURNALS_DATABASE_ID: '77777777777747778777777777777777',
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jarvis-polling-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withFile(content: unknown, env: Record<string, string> = SEVEN): Config {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(content));
  return loadConfig({ env: { ...env, JARVIS_CONFIG: path }, cwd: dir });
}

describe('polling config', () => {
  it('defaults: on; Notion every 30 s without webhooks (0.26 requests/s for the seven datasets), 300 s with; Google 30 s, calendar backup 300 s', () => {
    const config = loadConfig({ env: SEVEN, cwd: dir });
    expect(config.polling).toEqual({ enabled: true, notionSeconds: null, notionBackupSeconds: 300, googleSeconds: 30, googleBackupSeconds: 300 });
    expect(notionPollDatasets(config)).toHaveLength(7);
    expect(notionPollSeconds(config, 7, false)).toBe(30);
    expect(notionIdleRate(7, 30)).toBeCloseTo(0.2567, 3);
    expect(notionIdleRate(7, 30)).toBeLessThanOrEqual(0.3); // a tenth of Notion's 3 requests/second
    expect(notionPollSeconds(config, 7, true)).toBe(300);
  });

  it('the default interval stretches to stay within a tenth of the Notion rate (more datasets, a lower rate)', () => {
    const config = loadConfig({ env: SEVEN, cwd: dir });
    expect(notionPollSeconds(config, 12, false)).toBe(44);
    expect(notionIdleRate(12, 44)).toBeCloseTo(0.3, 9); // exactly the budget (12 × 1.1 / 44)
    const slow = loadConfig({ env: { ...SEVEN, NOTION_REQUESTS_PER_SECOND: '1' }, cwd: dir });
    expect(notionPollSeconds(slow, 7, false)).toBe(77);
    expect(notionIdleRate(7, 77)).toBeCloseTo(0.1, 9); // a tenth of 1 request/second
  });

  it('set values are honoured as given; bad ones are refused with the key named', () => {
    const config = withFile({ polling: { notionSeconds: 10, notionBackupSeconds: 600, googleSeconds: 60, googleBackupSeconds: 900 } });
    expect(config.polling).toEqual({ enabled: true, notionSeconds: 10, notionBackupSeconds: 600, googleSeconds: 60, googleBackupSeconds: 900 });
    expect(notionPollSeconds(config, 7, false)).toBe(10);
    expect(notionPollSeconds(config, 7, true)).toBe(600);
    expect(() => withFile({ polling: { notionSeconds: 1 } })).toThrow(/polling\.notionSeconds/);
    expect(() => withFile({ polling: { everySeconds: 30 } })).toThrow(/polling: unknown key\(s\) everySeconds/);
  });

  it('a dataset of your own is polled like the built-in ones; disabled and unconfigured ones are not', () => {
    const config = withFile(
      {
        datasets: {
          books: { enabled: false },
          recipes: { databaseId: 'a0a0a0a0000040008000000000000000', direction: 'notion-to-postgres', table: 'recipes', fields: { name: { property: 'Name' } } },
        },
      },
      { NOTION_TOKEN: 'secret_x', NOTION_MEETINGS_DATABASE_ID: SEVEN.NOTION_MEETINGS_DATABASE_ID },
    );
    expect(notionPollDatasets(config).map((d) => d.name)).toEqual(['meetings', 'recipes']);
    expect(googlePollFeeds(config)).toEqual([]); // Google not configured
  });

  it('enabled: false starts no poller, and says how changes arrive instead', async () => {
    const config = withFile({ polling: { enabled: false } }, { ...SEVEN, NOTION_WEBHOOK_VERIFICATION_TOKEN: 'secret_w' });
    const clock = new FakeClock();
    const timers = new ManualTimers(clock);
    const store = { query: async () => ({ rows: [], rowCount: 0 }) } as unknown as Sql;
    const polling = await startPolling({
      config,
      store,
      notion: {} as never,
      runs: { running: () => [], list: () => [] },
      dispatcher: { touchPage: () => undefined, touchDataset: () => undefined },
      logger: silentLogger,
      clock,
      timers,
    });
    expect(polling.notion).toBeNull();
    expect(polling.google).toBeNull();
    expect(timers.count).toBe(0);
    expect(polling.freshness.list().map((d) => d.arrival)).toEqual(Array(7).fill('webhook'));
    await polling.stop();
  });
});
