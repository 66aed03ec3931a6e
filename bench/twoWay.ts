/**
 * `npm run bench:two-way`: two-way sync (Notion ⇄ Postgres) of N journal pages (default 10,000)
 * against the Notion emulator, paced and rate-limited like the real API (3 requests/second).
 *
 * Scenario: a full initial sync; then a share of the records (default 1%) edited in Notion as a
 * user would, and a disjoint share edited in Postgres (SQL UPDATE of `content`); an incremental
 * sync that must carry each edit across; then, after the pause two scheduled runs would have (the
 * overlap and a minute; real time), an incremental "echo check" sync that must write nothing (its
 * window re-reads what the previous run wrote on both sides), and a last incremental run that must
 * read nothing: a quiet dataset costs one query request and no Postgres rows.
 *
 * Per run: Notion requests against the least possible — ⌈pages the window returned / 100⌉ query
 * pages plus one page write per record that really differs on the Notion side (a Postgres-only
 * edit → one PATCH; a Notion-only edit → no Notion write) — broken down into query requests, page
 * writes (PATCH/POST) and other requests; Postgres row writes (rows whose xmin changed, so a
 * no-op upsert counts too) and ledger (sync_links) writes against the least; wall time against
 * the time the rate limit allows (requests ÷ rate after the first burst) → pacing efficiency; 429s;
 * CPU time and peak RSS of the sync process (each run is a child process, bench/syncWorker.ts).
 * After the runs, every record is checked to hold the same content on both sides.
 *
 * Options: --records N (default 10000), --edit-share S (default 0.01, at most 0.5), --rps R
 * (default 3). BENCH_DATABASE_URL set → a fresh database on that server, else PGlite in a
 * temporary folder. Writes bench/results/two-way-<pglite|postgres>.json.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createNotionEmulator } from '../emulators/notion/index.ts';
import { sampleTwoWayWorkspace, stableUuid } from '../emulators/samples/notionWorkspace.ts';
import { loadConfig } from '../src/config/index.ts';
import { openStore, readState, stateKeys, type Store } from '../src/store/index.ts';
import { benchDatabase, dropBenchDatabase, leastQueryRequests, machine as describeMachine, pacingEfficiency } from './common.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000' },
    'edit-share': { type: 'string', default: '0.01' },
    rps: { type: 'string', default: '3' },
  },
});
const records = Number(values.records);
const editShare = Number(values['edit-share']);
const rps = Number(values.rps);
if (!Number.isInteger(records) || records < 2 || !(editShare > 0 && editShare <= 0.5) || !(rps > 0)) {
  console.error('usage: npm run bench:two-way -- [--records N (≥ 2)] [--edit-share S (0 < S ≤ 0.5)] [--rps R]');
  process.exit(2);
}

const DATASET = 'journals';
const TABLE = 'journals';
const QUERY = 'POST /v1/data_sources/:id/query';
const PAGE_WRITES = ['PATCH /v1/pages/:id', 'POST /v1/pages'];
const burst = Math.max(1, Math.round(rps));
const token = 'secret_bench_two_way';
const { seed, ids } = sampleTwoWayWorkspace({ contacts: 0, meetings: 0, tasks: 0, reflections: 0, journals: records });
const pageIdOf = (i: number) => stableUuid(`journal:${i}`);
const emulator = createNotionEmulator({ seed, tokens: [token], rateLimit: { requestsPerSecond: rps, burst } });
// The emulator's counts include requests it refused with 429 (the connector retries them); our own
// server in front of its handler tells which kind of request each 429 hit, so the table counts
// answered requests and the 429s apart.
type RequestClass = 'query' | 'pageWrite' | 'other';
const refused: Record<RequestClass, number> = { query: 0, pageWrite: 0, other: 0 };
const classify = (method: string, path: string): RequestClass =>
  method === 'POST' && /^\/v1\/data_sources\/[^/]+\/query$/.test(path)
    ? 'query'
    : (method === 'PATCH' && /^\/v1\/pages\/[^/]+$/.test(path)) || (method === 'POST' && path === '/v1/pages')
      ? 'pageWrite'
      : 'other';
// …and when a run's first request arrived and its last answer left (the span pacing is measured on).
let firstAt = 0;
let lastAt = 0;
const server = createServer((req, res) => {
  const cls = classify(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname);
  if (!firstAt) firstAt = performance.now();
  res.on('finish', () => {
    lastAt = performance.now();
    if (res.statusCode === 429) refused[cls]++;
  });
  emulator.handle(req, res);
});
server.keepAliveTimeout = 5_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'jarvis-bench-two-way-'));
const databaseUrl = await benchDatabase('jarvis_bench_two_way');
const backend = databaseUrl ? 'postgres' : 'pglite';
const env = {
  ...process.env,
  NOTION_TOKEN: token,
  NOTION_BASE_URL: url,
  NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
  NOTION_REQUESTS_PER_SECOND: String(rps),
  JARVIS_DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl ?? '',
  LOG_LEVEL: 'silent',
};
const overlapSeconds = loadConfig({ env, cwd: dataDir }).sync.overlapSeconds;

/** The bench's own connection to the worker's database: PGlite admits one process at a time, so it is closed before each run. */
const openBenchStore = () => openStore(databaseUrl ? { databaseUrl, maxConnections: 1 } : { dataDir: join(dataDir, 'pgdata') });

