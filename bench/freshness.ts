/**
 * `npm run bench:freshness`: how soon an edit on one side is written on the other, and what waiting
 * for edits costs, with the service as users run it — `jarvis-sync serve` in a child process, its
 * DEFAULT configuration (polling intervals, settle windows, LISTEN), the real clock — against the
 * Notion and Google emulators (the sample workspace of the demo) in this process. Only the 15-minute
 * schedule and the nightly full pass are turned off (a config file with `schedule.enabled: false`):
 * they are the safety net, not what is measured, and a scheduled `sync all` falling inside a
 * measurement would make the figures depend on the time of day.
 *
 * Four services run side by side, each on a fresh PostgreSQL database of its own (created on
 * BENCH_DATABASE_URL's server, default postgres://postgres:postgres@127.0.0.1:5432/postgres, and
 * dropped at the end):
 *   A  direct connection (LISTEN), no Notion webhooks (Notion is polled), Google polled:
 *      Postgres → Notion by LISTEN; then 200 edits to 40 rows in 10 s; then Notion → Postgres by
 *      polling and Google → Postgres by polling, at the same time (they share no rate budget).
 *   B  through PgBouncer in transaction mode (BENCH_POOLER_URL, default 127.0.0.1:6433, where LISTEN
 *      cannot work: the service polls the recorded changes), Notion webhooks delivered by the emulator:
 *      Postgres → Notion by polling; Notion → Postgres by webhook; then 200 Notion edits to 40 pages
 *      in 10 s.
 *   C  like A, idle: what waiting costs without webhooks (Notion, Google and SQL).
 *   D  like B, idle: what waiting costs with webhooks (backup polls) and a transaction pooler.
 *
 * An edit: Postgres — an UPDATE of a text column of a two-way row on a connection of its own, timed
 * when it has committed; Notion — a property edit through the emulator's control API (as a person in
 * the Notion app); Google — an event's summary changed, or an e-mail received. Its write on the other
 * side: Notion — the answer to the service's page update carrying the value (seen by the emulator);
 * Postgres — the row holding the value, looked for every 100 ms (so up to 100 ms late). Edits come at
 * random (exponential gaps, seeded), each to a row or page of its own, so each measures one
 * independent edit as a user makes it.
 *
 * Idle cost: the requests each emulator answered and the transactions PostgreSQL counted for the
 * database (pg_stat_database: the service's statements, and the pooler's own checks) over an idle
 * window (--idle-seconds, default 300: ten polls of each Notion dataset, so the trash query every
 * tenth poll is in it once), extrapolated to an hour.
 *
 * Echo: writes back to the side that was edited, after the edit had arrived — for a Postgres edit,
 * jarvis-sync's audit rows writing that row in Postgres; for a Notion edit, the page updates the
 * emulator answered for that page (and audit rows writing it in Notion). Any is an echo.
 *
 * The Notion emulator enforces Notion's 3 requests/second (burst 3), and both emulators answer each
 * request after --latency-ms (default 200, about what Notion's API takes), so a run costs what it
 * would. Writes bench/results/freshness.json; `npm run bench:report` puts the table in the README.
 * Options: --edits N (50), --burst N (200), --idle-seconds S (300), --latency-ms MS (200), --keep
 * (keep the services' logs in the temporary folder, whose path is printed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_REFRESH_TOKEN } from '../emulators/google/cli.ts';
import { createGoogleEmulator, type GoogleEmulator } from '../emulators/google/index.ts';
import { createNotionEmulator, type NotionEmulator } from '../emulators/notion/index.ts';
import { sampleGoogleWorkspace } from '../emulators/samples/googleWorkspace.ts';
import { mergeSeeds, sampleNotionWorkspace, sampleTwoWayWorkspace } from '../emulators/samples/notionWorkspace.ts';
import type { RecordedResponse } from '../emulators/shared/recorder.ts';
import { machine } from './common.ts';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    edits: { type: 'string', default: '50' },
    burst: { type: 'string', default: '200' },
    'idle-seconds': { type: 'string', default: '300' },
    'latency-ms': { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
  },
});
const EDITS = Number(values.edits);
const BURST = Number(values.burst);
const IDLE_S = Number(values['idle-seconds']);
const LATENCY_MS = Number(values['latency-ms']);
if (!(Number.isInteger(EDITS) && EDITS >= 10 && EDITS <= 50) || !(Number.isInteger(BURST) && BURST >= 40) || !(IDLE_S >= 30) || !(LATENCY_MS >= 0 && LATENCY_MS <= 2000)) {
  console.error('usage: npm run bench:freshness -- [--edits N (10..50)] [--burst N (≥ 40)] [--idle-seconds S (≥ 30)] [--latency-ms MS] [--keep]');
  process.exit(2);
}
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const POOLER_URL = process.env.BENCH_POOLER_URL ?? 'postgres://postgres:postgres@127.0.0.1:6433/postgres';

/** Notion's rate, as the connector paces itself by default. */
const NOTION_RPS = 3;
const NOTION_BURST = 3;
const TOKEN = 'secret_bench_freshness';
const WEBHOOK_TOKEN = 'secret_bench_freshness_webhooks';
/** Rows of the five two-way databases: 50 + 40 + 30 edited in A, 50 + 50 + 20 in B, each once. */
const TWO_WAY = { contacts: 20, meetings: 30, tasks: 30, reflections: 20, journals: 20 };
/** Rows and pages of a burst. */
const BURST_ROWS = 40;
/** Spread of a burst's edits. */
const BURST_WINDOW_MS = 10_000;
/** How often this bench looks in Postgres for the values it is waiting for. */
const WATCH_MS = 100;

