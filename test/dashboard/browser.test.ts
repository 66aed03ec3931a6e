/**
 * The dashboard in real headless Chromium (Debian's `chromium` package when installed, otherwise the
 * one inside the `@sparticuz/chromium` dev dependency; see test/helpers/chromium.ts), driven by playwright-core
 * against a real HTTP server whose sync_logs come from real sync runs: the page asks for the API
 * token, then shows each dataset's last run with its counts, the 24-hour chart, the recent errors;
 * its Run button starts a sync with the token and follows it to the end. The screenshot is kept at
 * test/artifacts/dashboard.png and checked to be a real rendering, not a blank page.
 *
 * Chromium is required, not optional: where none can be had this test fails and says so.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../src/scheduler/freshness.ts';
import type { Store } from '../../src/store/types.ts';
import { CHROMIUM_ARGS, resolveChromium } from '../helpers/chromium.ts';
import { openTestStore, resetTables } from '../helpers/stores.ts';
import { syncedScenario, type DashboardScenario } from './scenario.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const API_TOKEN = 'dashboard-test-token-7f3a';
const ARTIFACT = fileURLToPath(new URL('../artifacts/dashboard.png', import.meta.url));
const EMPTY_ARTIFACT = fileURLToPath(new URL('../artifacts/dashboard-empty.png', import.meta.url));

/** Columns of the datasets table, by index. */
const COL = { name: 0, lastRun: 1, status: 2, duration: 3, created: 4, updated: 5, deleted: 6, unchanged: 7, errors: 8, conflicts: 9, day: 10 };