// ---- edits: a share of the records in Notion, a disjoint share in Postgres ---------------------
const editCount = Math.max(1, Math.round(records * editShare));
const step = records / editCount; // ≥ 2, so the two sets never meet
const notionEdited = Array.from({ length: editCount }, (_, k) => Math.floor(k * step));
const postgresEdited = Array.from({ length: editCount }, (_, k) => Math.floor(k * step + step / 2));
const notionText = (k: number) => `Edited in Notion ✍️ (${k})`;
const postgresText = (k: number) => `Edited in Postgres 🐘 (${k})`;

function editInNotion() {
  notionEdited.forEach((i, k) => emulator.updatePage(pageIdOf(i), { Entry: { rich_text: [{ text: { content: notionText(k) } }] } }));
}

async function editInPostgres(store: Store) {
  const { rowCount } = await store.query(
    `UPDATE ${TABLE} AS t SET content = v.content FROM unnest($1::text[], $2::text[]) AS v(page, content) WHERE t.notion_page_id = v.page`,
    [postgresEdited.map(pageIdOf), postgresEdited.map((_, k) => postgresText(k))],
  );
  if (rowCount !== editCount) throw new Error(`Postgres edit: ${rowCount} rows updated, expected ${editCount}`);
}

// ---- what the database looks like: row versions (xmin) of the table and of the ledger ----------
interface Snapshot {
  rows: Map<string, string>;
  links: Map<string, string>;
  /** Rows an incremental run reads from Postgres: updated_at within the overlap before the cursor. */
  pgWindowRows: number;
}