export const TARGETS = {
  pgToNotionListenP95S: 5,
  pgToNotionPollingP95S: 15,
  notionToPgWebhookP95S: 5,
  notionToPgPollingP95S: 40,
  idleNotionRps: 0.3,
} as const;

// ---- results ------------------------------------------------------------------------------------

export interface LagScenario {
  /** 'pg-notion-listen' … */
  id: string;
  direction: string;
  arrival: string;
  database: string;
  edits: number;
  arrived: number;
  p50S: number | null;
  p95S: number | null;
  maxS: number | null;
  meanS: number | null;
  /** p95 target in seconds; null: none set. */
  targetP95S: number | null;
  pass: boolean | null;
}

export interface BurstResult {
  id: string;
  direction: string;
  arrival: string;
  edits: number;
  rows: number;
  windowS: number;
  /** Rows whose final value never arrived. */
  lost: number;
  /** Writes the other side received for those rows. */
  writes: number;
  /** From each row's last edit to the write of its last value. */
  p50S: number | null;
  maxS: number | null;
  pass: boolean;
}

export interface IdleResult {
  id: string;
  configuration: string;
  windowS: number;
  notionRequests: number;
  notionPerSecond: number;
  notionPerHour: number;
  notionByEndpoint: Record<string, number>;
  googleRequests: number;
  googlePerHour: number;
  sqlTransactions: number;
  sqlPerHour: number;
  targetNotionPerSecond: number | null;
  pass: boolean | null;
}

export interface FreshnessResult {
  date: string;
  machine: string;
  loadAverage: { start: number[]; end: number[]; meanOfSamples1m: number };
  settings: { notionRps: number; notionBurst: number; latencyMs: number; edits: number; burst: number; idleSeconds: number; watchMs: number };
  scenarios: LagScenario[];
  bursts: BurstResult[];
  idle: IdleResult[];
  echo: { writes: number; checked: number; pass: boolean; detail: string[] };
  durationS: number;
}

// ---- helpers ------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

/** mulberry32: a seeded PRNG, so the edit schedule and the rows picked are the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Offsets (ms from the start) of `n` edits with exponential gaps of mean `meanMs` (at least 100 ms apart). */
function arrivals(n: number, meanMs: number, random: () => number): number[] {
  const out: number[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += Math.max(100, -Math.log(1 - random()) * meanMs);
    out.push(t);
  }
  return out;
}

