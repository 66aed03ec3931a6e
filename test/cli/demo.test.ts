/**
 * The demo as `npm start` runs it with nothing configured (`serve` in demo mode), in this process:
 * the Notion and Google emulators with their samples, PGlite in a temporary folder, and time on a
 * FakeClock with ManualTimers, so the simulated user's edits, the webhook settle windows and the
 * schedule happen when the test advances them — nothing waits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EDIT_KINDS } from '../../src/cli/commands/demo.ts';
import { serveCommand } from '../../src/cli/commands/serve.ts';
import { loadConfig } from '../../src/config/index.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

const EDIT_INTERVAL_S = 10;
const NINE = ['contacts', 'meetings', 'tasks', 'reflections', 'journals', 'calendar', 'gmail', 'books', 'highlights'];

describe('the demo (serve in demo mode, no credentials)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-demo-'));
  // Monday morning, right after a quarter past: the */15 schedule stays out of the way of the edits below.
  const clock = new FakeClock('2026-12-07T09:16:00.000Z');
  const timers = new ManualTimers(clock);
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const out = (s: string) => {
    lines.push(...s.split('\n'));
    for (const l of [...listeners]) l();
  };
  /** Resolves with the first output line, from `from` on, that matches (event-driven, no polling). */
  const lineMatching = (pattern: RegExp, from = 0) =>
    new Promise<RegExpMatchArray>((resolve) => {
      const check = () => {
        for (const line of lines.slice(from)) {
          const m = line.match(pattern);
          if (m) {
            listeners.delete(check);
            resolve(m);
            return;
          }
        }
      };
      listeners.add(check);
      check();
    });
  let stop!: () => void;
  let served!: Promise<number>;
  let url!: string;
  // The demo's PGlite belongs to the service while it runs: rows are read after it stopped.
  let store: Store | undefined;
  const get = async (path: string) => (await fetch(`${url}${path}`)).json() as Promise<any>;

  beforeAll(async () => {
    const base = loadConfig({ env: { JARVIS_DATA_DIR: dir }, cwd: dir });
    served = serveCommand({ command: 'start', positionals: [], flags: { port: '0' } }, base, silentLogger, out, {
      demo: true,
      editIntervalSeconds: EDIT_INTERVAL_S,
      clock,
      timers,
      until: new Promise<void>((resolve) => (stop = resolve)),
    });
    [, url] = (await Promise.race([lineMatching(/serving on (http:\/\/\S+) /), served.then(() => { throw new Error(lines.join('\n')); })])) as RegExpMatchArray;
    await lineMatching(/sync all, schedule: /);
  }, 120_000);

  afterAll(async () => {
    stop?.();
    await served?.catch(() => undefined);
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what it serves: the Notion workspace and the Google account, each with its contents', () => {
    const text = lines.join('\n');
    expect(text).toMatch(/DEMO MODE/);
    expect(text).toMatch(/a sample Notion workspace \(16 books, 130 highlights, 12 contacts, .*\)/);
    expect(text).toMatch(/a sample Google account \(40 calendar events, 60 e-mails, 20 contacts \(12 of them also in Notion\)\) served by the local Google emulator at http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/all nine datasets, contacts three ways/);
  });

  it('the first pass syncs all nine datasets, the Google ones and contacts’ Google leg included, with success', async () => {
    expect(lines.join('\n')).toMatch(/sync all, schedule: success/);
    const { runs } = await get('/runs');
    const all = runs.filter((r: any) => r.target === 'all');
    expect(all).toHaveLength(1);
    const first = await get(`/runs/${all[0].run_id}`);
    expect(first).toMatchObject({ status: 'success', options: { full: true } });
    const results = new Map<string, any[]>();
    for (const r of first.summary.datasets) results.set(r.dataset, [...(results.get(r.dataset) ?? []), r]);
    for (const name of [...NINE, 'contacts_google']) {
      expect(results.get(name)?.every((r) => r.status === 'success'), name).toBe(true);
    }
    expect(results.get('calendar')![0].created).toBeGreaterThan(20);
    expect(results.get('gmail')![0].created).toBeGreaterThan(20);
    // Google's 20 people: 12 matched to the Notion contacts by e-mail (Maya's differs in case), 8 new rows.
    expect(results.get('contacts_google')![0]).toMatchObject({ created: 8, updated: 12 });
  });

  it('the dashboard lists the nine datasets and contacts’ Google leg, all configured and synced', async () => {
    const data = await get('/api/dashboard');
    expect(data.datasets.map((d: any) => d.name)).toEqual(['contacts', 'contacts_google', ...NINE.slice(1)]);
    for (const d of data.datasets) {
      expect(d, d.name).toMatchObject({ configured: true, hint: d.name === 'contacts_google' ? 'runs with contacts' : null });
      expect(d.lastRun?.status, d.name).toBe('success');
    }
  });

  it('the periodic edits cover Notion, Google and Postgres, and the Google ones reach Postgres', async () => {
    const edits: string[] = [];
    const seen: Record<string, string> = {};
    for (let cycle = 1; cycle <= DEMO_EDIT_KINDS; cycle++) {
      const from = lines.length;
      await timers.advance(EDIT_INTERVAL_S * 1000);
      const [line] = await lineMatching(/ demo: (.*)$/, from);
      edits.push(line!);
      if (/Google Calendar/.test(line!)) {
        // The emulator's push notification reached the service; after the settle window a calendar run reads it.
        seen.calendar = line!.match(/added "(.*)" to Google Calendar/)![1]!;
        // The run may already have come and gone while the edit was being announced (the settle
        // window runs on the same clock): look from the start of this cycle.
        const ran = lineMatching(/sync calendar, webhook: success/, from);
        await timers.advance(5_000);
        await ran;
      } else if (/in Gmail/.test(line!)) {
        seen.gmail = line!.match(/in Gmail: "(.*)"$/)![1]!;
        await lineMatching(/sync gmail, schedule: success/, from);
      } else if (/in Google Contacts/.test(line!)) {
        const [, name, phone] = line!.match(/phone number of "(.*)" to (.+?) in Google Contacts/)!;
        seen.contact = `${name}\u0000${phone}`;
        await lineMatching(/sync contacts, schedule: success/, from);
      }
    }
    expect(edits.filter((e) => / in Notion/.test(e)).length).toBeGreaterThanOrEqual(3);
    expect(edits.filter((e) => / in Postgres/.test(e))).toHaveLength(1);
    expect(Object.keys(seen).sort()).toEqual(['calendar', 'contact', 'gmail']);
    // Every run the edits caused succeeded.
    const after = lines.slice(lines.findIndex((l) => / demo: /.test(l)));
    expect(after.filter((l) => /\] sync \S+/.test(l)).every((l) => /: success/.test(l))).toBe(true);

    // Read the rows once the service has stopped (its PGlite is one process's).
    stop();
    expect(await served).toBe(0);
    store = await openStore({ dataDir: join(dir, 'demo-pgdata') });
    const one = async (sql: string, params: unknown[]) => (await store!.query(sql, params)).rows;
    expect(await one('SELECT 1 FROM calendar_events WHERE summary = $1 AND deleted_at IS NULL', [seen.calendar])).toHaveLength(1);
    expect(await one('SELECT 1 FROM emails WHERE subject = $1 AND cardinality(contact_ids) > 0', [seen.gmail])).toHaveLength(1);
    const [name, phone] = seen.contact!.split('\u0000') as [string, string];
    const e164 = `+${phone.replace(/\D/g, '')}`;
    const contact = await one('SELECT phones, google_resource_name, notion_page_id FROM contacts WHERE name = $1 AND deleted_at IS NULL', [name]);
    expect(contact).toHaveLength(1);
    expect(contact[0].phones[0]).toBe(e164);
    expect(contact[0].google_resource_name).toMatch(/^people\//);
    expect(contact[0].notion_page_id).toBeTruthy();
    // Every contact is linked on both sides.
    expect(await one('SELECT 1 FROM contacts WHERE deleted_at IS NULL AND (google_resource_name IS NULL OR notion_page_id IS NULL)', [])).toHaveLength(0);
  });

  it('on shutdown both emulators and the service are closed', async () => {
    stop();
    expect(await served).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain('jarvis-sync: stopping');
    const notionUrl = text.match(/served by the local Notion emulator at (http:\/\/\S+?),?$/m)![1]!;
    const googleUrl = text.match(/served by the local Google emulator at (http:\/\/\S+?),$/m)![1]!;
    for (const u of [url, notionUrl, googleUrl]) await expect(fetch(u), u).rejects.toThrow();
  });
});