async function snapshot(store: Store): Promise<Snapshot> {
  const rows = await store.query<{ id: string; x: string }>(`SELECT id::text AS id, xmin::text AS x FROM ${TABLE}`);
  const links = await store.query<{ id: string; x: string }>(`SELECT record_id::text AS id, xmin::text AS x FROM jarvis_sync.sync_links WHERE dataset = $1`, [DATASET]);
  const cursor = await readState(store, stateKeys.postgresCursor(DATASET));
  const pgWindowRows = cursor
    ? Number((await store.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${TABLE} WHERE updated_at >= $1`, [new Date(Date.parse(cursor) - overlapSeconds * 1000).toISOString()])).rows[0]!.n)
    : 0;
  return { rows: new Map(rows.rows.map((r) => [r.id, r.x])), links: new Map(links.rows.map((r) => [r.id, r.x])), pgWindowRows };
}

const EMPTY: Snapshot = { rows: new Map(), links: new Map(), pgWindowRows: 0 };
const versionsChanged = (before: Map<string, string>, after: Map<string, string>) => [...after].filter(([id, x]) => before.get(id) !== x).length;

// ---- one run ----------------------------------------------------------------------------------
interface Expect {
  /** Pages changed in Notion since the last run (what an ideal window would return). */
  changedPages: number;
  notionWrites: number;
  pgRowWrites: number;
}

interface Row {
  scenario: string;
  mode: string;
  pagesReturned: number;
  changedPages: number;
  requests: number;
  queries: number;
  leastQueries: number;
  pageWrites: number;
  leastPageWrites: number;
  otherRequests: number;
  otherByEndpoint: Record<string, number>;
  leastRequests: number;
  pgWindowRows: number;
  pgRowsReturned: number;
  pgRowWrites: number;
  leastPgRowWrites: number;
  ledgerWrites: number;
  result: { created: number; updated: number; deleted: number; restored: number; unchanged: number; conflicts: number; errors: number; writes: unknown };
  syncS: number;
  processS: number;
  apiSpanS: number;
  allowedS: number;
  pacing: number | null;
  r429: number;
  r429ByKind: Record<RequestClass, number>;
  retries: number;
  waitedS: number;
  cpuS: number;
  peakRssMb: number;
  stmts: number;
}
const rows: Row[] = [];
const problems: string[] = [];

async function scenario(name: string, mode: 'full' | 'incremental', before: Snapshot, expect: Expect): Promise<Snapshot> {
  emulator.resetCounts();
  for (const k of Object.keys(refused) as RequestClass[]) refused[k] = 0;
  firstAt = lastAt = 0;
  const started = Date.now();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'syncWorker.ts'), DATASET, mode], { env, maxBuffer: 64 << 20 });
  const processS = (Date.now() - started) / 1000;
  const out = JSON.parse(stdout.trim().split('\n').pop()!);
  const r = out.result;
  // Answered requests: every request the emulator saw, less those it refused with 429.
  const counts = emulator.requestCounts;
  const r429 = refused.query + refused.pageWrite + refused.other;
  const requests = emulator.totalRequests() - r429;
  const queries = (counts[QUERY] ?? 0) - refused.query;
  const pageWrites = PAGE_WRITES.reduce((n, k) => n + (counts[k] ?? 0), 0) - refused.pageWrite;
  const otherByEndpoint = Object.fromEntries(Object.entries(counts).filter(([k]) => k !== QUERY && !PAGE_WRITES.includes(k)));
  if (out.rateLimited !== r429) problems.push(`${name}: the connector counted ${out.rateLimited} 429s, the emulator sent ${r429}`);
  const leastQueries = leastQueryRequests(out.pagesReturned);
  const apiSpanS = (lastAt - firstAt) / 1000;

  const store = await openBenchStore();
  let after: Snapshot;
  try {
    after = await snapshot(store);
  } finally {
    await store.close();
  }
  const pgRowWrites = versionsChanged(before.rows, after.rows);
  const syncS = r.durationMs / 1000;
  const allowedS = Math.max(0, (requests - burst) / rps); // the first burst is free; a refused request takes no token
  const row: Row = {
    scenario: name,
    mode: r.mode,
    pagesReturned: out.pagesReturned,
    changedPages: expect.changedPages,
    requests,
    queries,
    leastQueries,
    pageWrites,
    leastPageWrites: expect.notionWrites,
    otherRequests: requests - queries - pageWrites,
    otherByEndpoint,
    leastRequests: leastQueries + expect.notionWrites,
    pgWindowRows: before.pgWindowRows,
    pgRowsReturned: out.pgRowsReturned,
    pgRowWrites,
    leastPgRowWrites: expect.pgRowWrites,
    ledgerWrites: versionsChanged(before.links, after.links),
    result: {
      created: r.created,
      updated: r.updated,
      deleted: r.deleted,
      restored: r.restored,
      unchanged: r.unchanged,
      conflicts: r.conflicts?.length ?? 0,
      errors: r.errors.length,
      writes: r.writes,
    },
    syncS: Number(syncS.toFixed(1)),
    processS: Number(processS.toFixed(1)),
    apiSpanS: Number(apiSpanS.toFixed(1)),
    allowedS: Number(allowedS.toFixed(1)),
    pacing: pacingEfficiency(allowedS, apiSpanS),
    r429,
    r429ByKind: { ...refused },
    retries: out.retries,
    waitedS: Number((out.waitedMs / 1000).toFixed(1)),
    cpuS: Number((out.cpuMs / 1000).toFixed(1)),
    peakRssMb: out.maxRssMb,
    stmts: out.statements,
  };
  rows.push(row);
  if (r.status !== 'success') throw new Error(`${name}: ${r.status} — ${r.message}`);
  if (row.pageWrites !== row.leastPageWrites) problems.push(`${name}: ${row.pageWrites} Notion page writes, expected ${row.leastPageWrites}`);
  if (row.queries > row.leastQueries) problems.push(`${name}: ${row.queries} query requests for ${row.pagesReturned} pages (least ${row.leastQueries})`);
  if (row.pgRowWrites !== row.leastPgRowWrites) problems.push(`${name}: ${row.pgRowWrites} Postgres row writes, expected ${row.leastPgRowWrites}`);
  if (row.pagesReturned > row.changedPages + 5) {
    // Not a failure by itself (the overlap re-reads on purpose), but worth a line.
    console.error(`  note: ${name}: the window returned ${row.pagesReturned} pages; ${row.changedPages} changed since the last run`);
  }
  console.error(
    `  ${name}: ${requests} requests (${queries} query, ${pageWrites} page writes, ${row.otherRequests} other), ` +
      `${pgRowWrites} rows written, ${syncS.toFixed(1)} s (process ${processS.toFixed(1)} s)`,
  );
  return after;
}

/** Both sides hold the same content for every record, and every edit reached the other side. */
async function checkConverged(store: Store): Promise<string> {
  const pages = emulator.listPages(ids.journalsDataSource) as Array<{ id: string; properties: Record<string, any> }>;
  const notion = new Map(pages.map((p) => [p.id, (p.properties.Entry?.rich_text ?? []).map((t: { plain_text: string }) => t.plain_text).join('') || null]));
  const { rows: pgRows } = await store.query<{ page: string; content: string | null }>(`SELECT notion_page_id AS page, content FROM ${TABLE} WHERE deleted_at IS NULL`);
  const pg = new Map(pgRows.map((r) => [r.page, r.content]));
  const bad: string[] = [];
  if (notion.size !== records || pg.size !== records) bad.push(`${notion.size} pages, ${pg.size} rows, expected ${records} each`);
  for (const [page, text] of notion) if (pg.get(page) !== text) bad.push(`${page}: Notion "${text}", Postgres "${pg.get(page)}"`);
  notionEdited.forEach((i, k) => pg.get(pageIdOf(i)) !== notionText(k) && bad.push(`Notion edit ${k} missing in Postgres`));
  postgresEdited.forEach((i, k) => notion.get(pageIdOf(i)) !== postgresText(k) && bad.push(`Postgres edit ${k} missing in Notion`));
  if (bad.length) {
    problems.push(`not converged: ${bad.length} difference(s), e.g. ${bad.slice(0, 3).join('; ')}`);
    return `no (${bad.length} differences)`;
  }
  return `yes (${records} records agree; ${editCount} Notion and ${editCount} Postgres edits carried across)`;
}

let converged = 'not checked';
let createdDatabase: { cpuMs: number; maxRssMb: number } | null = null;
try {
  console.error(`jarvis-sync two-way bench: ${records} ${DATASET} pages, ${editCount} edited on each side, ${rps} req/s, ${databaseUrl ? 'PostgreSQL' : 'PGlite'}`);
  // The database first, in a process of its own (PGlite's initdb is the largest memory peak of a first start).
  const { stdout: created } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'syncWorker.ts'), DATASET, 'migrate'], { env });
  createdDatabase = JSON.parse(created.trim().split('\n').pop()!);
  let snap = await scenario('full initial sync', 'full', EMPTY, { changedPages: records, notionWrites: 0, pgRowWrites: records });

  editInNotion();
  let store = await openBenchStore();
  try {
    await editInPostgres(store);
    snap = await snapshot(store);
  } finally {
    await store.close();
  }
  snap = await scenario(`incremental, ${editCount}+${editCount} edited`, 'incremental', snap, { changedPages: editCount, notionWrites: editCount, pgRowWrites: editCount });
  // Real time passes (this is a benchmark, not a test): the overlap plus Notion's minute, as between
  // two scheduled runs. The echo check then re-reads the previous run's writes once and must write
  // nothing; the quiet run after it must read nothing at all on either side.
  const pauseS = overlapSeconds + 65;
  console.error(`  waiting ${pauseS} s (the ${overlapSeconds} s overlap and Notion's minute), as between two scheduled runs…`);
  await new Promise((resolve) => setTimeout(resolve, pauseS * 1000));
  snap = await scenario('incremental, echo check', 'incremental', snap, { changedPages: 0, notionWrites: 0, pgRowWrites: 0 });
  await scenario('incremental, nothing changed', 'incremental', snap, { changedPages: 0, notionWrites: 0, pgRowWrites: 0 });

  store = await openBenchStore();
  try {
    converged = await checkConverged(store);
  } finally {
    await store.close();
  }
} finally {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) await dropBenchDatabase(databaseUrl);
}

const machine = describeMachine();
console.log(
  `\njarvis-sync two-way benchmark — ${records} ${DATASET} pages, ${editCount} edited in Notion + ${editCount} in Postgres, ` +
    `${rps} req/s, ${databaseUrl ? 'PostgreSQL' : 'PGlite'} — ${machine}\n`,
);
console.table(
  rows.map((r) => ({
    scenario: r.scenario,
    'pages returned (changed)': `${r.pagesReturned} (${r.changedPages})`,
    'requests (least)': `${r.requests} (${r.leastRequests})`,
    'query (least)': `${r.queries} (${r.leastQueries})`,
    'page writes (least)': `${r.pageWrites} (${r.leastPageWrites})`,
    other: r.otherRequests,
    'PG rows read (window)': `${r.pgRowsReturned} (${r.pgWindowRows})`,
    'PG row writes (least)': `${r.pgRowWrites} (${r.leastPgRowWrites})`,
    'ledger writes': r.ledgerWrites,
    'sync s': r.syncS,
    'API s (allowed)': `${r.apiSpanS} (${r.allowedS})`,
    pacing: r.pacing === null ? 'n/a' : `${r.pacing}%`,
    '429s': r.r429 ? `${r.r429} (${Object.entries(r.r429ByKind).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ')})` : 0,
    'CPU s': r.cpuS,
    'peak RSS MB': r.peakRssMb,
  })),
);
console.log(
  'requests: answered Notion requests (a request refused with 429 and retried is in the 429s column); least = ⌈pages returned / 100⌉ ' +
    'query pages (Notion ends a query at 10,000 rows: see bench/common.ts) + one page write per record that differs on the Notion side. ' +
    'PG rows read: rows Postgres returned to SELECTs during the run (window: rows in the Postgres window ' +
    `updated_at ≥ cursor − ${overlapSeconds} s). API s: first request to last answer; allowed: what the rate limit allows after the first burst. PG row writes / ledger writes: ${TABLE} / sync_links rows whose version (xmin) changed.`,
);
const echo = rows.find((r) => r.scenario === 'incremental, echo check');
if (echo) console.log(`echo writes: ${echo.pageWrites} Notion page writes, ${echo.pgRowWrites} Postgres row writes, ${echo.ledgerWrites} ledger writes (all must be 0)`);
const others = rows.filter((r) => r.otherRequests).map((r) => `${r.scenario}: ${Object.entries(r.otherByEndpoint).map(([k, n]) => `${n} × ${k}`).join(', ')}`);
if (others.length) console.log(`other requests — ${others.join('; ')}`);
console.log(`converged: ${converged}`);
if (createdDatabase) console.log(`creating the database (first start, own process): peak RSS ${createdDatabase.maxRssMb} MB, CPU ${(createdDatabase.cpuMs / 1000).toFixed(1)} s`);
for (const p of problems) console.log(`PROBLEM: ${p}`);

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', `two-way-${backend}-${records}.json`);
writeFileSync(
  file,
  JSON.stringify({ date: new Date().toISOString(), machine, dataset: DATASET, records, editShare, editCount, rps, burst, backend, converged, createdDatabase, problems, rows }, null, 2) + '\n',
);
console.log(`\nwritten to ${file}`);
if (problems.length) process.exitCode = 1;