/** Nearest-rank percentile of seconds. */
function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const round2 = (x: number) => Math.round(x * 100) / 100;
const normalizeId = (id: string) => id.replace(/-/g, '').toLowerCase();
const plainText = (prop: unknown): string => ((prop as { rich_text?: Array<{ plain_text?: string; text?: { content?: string } }> })?.rich_text ?? []).map((t) => t.plain_text ?? t.text?.content ?? '').join('');
const richText = (content: string) => ({ rich_text: [{ type: 'text', text: { content } }] });

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: SERVER_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const withDatabase = (url: string, db: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

/** A dataset's text column and the Notion property it maps (rich_text, so the edit needs no title rules). */
const TEXT_FIELDS: Record<string, { table: string; column: string; property: string; dataSource: keyof Ids }> = {
  contacts: { table: 'contacts', column: 'notes', property: 'Notes', dataSource: 'contactsDataSource' },
  meetings: { table: 'meetings', column: 'summary', property: 'Summary', dataSource: 'meetingsDataSource' },
  tasks: { table: 'tasks', column: 'notes', property: 'Notes', dataSource: 'tasksDataSource' },
  reflections: { table: 'reflections', column: 'content', property: 'Content', dataSource: 'reflectionsDataSource' },
  journals: { table: 'journals', column: 'content', property: 'Entry', dataSource: 'journalsDataSource' },
  books: { table: 'books', column: 'author', property: 'Author', dataSource: 'booksDataSource' },
  highlights: { table: 'highlights', column: 'location', property: 'Location', dataSource: 'highlightsDataSource' },
};
const TWO_WAY_DATASETS = ['contacts', 'meetings', 'tasks', 'reflections', 'journals'];

type Ids = ReturnType<typeof sampleNotionWorkspace>['ids'] & ReturnType<typeof sampleTwoWayWorkspace>['ids'];

// ---- one service and its emulators ------------------------------------------------------------------

interface Target {
  dataset: string;
  rowId: string;
  pageId: string;
}

/** A value this bench waits for on the Notion side (the service's page update carrying it). */
interface NotionWait {
  value: string;
  resolve(at: number): void;
}

/** A value this bench waits for in Postgres. */
interface PgWait {
  table: string;
  key: string;
  keyValue: string;
  column: string | null;
  value: string | null;
  resolve(at: number): void;
}

class Instance {
  readonly dir: string;
  readonly db: string;
  readonly ids: Ids;
  notion!: NotionEmulator;
  google!: GoogleEmulator;
  child: ChildProcess | null = null;
  url = '';
  readonly lines: string[] = [];
  pool!: pg.Pool;
  /** Page writes the emulator answered: page id (normalized) → [time, properties]. */
  readonly pageWrites = new Map<string, Array<{ at: number; properties: Record<string, unknown> }>>();
  private readonly notionWaits = new Map<string, NotionWait[]>();
  private readonly pgWaits = new Set<PgWait>();
  private watching = false;
  private watchLoop: Promise<void> | null = null;
  private exited: Promise<void> | null = null;

  constructor(
    readonly name: string,
    readonly pooled: boolean,
    readonly webhooks: boolean,
    root: string,
    stamp: string,
  ) {
    this.dir = join(root, name);
    this.db = `jarvis_bench_freshness_${name.toLowerCase()}_${stamp}`;
    this.ids = { ...sampleNotionWorkspace().ids, ...sampleTwoWayWorkspace(TWO_WAY).ids };
  }

  get serviceUrl(): string {
    return withDatabase(this.pooled ? POOLER_URL : SERVER_URL, this.db);
  }

  get directUrl(): string {
    return withDatabase(SERVER_URL, this.db);
  }

  async start(): Promise<void> {
    await admin((c) => c.query(`CREATE DATABASE ${this.db}`));
    this.pool = new pg.Pool({ connectionString: this.directUrl, max: 3 });
    const seed = mergeSeeds(sampleNotionWorkspace().seed, sampleTwoWayWorkspace(TWO_WAY).seed);
    this.notion = createNotionEmulator({
      seed,
      tokens: [TOKEN],
      rateLimit: { requestsPerSecond: NOTION_RPS, burst: NOTION_BURST },
      recorder: (r) => this.recorded(r),
    });
    const googleSample = sampleGoogleWorkspace({ anchor: Date.now() });
    // People's propagation delay stays Google's (minutes): contacts' edits are not measured here.
    this.google = createGoogleEmulator({ seed: googleSample.seed, clientId: SAMPLE_CLIENT_ID, clientSecret: SAMPLE_CLIENT_SECRET, refreshTokens: [SAMPLE_REFRESH_TOKEN] });
    if (LATENCY_MS > 0) {
      this.notion.setFaults({ rate: 0, latencyMs: LATENCY_MS });
      this.google.setFaults({ rate: 0, latencyMs: LATENCY_MS });
    }
    const notionUrl = await this.notion.listen(0, '127.0.0.1');
    const googleUrl = await this.google.listen(0, '127.0.0.1');
    mkdirSync(this.dir, { recursive: true });
    const configPath = join(this.dir, 'jarvis-sync.config.json');
    writeFileSync(configPath, JSON.stringify({ schedule: { enabled: false } }, null, 2));
    const ids = this.ids;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: this.dir,
      TMPDIR: process.env.TMPDIR ?? tmpdir(),
      JARVIS_DATA_DIR: this.dir,
      JARVIS_CONFIG: configPath,
      DATABASE_URL: this.serviceUrl,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      NOTION_TOKEN: TOKEN,
      NOTION_BASE_URL: notionUrl,
      NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
      NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
      NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
      NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase,
      NOTION_TASKS_DATABASE_ID: ids.tasksDatabase,
      NOTION_REFLECTIONS_DATABASE_ID: ids.reflectionsDatabase,
      NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
      GOOGLE_CLIENT_ID: SAMPLE_CLIENT_ID,
      GOOGLE_CLIENT_SECRET: SAMPLE_CLIENT_SECRET,
      GOOGLE_REFRESH_TOKEN: SAMPLE_REFRESH_TOKEN,
      GOOGLE_API_ROOT: googleUrl,
      GOOGLE_CALENDAR_ID: 'primary',
      ...(this.webhooks ? { NOTION_WEBHOOK_VERIFICATION_TOKEN: WEBHOOK_TOKEN } : {}),
    };
    const child = spawn(process.execPath, [join(ROOT, 'bin/jarvis-sync'), 'serve', '--port', '0'], { env, cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const logFile = join(this.dir, 'service.log');
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      appendFileSync(logFile, chunk);
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const l of parts) if (!l.startsWith('{')) this.lines.push(l);
    });
    child.stderr!.on('data', (chunk: Buffer) => appendFileSync(logFile, chunk));
    const serving = await this.waitForLine(/serving on (http:\/\/\S+) /, 120_000);
    this.url = serving[1]!;
    const first = await this.waitForLine(/sync all, schedule: (\w+)/, 600_000);
    if (first[1] !== 'success') log(`${this.name}: the first sync ended ${first[1]} (see ${logFile})`);
    if (this.webhooks) this.notion.setWebhook({ url: `${this.url}/webhooks/notion`, verificationToken: WEBHOOK_TOKEN });
    this.watching = true;
    this.watchLoop = this.watch();
  }

  async waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const l of this.lines) {
        const m = re.exec(l);
        if (m) return m;
      }
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`${this.name}: the service exited (${this.child.exitCode}); log in ${this.dir}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no line matching ${re} within ${timeoutMs / 1000} s; log in ${this.dir}`);
      await sleep(100);
    }
  }

  /** The linked rows of a two-way dataset: row id and page id. */
  async linked(dataset: string): Promise<Target[]> {
    const f = TEXT_FIELDS[dataset]!;
    const { rows } = await this.pool.query<{ id: string; page: string }>(`SELECT id::text AS id, notion_page_id AS page FROM ${f.table} WHERE notion_page_id IS NOT NULL AND deleted_at IS NULL ORDER BY id`);
    return rows.map((r) => ({ dataset, rowId: r.id, pageId: r.page }));
  }

  /** The pages of a dataset in the emulator (for one-way datasets, which have no row id in Notion). */
  pages(dataset: string): Target[] {
    const f = TEXT_FIELDS[dataset]!;
    return this.notion.listPages(this.ids[f.dataSource]).map((p) => ({ dataset, rowId: '', pageId: p.id }));
  }

  // ---- editing and waiting ----

  /** An app's UPDATE of the row's text column; resolves with the commit time. */
  async editPostgres(t: Target, value: string): Promise<number> {
    const f = TEXT_FIELDS[t.dataset]!;
    const { rowCount } = await this.pool.query(`UPDATE ${f.table} SET ${f.column} = $1 WHERE id = $2`, [value, t.rowId]);
    if (rowCount !== 1) throw new Error(`${this.name}: no row ${t.rowId} in ${f.table}`);
    return Date.now();
  }

  /** A person's edit in Notion; returns its time. */
  editNotion(t: Target, value: string): number {
    const f = TEXT_FIELDS[t.dataset]!;
    this.notion.updatePage(t.pageId, { [f.property]: richText(value) });
    return Date.now();
  }

  /** Resolves with the time the emulator answered a page update of `pageId` carrying `value`. */
  notionWrite(t: Target, value: string): Promise<number> {
    return new Promise((resolve) => {
      const key = normalizeId(t.pageId);
      const list = this.notionWaits.get(key) ?? [];
      list.push({ value, resolve });
      this.notionWaits.set(key, list);
    });
  }

  /** Resolves when the row keyed `key = keyValue` holds `value` in `column` (column null: when it exists). */
  pgWrite(table: string, key: string, keyValue: string, column: string | null, value: string | null): Promise<number> {
    return new Promise((resolve) => this.pgWaits.add({ table, key, keyValue, column, value, resolve }));
  }

  pendingWaits(): number {
    return this.pgWaits.size + [...this.notionWaits.values()].reduce((n, l) => n + l.length, 0);
  }

  private recorded(r: RecordedResponse): void {
    const m = /^\/v1\/pages\/([0-9a-f-]{32,36})(?:\?|$)/i.exec(r.url);
    if (r.method !== 'PATCH' || !m || r.status !== 200) return;
    const at = Date.now();
    const key = normalizeId(m[1]!);
    const properties = ((r.body as { properties?: Record<string, unknown> })?.properties ?? {}) as Record<string, unknown>;
    const list = this.pageWrites.get(key) ?? [];
    list.push({ at, properties });
    this.pageWrites.set(key, list);
    const waits = this.notionWaits.get(key);
    if (!waits) return;
    const texts = new Set(Object.values(properties).map(plainText));
    const left = waits.filter((w) => {
      if (!texts.has(w.value)) return true;
      w.resolve(at);
      return false;
    });
    if (left.length) this.notionWaits.set(key, left);
    else this.notionWaits.delete(key);
  }

  private async watch(): Promise<void> {
    while (this.watching) {
      if (this.pgWaits.size) {
        const groups = new Map<string, PgWait[]>();
        for (const w of this.pgWaits) {
          const k = `${w.table}\u0000${w.key}\u0000${w.column ?? ''}`;
          groups.set(k, [...(groups.get(k) ?? []), w]);
        }
        try {
          for (const ws of groups.values()) {
            const { table, key, column } = ws[0]!;
            const { rows } = await this.pool.query<{ k: string; v: string | null }>(
              `SELECT ${key}::text AS k, ${column ?? 'NULL'}::text AS v FROM ${table} WHERE ${key}::text = ANY($1::text[])`,
              [[...new Set(ws.map((w) => w.keyValue))]],
            );
            const at = Date.now();
            const got = new Map(rows.map((r) => [r.k, r.v]));
            for (const w of ws) {
              if (!got.has(w.keyValue)) continue;
              if (w.column !== null && got.get(w.keyValue) !== w.value) continue;
              this.pgWaits.delete(w);
              w.resolve(at);
            }
          }
        } catch (e) {
          log(`${this.name}: watching Postgres failed once: ${(e as Error).message}`);
        }
      }
      await sleep(WATCH_MS);
    }
  }

  /** Requests answered so far, and the database's transactions as PostgreSQL counts them. */
  async counters(): Promise<{ notion: number; notionByEndpoint: Record<string, number>; google: number; xacts: number }> {
    const { rows } = await admin((c) =>
      c.query<{ n: string }>('SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = $1', [this.db]),
    );
    return { notion: this.notion.totalRequests(), notionByEndpoint: { ...this.notion.requestCounts }, google: this.google.totalRequests(), xacts: Number(rows[0]?.n ?? 0) };
  }

  async stop(): Promise<void> {
    this.watching = false;
    await this.watchLoop;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timeout = sleep(30_000).then(() => 'timeout');
      if ((await Promise.race([this.exited, timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    this.notion?.setWebhook(null);
    await Promise.allSettled([this.notion?.close(), this.google?.close()]);
    await this.pool?.end().catch(() => undefined);
  }

  async drop(): Promise<void> {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${this.db} WITH (FORCE)`)).catch((e: unknown) => log(`${this.name}: could not drop ${this.db}: ${(e as Error).message}`));
  }
}

// ---- measurements -----------------------------------------------------------------------------------

/** A row or page edited on `side` at `since`: jarvis-sync must not write it on that side afterwards. */
interface Edited {
  t: Target;
  side: 'postgres' | 'notion';
  since: number;
}

interface Measured {
  lagsMs: number[];
  missing: number;
}

/** Waits for every promise up to `timeoutMs` after the last edit; lags of those that came. */
async function collect(waits: Array<{ editedAt: number; written: Promise<number> }>, timeoutMs: number): Promise<Measured> {
  const lags: number[] = [];
  let missing = 0;
  const deadline = sleep(timeoutMs).then(() => null);
  await Promise.all(
    waits.map(async (w) => {
      const at = await Promise.race([w.written, deadline]);
      if (at === null) missing++;
      else lags.push(at - w.editedAt);
    }),
  );
  return { lagsMs: lags.sort((a, b) => a - b), missing };
}

function scenario(id: string, direction: string, arrival: string, database: string, edits: number, m: Measured, targetP95S: number | null): LagScenario {
  const s = m.lagsMs.map((x) => x / 1000);
  const p95 = percentile(s, 0.95);
  const result: LagScenario = {
    id,
    direction,
    arrival,
    database,
    edits,
    arrived: s.length,
    p50S: round1(percentile(s, 0.5)),
    p95S: round1(p95),
    maxS: round1(s.length ? s[s.length - 1]! : null),
    meanS: round1(s.length ? s.reduce((a, b) => a + b, 0) / s.length : null),
    targetP95S,
    pass: targetP95S === null ? null : m.missing === 0 && p95 !== null && p95 < targetP95S,
  };
  log(`${direction} (${arrival}, ${database}): ${result.arrived}/${edits} arrived; p50 ${result.p50S} s, p95 ${result.p95S} s, max ${result.maxS} s${targetP95S === null ? '' : ` — target p95 < ${targetP95S} s: ${result.pass ? 'PASS' : 'FAIL'}`}`);
  return result;
}

/** `edits` Postgres edits, one per row, at random times: edit → the page update carrying the value. */
async function postgresToNotion(inst: Instance, targets: Target[], meanGapMs: number, seed: number, label: string, edited: Edited[]): Promise<Measured> {
  const random = rng(seed);
  const times = arrivals(targets.length, meanGapMs, random);
  const start = Date.now();
  const waits: Array<{ editedAt: number; written: Promise<number> }> = [];
  for (const [i, t] of targets.entries()) {
    await sleep(start + times[i]! - Date.now());
    const value = `${label} ${i} ${Math.floor(random() * 1e9)}`;
    const written = inst.notionWrite(t, value);
    const editedAt = await inst.editPostgres(t, value);
    waits.push({ editedAt, written });
    edited.push({ t, side: 'postgres', since: editedAt });
  }
  return collect(waits, 120_000);
}

/** Notion edits, one per page, at random times: edit → the row holding the value. */
async function notionToPostgres(inst: Instance, targets: Target[], meanGapMs: number, seed: number, label: string, timeoutMs: number, edited: Edited[]): Promise<Measured> {
  const random = rng(seed);
  const times = arrivals(targets.length, meanGapMs, random);
  const start = Date.now();
  const waits: Array<{ editedAt: number; written: Promise<number> }> = [];
  for (const [i, t] of targets.entries()) {
    await sleep(start + times[i]! - Date.now());
    const value = `${label} ${i} ${Math.floor(random() * 1e9)}`;
    const f = TEXT_FIELDS[t.dataset]!;
    const written = inst.pgWrite(f.table, 'notion_page_id', t.pageId, f.column, value);
    const editedAt = inst.editNotion(t, value);
    waits.push({ editedAt, written });
    edited.push({ t, side: 'notion', since: editedAt });
  }
  return collect(waits, timeoutMs);
}

/** Google edits at random times, alternately an event's new summary and a new e-mail: edit → the row. */
async function googleToPostgres(inst: Instance, n: number, meanGapMs: number, seed: number): Promise<Measured> {
  const random = rng(seed);
  const now = Date.now();
  const { rows } = await inst.pool.query<{ id: string }>(
    `SELECT google_event_id AS id FROM calendar_events WHERE deleted_at IS NULL AND recurring_event_id IS NULL AND status = 'confirmed' ORDER BY google_event_id`,
  );
  const inPostgres = new Set(rows.map((r) => r.id));
  const events = shuffle(
    inst.google.calendar.listEvents('primary').filter((e) => e.id && inPostgres.has(e.id) && !e.recurrence && !e.recurringEventId && e.status !== 'cancelled'),
    random,
  );
  const times = arrivals(n, meanGapMs, random);
  const start = Date.now();
  const waits: Array<{ editedAt: number; written: Promise<number> }> = [];
  for (let i = 0; i < n; i++) {
    await sleep(start + times[i]! - Date.now());
    const value = `Google ${i} ${Math.floor(random() * 1e9)}`;
    const event = i % 2 === 0 ? events[i / 2] : undefined;
    if (event) {
      const written = inst.pgWrite('calendar_events', 'google_event_id', event.id!, 'summary', value);
      inst.google.calendar.upsertEvent('primary', { id: event.id, summary: value });
      waits.push({ editedAt: Date.now(), written });
    } else {
      const m = inst.google.gmail.addMessage({ from: 'Bench <bench@example.net>', to: [inst.google.userEmail], subject: value, snippet: `${value} — the bench`, internalDate: now + i });
      if (!m.id) throw new Error('the Gmail emulator gave a message no id');
      waits.push({ editedAt: Date.now(), written: inst.pgWrite('emails', 'gmail_message_id', m.id, null, null) });
    }
  }
  return collect(waits, 150_000);
}

/** `BURST` edits to `targets` (several each) within 10 s; every target's last value must arrive. */
async function burst(
  inst: Instance,
  targets: Target[],
  side: 'postgres' | 'notion',
  seed: number,
  id: string,
  direction: string,
  arrival: string,
  timeoutMs: number,
): Promise<BurstResult> {
  const random = rng(seed);
  const times = Array.from({ length: BURST }, () => random() * BURST_WINDOW_MS).sort((a, b) => a - b);
  // Every target at least once, the rest at random.
  const order = shuffle([...targets, ...Array.from({ length: BURST - targets.length }, () => targets[Math.floor(random() * targets.length)]!)], random);
  const last = new Map<Target, { value: string; at: number }>();
  const start = Date.now();
  const writesBefore = new Map(targets.map((t) => [t, (inst.pageWrites.get(normalizeId(t.pageId)) ?? []).length]));
  await Promise.all(
    order.map(async (t, i) => {
      await sleep(start + times[i]! - Date.now());
      const value = `burst ${i} ${Math.floor(random() * 1e9)}`;
      const at = side === 'postgres' ? await inst.editPostgres(t, value) : inst.editNotion(t, value);
      last.set(t, { value, at: Math.max(at, last.get(t)?.at ?? 0) });
    }),
  );
  // Edits to one row can overlap (two UPDATEs in flight): the value that stands is the one Postgres kept.
  if (side === 'postgres') {
    for (const t of targets) {
      const f = TEXT_FIELDS[t.dataset]!;
      const { rows } = await inst.pool.query<{ v: string }>(`SELECT ${f.column} AS v FROM ${f.table} WHERE id = $1`, [t.rowId]);
      const l = last.get(t)!;
      last.set(t, { value: rows[0]!.v, at: l.at });
    }
  }
  const waits = targets.map((t) => {
    const l = last.get(t)!;
    const f = TEXT_FIELDS[t.dataset]!;
    // A write that already carried the last value (before this wait began) counts.
    const already = (inst.pageWrites.get(normalizeId(t.pageId)) ?? []).find((w) => w.at >= l.at && Object.values(w.properties).map(plainText).includes(l.value));
    const written = side === 'postgres' ? (already ? Promise.resolve(already.at) : inst.notionWrite(t, l.value)) : inst.pgWrite(f.table, 'notion_page_id', t.pageId, f.column, l.value);
    return { editedAt: l.at, written };
  });
  const m = await collect(waits, timeoutMs);
  const writes = targets.reduce((n, t) => n + (inst.pageWrites.get(normalizeId(t.pageId)) ?? []).length - writesBefore.get(t)!, 0);
  const s = m.lagsMs.map((x) => x / 1000);
  const r: BurstResult = {
    id,
    direction,
    arrival,
    edits: BURST,
    rows: targets.length,
    windowS: BURST_WINDOW_MS / 1000,
    lost: m.missing,
    writes: side === 'postgres' ? writes : await auditWrites(inst, targets, '%\\_supabase\\_%', start),
    p50S: round1(percentile(s, 0.5)),
    maxS: round1(s.length ? s[s.length - 1]! : null),
    pass: m.missing === 0,
  };
  log(`${BURST} edits to ${targets.length} rows in ${BURST_WINDOW_MS / 1000} s, ${direction} (${arrival}): ${r.lost} lost, ${r.writes} writes, last edit → written p50 ${r.p50S} s, max ${r.maxS} s — ${r.pass ? 'PASS' : 'FAIL'}`);
  return r;
}

/** jarvis-sync's audit rows writing these records' side `pattern` since `since`. */
async function auditWrites(inst: Instance, targets: Target[], pattern: string, since: number): Promise<number> {
  const { rows } = await inst.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM jarvis_sync.sync_logs WHERE notion_page_id = ANY($1::text[]) AND event_type LIKE $2 AND created_at >= $3`,
    [targets.map((t) => t.pageId), pattern, new Date(since)],
  );
  return rows[0]!.n;
}

/**
 * Echoes: for a Postgres edit, audit rows writing that row in Postgres after the edit (the service
 * writes the page, never the row back); for a Notion edit, page updates of that page after the edit
 * (and audit rows writing it in Notion).
 */
async function echoes(inst: Instance, edited: Edited[]): Promise<{ writes: number; detail: string[] }> {
  let writes = 0;
  const detail: string[] = [];
  for (const { t, side, since } of edited) {
    const pattern = side === 'postgres' ? '%\\_supabase\\_%' : '%\\_notion\\_%';
    const { rows } = await inst.pool.query<{ event_type: string; created_at: Date }>(
      `SELECT event_type, created_at FROM jarvis_sync.sync_logs WHERE notion_page_id = $1 AND event_type LIKE $2 AND created_at > $3`,
      [t.pageId, pattern, new Date(since)],
    );
    const pageUpdates = side === 'notion' ? (inst.pageWrites.get(normalizeId(t.pageId)) ?? []).filter((w) => w.at > since).length : 0;
    const n = Math.max(rows.length, pageUpdates);
    if (n) {
      writes += n;
      detail.push(`${inst.name} ${t.dataset} ${t.pageId}: ${rows.map((r) => r.event_type).join(', ') || `${pageUpdates} page update(s)`} after the ${side} edit arrived`);
    }
  }
  return { writes, detail };
}

async function idle(inst: Instance, id: string, configuration: string, target: number | null): Promise<IdleResult> {
  // Pages the first sync wrote come back in the polls' overlap for a minute or two: compared, not requested.
  await sleep(30_000);
  const before = await inst.counters();
  log(`${inst.name}: idle for ${IDLE_S} s (${configuration})`);
  await sleep(IDLE_S * 1000);
  const after = await inst.counters();
  const notion = after.notion - before.notion;
  const byEndpoint: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.notionByEndpoint)) {
    const d = v - (before.notionByEndpoint[k] ?? 0);
    if (d) byEndpoint[k] = d;
  }
  const perHour = (n: number) => Math.round((n / IDLE_S) * 3600);
  const r: IdleResult = {
    id,
    configuration,
    windowS: IDLE_S,
    notionRequests: notion,
    notionPerSecond: Math.round((notion / IDLE_S) * 1000) / 1000,
    notionPerHour: perHour(notion),
    notionByEndpoint: byEndpoint,
    googleRequests: after.google - before.google,
    googlePerHour: perHour(after.google - before.google),
    sqlTransactions: after.xacts - before.xacts,
    sqlPerHour: perHour(after.xacts - before.xacts),
    targetNotionPerSecond: target,
    pass: target === null ? null : notion / IDLE_S < target,
  };
  log(
    `${inst.name} idle (${configuration}): Notion ${r.notionRequests} requests in ${IDLE_S} s = ${r.notionPerSecond}/s (${r.notionPerHour}/h)${target === null ? '' : ` — target < ${target}/s: ${r.pass ? 'PASS' : 'FAIL'}`}; Google ${r.googlePerHour}/h; SQL ${r.sqlPerHour} transactions/h`,
  );
  return r;
}

// ---- the run ------------------------------------------------------------------------------------------

async function activeA(a: Instance): Promise<{ scenarios: LagScenario[]; bursts: BurstResult[]; edited: Edited[] }> {
  const random = rng(0xa);
  const rows = shuffle((await Promise.all(TWO_WAY_DATASETS.map((d) => a.linked(d)))).flat(), random);
  const pgTargets = rows.slice(0, EDITS);
  const burstTargets = rows.slice(EDITS, EDITS + BURST_ROWS);
  const oneWay = shuffle([...a.pages('books'), ...a.pages('highlights')], random);
  const notionTargets = shuffle([...rows.slice(EDITS + BURST_ROWS), ...oneWay].slice(0, EDITS), random);
  const edited: Edited[] = [];

  log(`A: ${EDITS} Postgres edits → Notion (LISTEN)`);
  const listen = await postgresToNotion(a, pgTargets, 2000, 1, 'listen', edited);
  const s1 = scenario('pg-notion-listen', 'Postgres → Notion', 'LISTEN', 'PostgreSQL', EDITS, listen, TARGETS.pgToNotionListenP95S);

  log(`A: ${BURST} Postgres edits to ${BURST_ROWS} rows in ${BURST_WINDOW_MS / 1000} s (LISTEN)`);
  const burstStart = Date.now();
  const b1 = await burst(a, burstTargets, 'postgres', 2, 'burst-pg-notion', 'Postgres → Notion', 'LISTEN', 180_000);
  for (const t of burstTargets) edited.push({ t, side: 'postgres', since: burstStart });

  log(`A: ${EDITS} Notion edits → Postgres (polling) and ${EDITS} Google edits → Postgres (polling), side by side`);
  const [polled, google] = await Promise.all([
    notionToPostgres(a, notionTargets, 1800, 3, 'polled', 150_000, edited),
    googleToPostgres(a, EDITS, 1800, 4),
  ]);
  const s2 = scenario('notion-pg-polling', 'Notion → Postgres', 'polling', 'PostgreSQL', EDITS, polled, TARGETS.notionToPgPollingP95S);
  const s3 = scenario('google-pg-polling', 'Google → Postgres', 'polling', 'PostgreSQL', EDITS, google, null);
  return { scenarios: [s1, s2, s3], bursts: [b1], edited };
}

async function activeB(b: Instance): Promise<{ scenarios: LagScenario[]; bursts: BurstResult[]; edited: Edited[] }> {
  const random = rng(0xb);
  const rows = shuffle((await Promise.all(TWO_WAY_DATASETS.map((d) => b.linked(d)))).flat(), random);
  const pgTargets = rows.slice(0, EDITS);
  const notionTargets = rows.slice(EDITS, 2 * EDITS);
  const rest = rows.slice(2 * EDITS);
  const burstTargets = [...rest, ...shuffle(b.pages('highlights'), random)].slice(0, BURST_ROWS);
  const edited: Edited[] = [];

  log(`B: ${EDITS} Postgres edits → Notion (polling through PgBouncer, transaction mode)`);
  const polled = await postgresToNotion(b, pgTargets, 2000, 5, 'pooled', edited);
  const s1 = scenario('pg-notion-polling', 'Postgres → Notion', 'polling', 'PgBouncer (transaction)', EDITS, polled, TARGETS.pgToNotionPollingP95S);

  log(`B: ${EDITS} Notion edits → Postgres (webhooks)`);
  const hooked = await notionToPostgres(b, notionTargets, 2000, 6, 'webhook', 120_000, edited);
  const s2 = scenario('notion-pg-webhook', 'Notion → Postgres', 'webhook', 'PgBouncer (transaction)', EDITS, hooked, TARGETS.notionToPgWebhookP95S);

  log(`B: ${BURST} Notion edits to ${BURST_ROWS} pages in ${BURST_WINDOW_MS / 1000} s (webhooks)`);
  const burstStart = Date.now();
  const b1 = await burst(b, burstTargets, 'notion', 7, 'burst-notion-pg', 'Notion → Postgres', 'webhook', 180_000);
  for (const t of burstTargets) edited.push({ t, side: 'notion', since: burstStart });
  return { scenarios: [s1, s2], bursts: [b1], edited };
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'jarvis-bench-freshness-'));
  const stamp = String(Date.now());
  const loadStart = loadavg();
  const loads: number[] = [];
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 10_000);
  const a = new Instance('A', false, false, root, stamp);
  const b = new Instance('B', true, true, root, stamp);
  const c = new Instance('C', false, false, root, stamp);
  const d = new Instance('D', true, true, root, stamp);
  const all = [a, b, c, d];
  let ok = false;
  let onSignal: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onSignal = () => reject(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      void (async () => {
        log(`services and emulators in ${root}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
        await Promise.all(all.map((i) => i.start()));
        log('all four services have made their first sync');
        const [ra, rb, rc, rd] = await Promise.all([
          activeA(a),
          activeB(b),
          idle(c, 'idle-no-webhooks', 'no webhooks: Notion and Google polled, LISTEN on PostgreSQL', TARGETS.idleNotionRps),
          idle(d, 'idle-webhooks', 'Notion webhooks (backup polls), Google polled, PgBouncer transaction mode (polling the recorded changes)', null),
        ]);
        // Give a poll of every dataset (30 s) and the webhooks' minute windows time to bring echoes back.
        log('waiting 70 s for echoes');
        await sleep(70_000);
        const ea = await echoes(a, ra.edited);
        const eb = await echoes(b, rb.edited);
        const echo = { writes: ea.writes + eb.writes, checked: ra.edited.length + rb.edited.length, pass: ea.writes + eb.writes === 0, detail: [...ea.detail, ...eb.detail] };
        log(`echo writes: ${echo.writes} for ${echo.checked} edits — ${echo.pass ? 'PASS' : 'FAIL'}`);
        for (const l of echo.detail) log(`  ${l}`);
        const loadEnd = loadavg();
        const result: FreshnessResult = {
          date: new Date().toISOString(),
          machine: machine(),
          loadAverage: {
            start: loadStart.map(round2),
            end: loadEnd.map(round2),
            meanOfSamples1m: round2(loads.reduce((x, y) => x + y, 0) / Math.max(1, loads.length)),
          },
          settings: { notionRps: NOTION_RPS, notionBurst: NOTION_BURST, latencyMs: LATENCY_MS, edits: EDITS, burst: BURST, idleSeconds: IDLE_S, watchMs: WATCH_MS },
          scenarios: [...ra.scenarios, ...rb.scenarios],
          bursts: [...ra.bursts, ...rb.bursts],
          idle: [rc, rd],
          echo,
          durationS: Math.round((Date.now() - started) / 1000),
        };
        writeFileSync(join(import.meta.dirname, 'results/freshness.json'), JSON.stringify(result, null, 2) + '\n');
        const failed = [...result.scenarios.filter((s) => s.pass === false).map((s) => s.id), ...result.bursts.filter((x) => !x.pass).map((x) => x.id), ...result.idle.filter((x) => x.pass === false).map((x) => x.id), ...(echo.pass ? [] : ['echo'])];
        log(`done in ${result.durationS} s; bench/results/freshness.json written; ${failed.length ? `targets missed: ${failed.join(', ')}` : 'every target met'}`);
        ok = failed.length === 0;
        resolve();
      })().catch(reject);
    });
  } finally {
    clearInterval(sampler);
    if (onSignal) process.off('SIGINT', onSignal);
    await Promise.allSettled(all.map((i) => i.stop()));
    await Promise.allSettled(all.map((i) => i.drop()));
    if (values.keep) log(`logs kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