describe('dashboard in headless Chromium', () => {
  let store: Store;
  let sc: DashboardScenario;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const { executablePath } = await resolveChromium();
    store = await openTestStore('pglite');
    sc = await syncedScenario(store);
    // How changes arrive, as a running service's pollers and Postgres listener report them.
    const freshness = new Freshness();
    freshness.set('books', 'notion', 'polling', 30);
    freshness.recordLag('books', 'notion', sc.ctx.clock.now() - 23_000, sc.ctx.clock.now());
    freshness.set('meetings', 'notion', 'webhook', 300);
    freshness.set('meetings', 'postgres', 'listen', 60);
    freshness.recordLag('meetings', 'postgres', sc.ctx.clock.now() - 2_400, sc.ctx.clock.now());
    server = await startTestServer(sc.ctx, { token: API_TOKEN, mode: 'demo', freshness });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC', colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // The 401s the page answers by asking for the token are logged by Chromium as failed loads.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sc?.close();
    await store?.close();
  });

  const row = (dataset: string) => page.locator(`#datasets-body tr[data-dataset="${dataset}"]`);
  const cell = (dataset: string, col: number) => row(dataset).locator('td').nth(col);

  it('asks for the API token, then loads the data with it', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.locator('#banner').textContent()).toMatch(/requires its API token/);
    await page.click('#banner-token');
    await expect.poll(() => page.locator('#token-dialog').isVisible()).toBe(true);
    await page.fill('#token-input', API_TOKEN);
    await page.click('#token-form button[type="submit"]');
    await row('books').locator('td.num').first().waitFor();
    expect(await page.locator('#banner').isHidden()).toBe(true);
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('jarvis-sync:api-token'))).toBe(API_TOKEN);
    expect(await page.locator('#token-label').textContent()).toBe('Token set');
  });

  it('shows every configured dataset’s last run with the counts that run reported', async () => {
    for (const name of ['contacts', 'meetings', 'tasks', 'reflections', 'journals', 'books', 'highlights']) {
      const r = sc.latest(name);
      const text = async (col: number) => (await cell(name, col).textContent())!.trim();
      expect(await cell(name, COL.status).locator('.pill').textContent(), name).toBe(r.status);
      expect(await cell(name, COL.lastRun).locator('.mode').textContent(), name).toBe(r.mode);
      expect(await text(COL.lastRun), name).toMatch(/^(just now|\d+ s ago|\d+ min ago)/);
      expect(await text(COL.created), name).toBe(String(r.created));
      expect(await text(COL.updated), name).toBe(String(r.updated));
      expect(await text(COL.deleted), name).toBe(String(r.deleted));
      expect(await text(COL.unchanged), name).toBe(String(r.unchanged));
      expect(await text(COL.errors), name).toBe(String(r.errors.length));
      expect(await text(COL.conflicts), name).toBe(String((r.conflicts ?? []).length));
      expect(await text(COL.day), name).toMatch(/^2 runs\d+ records$/);
    }
    // The first run created the workspace: its unchanged count now is everything it created.
    const contacts = sc.first.find((r) => r.dataset === 'contacts')!;
    expect(contacts.created).toBeGreaterThan(0);
    expect(await cell('contacts', COL.unchanged).textContent()).toBe(String(sc.latest('contacts').unchanged));
    expect(await cell('books', COL.status).textContent()).toBe('error1 record error · retried next run');
    expect(await cell('meetings', COL.conflicts).textContent()).toBe('1');
    expect(await row('calendar').textContent()).toMatch(/not configured.*GOOGLE_CLIENT_ID/);
    expect(await row('calendar').locator('button').count()).toBe(0);
  });

  it('shows how each dataset’s changes arrive, per side, with the last lag', async () => {
    // Under each dataset's name, one line per side.
    const books = cell('books', COL.name).locator('.ds-arrival');
    expect(await books.allTextContents()).toEqual(['Notion: polling 30 s · lag 23 s']);
    expect(await books.getAttribute('title')).toMatch(/^Notion → Postgres: changes arrive by polling every 30 s; last lag 23 s \(edit → written\), /);
    const meetings = cell('meetings', COL.name).locator('.ds-arrival');
    expect(await meetings.allTextContents()).toEqual(['Notion: webhook', 'Postgres: LISTEN · lag 2.4 s']);
    expect(await meetings.first().getAttribute('title')).toMatch(/backed up by a read every 5 min; no lag measured yet/);
    expect(await meetings.nth(1).getAttribute('data-arrival')).toBe('listen');
    // Nothing reports on tasks (no poller in this test).
    expect(await cell('tasks', COL.name).locator('.ds-arrival').count()).toBe(0);
  });

  it('labels demo mode and shows the health and the 24-hour totals', async () => {
    expect(await page.locator('#demo-badge').isVisible()).toBe(true);
    expect(await page.locator('#health').textContent()).toMatch(/Degraded|Healthy/);
    const ran = [...sc.first, ...sc.second].filter((r) => r.status !== 'skipped');
    expect(await page.locator('#stat-runs').textContent()).toBe(String(ran.length));
    expect(await page.locator('#stat-conflicts').textContent()).toBe('1');
  });

  it('draws runs and records per hour over the last 24 hours', async () => {
    expect(await page.locator('#chart svg .hour').count()).toBe(24);
    expect(await page.locator('#chart rect.bar').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#chart circle.point').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#chart circle.point.failed').count()).toBeGreaterThanOrEqual(1); // the books runs failed
    const height = await page.locator('#chart rect.bar').last().getAttribute('height');
    expect(Number(height)).toBeGreaterThan(50);
  });

  it('lists recent errors with their messages, and the conflict', async () => {
    const errors = page.locator('#errors li');
    expect(await errors.count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#errors').textContent()).toContain('"Rating" is of type rich_text, expected number');
    expect(await page.locator('#errors').textContent()).toContain(sc.brokenBook);
    expect(await page.locator('#conflicts').textContent()).toMatch(/meetings.*summary: postgres won \(newer\)/);
  });

  it('a run’s “changes” link lists the records that run changed, one sync_logs row each', async () => {
    const logId = await row('books').locator('button[data-changes]').getAttribute('data-changes');
    const { rows } = await store.query<{ event_type: string }>(`SELECT event_type FROM jarvis_sync.sync_logs WHERE run_id = $1 AND changed_fields IS NOT NULL`, [logId]);
    expect(rows.length).toBeGreaterThan(0);
    await row('books').locator('button[data-changes]').click();
    await expect.poll(() => page.locator('#run-changes-list li[data-change]').count()).toBe(rows.length);
    expect(await page.locator('#run-changes').isVisible()).toBe(true);
    expect(await page.locator('#run-changes-title').textContent()).toMatch(/^Changes of books/);
    expect(await page.locator('#run-changes-list li[data-change] .event-type').allTextContents()).toEqual(expect.arrayContaining(rows.map((r) => r.event_type)));
    await page.click('#run-changes-close');
    expect(await page.locator('#run-changes').isHidden()).toBe(true);
  });

  it('the Run button starts a sync with the token and follows the run to its end', async () => {
    await page.click('button[data-run="meetings"]');
    await expect.poll(() => page.locator('[data-run-status="meetings"]').textContent(), { timeout: 20_000 }).toMatch(/success/);
    expect(server.syncAuthorizations).toEqual([`Bearer ${API_TOKEN}`]);
    const run = server.runs.list().find((r) => r.target === 'meetings')!;
    expect(run).toMatchObject({ trigger: 'http', status: 'success' });
    expect(await page.locator('[data-run-status="meetings"]').getAttribute('data-run-id')).toBe(run.id);
    expect(await page.locator('[data-run-status="meetings"]').textContent()).toBe(`${run.id.slice(0, 8)} · success`);
    // The dashboard reloaded: the new run is counted.
    await expect.poll(() => cell('meetings', COL.day).textContent()).toMatch(/^3 runs/);
  });

  it('fits 1280 pixels: nothing scrolls sideways', async () => {
    const widths = await page.evaluate(() => {
      const { document } = globalThis as any; // runs in Chromium; the type-check has no DOM library
      const wrap = document.querySelector('.table-wrap');
      return { page: document.documentElement.scrollWidth as number, table: wrap.scrollWidth as number, wrap: wrap.clientWidth as number };
    });
    expect(widths.page).toBeLessThanOrEqual(1280);
    expect(widths.table).toBeLessThanOrEqual(widths.wrap);
  });

  it('renders without script errors or CSP violations, and the screenshot is a real rendering', async () => {
    expect(problems).toEqual([]);
    mkdirSync(dirname(ARTIFACT), { recursive: true });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: ARTIFACT, fullPage: true });
    const png = readFileSync(ARTIFACT);
    expect(statSync(ARTIFACT).size).toBeGreaterThan(40_000);
    const pixels = await analyse(context, png);
    expect(pixels.width).toBe(1280);
    expect(pixels.height).toBeGreaterThanOrEqual(800);
    expect(pixels.colors).toBeGreaterThan(200); // text, pills, bars: far from a blank page
    expect(pixels.inkShare).toBeGreaterThan(0.015); // text and borders (a blank page: 0)
    expect(pixels.blueShare).toBeGreaterThan(0.001); // the chart's bars
  });

  it('an empty database shows “no runs yet” instead of failing', async () => {
    await resetTables(store);
    await page.click('#refresh');
    await expect.poll(() => page.locator('#banner').textContent()).toMatch(/No runs yet/);
    expect(await cell('books', COL.status).textContent()).toBe('no runs yet');
    expect(await page.locator('#chart').textContent()).toContain('No runs in the last 24 hours');
    expect(await page.locator('#errors').textContent()).toContain('No errors recorded.');
    expect(await page.locator('#stat-last').textContent()).toBe('never');
    await page.screenshot({ path: EMPTY_ARTIFACT, fullPage: true });
    expect(problems).toEqual([]);
  });
});

/** Decodes the PNG in the browser (a blank page of our own origin-less context) and measures it. */
async function analyse(context: BrowserContext, png: Buffer) {
  const p = await context.newPage();
  try {
    return await p.evaluate(async (b64) => {
      const { document, Image } = globalThis as any; // runs in Chromium; the type-check has no DOM library
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d');
      g.drawImage(img, 0, 0);
      const d: Uint8ClampedArray = g.getImageData(0, 0, canvas.width, canvas.height).data;
      const colors = new Set<number>();
      let ink = 0;
      let blue = 0;
      let n = 0;
      for (let i = 0; i < d.length; i += 4 * 3) {
        const [r, gr, b] = [d[i]!, d[i + 1]!, d[i + 2]!];
        colors.add(((r >> 3) << 10) | ((gr >> 3) << 5) | (b >> 3));
        if (r + gr + b < 600) ink++;
        if (b > r + 80 && b > gr + 50) blue++;
        n++;
      }
      return { width: canvas.width as number, height: canvas.height as number, colors: colors.size, inkShare: ink / n, blueShare: blue / n };
    }, png.toString('base64'));
  } finally {
    await p.close();
  }
}

