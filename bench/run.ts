/**
 * `npm run bench`: full and incremental syncs of N Notion pages (default 10,000) against the Notion
 * emulator, paced and rate-limited like the real API (3 requests/second). For each scenario:
 * Notion requests made against the least possible (⌈pages read / 100⌉ query pages), wall time
 * against the time the rate limit allows, 429s, CPU time, peak memory of the sync process, and
 * Postgres statements per 1,000 records. Writes bench/results/latest-<pglite|postgres>.json.
 *
 * Options: --records N (default 10000), --rps R (default 3). BENCH_DATABASE_URL set → the real Postgres
 * (a fresh database is created there), else PGlite in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createNotionEmulator } from '../emulators/notion/index.ts';
import { sampleNotionWorkspace } from '../emulators/samples/notionWorkspace.ts';
import { benchDatabase, dropBenchDatabase, machine as describeMachine } from './common.ts';

const run = promisify(execFile);
const { values } = parseArgs({ options: { records: { type: 'string', default: '10000' }, rps: { type: 'string', default: '3' } } });
const records = Number(values.records);
const rps = Number(values.rps);
if (!Number.isInteger(records) || records < 1 || !(rps > 0)) {
  console.error('usage: npm run bench -- [--records N] [--rps R]');
  process.exit(2);
}

const token = 'secret_bench';
const { seed, ids } = sampleNotionWorkspace({ books: records, highlightsPerBook: 0, firstBookHighlights: 0 });
const emulator = createNotionEmulator({ seed, tokens: [token], rateLimit: { requestsPerSecond: rps, burst: Math.max(1, Math.round(rps)) } });
const url = await emulator.listen(0, '127.0.0.1');
const dataDir = mkdtempSync(join(tmpdir(), 'jarvis-bench-'));
const databaseUrl = await benchDatabase();
const env = {
  ...process.env,
  NOTION_TOKEN: token,
  NOTION_BASE_URL: url,
  NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
  NOTION_REQUESTS_PER_SECOND: String(rps),
  JARVIS_DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl ?? '',
  LOG_LEVEL: 'silent',
};

interface Row {
  scenario: string;
  pagesRead: number;
  requests: number;
  queries: number;
  leastRequests: number;
  wallS: number;
  allowedS: number;
  pacing: string;
  r429: number;
  cpuS: number;
  peakRssMb: number;
  stmts: number;
  written: number;
  edited: number;
}
const rows: Row[] = [];

async function scenario(name: string, mode: 'full' | 'incremental', changed: number) {
  emulator.resetCounts();
  const started = Date.now();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'syncWorker.ts'), 'books', mode], { env, maxBuffer: 64 << 20 });
  const wallS = (Date.now() - started) / 1000;
  const out = JSON.parse(stdout.trim().split('\n').pop()!);
  const r = out.result;
  const requests = emulator.totalRequests();
  const queries = emulator.requestCounts['POST /v1/data_sources/:id/query'] ?? 0;
  // Pages the query window returned: the edits, plus any page edited within the overlap before the
  // cursor (Notion's minute-truncated timestamps make that re-read necessary; it is compared, not written).
  const pagesRead = r.created + r.updated + r.restored + r.unchanged + r.skipped;
  const leastRequests = Math.max(1, Math.ceil(pagesRead / 100));
  const syncS = r.durationMs / 1000;
  const allowedS = Math.max(0, (requests - Math.max(1, Math.round(rps))) / rps); // the first burst is free
  const written = r.created + r.updated + r.deleted + r.restored;
  rows.push({
    scenario: name,
    pagesRead,
    requests,
    queries,
    leastRequests,
    wallS: Number(syncS.toFixed(1)),
    allowedS: Number(allowedS.toFixed(1)),
    pacing: syncS > 0 && allowedS > 0 ? `${Math.min(100, Math.round((allowedS / syncS) * 100))}%` : 'n/a',
    r429: out.rateLimited,
    cpuS: Number((out.cpuMs / 1000).toFixed(1)),
    peakRssMb: out.maxRssMb,
    stmts: out.statements,
    written,
    edited: mode === 'full' ? records : changed,
  });
  if (r.status !== 'success') throw new Error(`${name}: ${r.status} ${r.message}`);
  console.error(`  ${name}: ${requests} requests, ${written} written, ${syncS.toFixed(1)} s (process ${wallS.toFixed(1)} s)`);
}

function editBooks(count: number, round: number) {
  const pages = emulator.listPages(ids.booksDataSource);
  for (let i = 0; i < count; i++) emulator.updatePage(pages[(i * 7919 + round) % pages.length]!.id, { Rating: { number: ((i + round) % 5) + 1 } });
}

try {
  console.error(`jarvis-sync bench: ${records} pages, ${rps} req/s, ${databaseUrl ? 'PostgreSQL' : 'PGlite'}`);
  await scenario('full initial sync', 'full', records);
  await scenario('incremental, 0 changed', 'incremental', 0);
  editBooks(Math.ceil(records * 0.01), 1);
  await scenario('incremental, 1% changed', 'incremental', Math.ceil(records * 0.01));
  editBooks(Math.ceil(records * 0.1), 2);
  await scenario('incremental, 10% changed', 'incremental', Math.ceil(records * 0.1));
} finally {
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) await dropBenchDatabase(databaseUrl);
}

const machine = describeMachine();
console.log(`\njarvis-sync benchmark — ${records} Notion pages, ${rps} req/s, ${databaseUrl ? 'PostgreSQL' : 'PGlite'} — ${machine}\n`);
console.table(
  rows.map((r) => ({
    scenario: r.scenario,
    'pages read (edited)': `${r.pagesRead} (${r.edited})`,
    'query requests (least)': `${r.queries} (${r.leastRequests})`,
    'all requests': r.requests,
    'records written': r.written,
    'sync s': r.wallS,
    'rate limit allows s': r.allowedS,
    'pacing efficiency': r.pacing,
    '429s': r.r429,
    'CPU s': r.cpuS,
    'peak RSS MB': r.peakRssMb,
    'SQL statements': r.stmts,
    'per 1k pages': r.pagesRead >= 100 ? Number(((r.stmts / r.pagesRead) * 1000).toFixed(1)) : 'n/a',
  })),
);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', `latest-${databaseUrl ? 'postgres' : 'pglite'}.json`);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, records, rps, backend: databaseUrl ? 'postgres' : 'pglite', rows }, null, 2) + '\n');
console.log(`\nwritten to ${file}`);
